"""Provides the one interface between the schedulers and the recorder: every hook, listed once.

The asyncio loop, the thread kernel, the processes, the network and the probes
tell the recorder what happens through these calls and nothing else (like
trio's Instrument, but the recorder also answers a few questions: names, the
running actor). The recorder (tui.engine.recording.recorder.Recorder)
implements them; mypy checks it against this Protocol wherever it is handed to
a scheduler, so a hook added here and not there fails the type check.

Who calls what:

- the loop (aio.loop): loop_entered/loop_left, task_created/task_renamed,
  handle_scheduled, timer_scheduled/timer_fired, handle_cancelled, run_handle,
  eager_step_begins/eager_step_ends, make_future, executor_future,
  run_until_complete_started, main_finished;
- the kernel (threads.kernel): thread_created, thread_resumed,
  thread_slice_ended, step_interrupted, switched_to, process_exited,
  flush_pending, stop;
- processes (processes.process): process_created;
- probes and sockets: resource_created, dirty, and to describe a wait:
  name_of, shown, kind_of.
"""

from __future__ import annotations

from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from tui.engine.sites import Sites


class Hooks(Protocol):
    """What a scheduler may call on the recorder."""

    @property
    def current(self) -> str:
        """The actor running now, as frames name it ("T3", "cb", "Th2")."""

    @property
    def frames(self) -> int:
        """Frames written so far: the index of the next one."""

    @property
    def sites(self) -> Sites:
        """Which code is the user's, and the site ids of lines."""

    # -- the asyncio loop ----------------------------------------------------------------------

    def loop_entered(self) -> None: ...

    def loop_left(self) -> None: ...

    def task_created(self, task: Any, creator: FrameType) -> None: ...

    def task_renamed(self, task: Any) -> None: ...

    def handle_scheduled(self, handle: Any, callback: Any, args: tuple[Any, ...]) -> None: ...

    def timer_scheduled(self, timer: Any, callback: Any, args: tuple[Any, ...]) -> None: ...

    def timer_fired(self, timer: Any) -> None: ...

    def handle_cancelled(self, handle: Any) -> None:
        """A ready handle or a timer was cancelled: a pending one leaves the queue shown."""

    def run_handle(self, handle: Any) -> None:
        """Run one ready handle and record it as one frame."""

    def eager_step_begins(self, task: Any, coro: Any, name: str) -> None: ...

    def eager_step_ends(self, task: Any) -> None: ...

    def make_future(self, loop: Any, creator: FrameType) -> Any: ...

    def executor_future(self, fut: Any, func: Any) -> None:
        """run_in_executor() made `fut` for `func`: it becomes a resource the waiting task names."""

    def run_until_complete_started(self, loop: Any, future: Any) -> bool: ...

    def main_finished(self, result: Any) -> None: ...

    # -- threads and processes -----------------------------------------------------------------

    def thread_created(self, thread: Any) -> None: ...

    def thread_resumed(self, thread: Any) -> None: ...

    def thread_slice_ended(self, kernel: Any, thread: Any) -> None: ...

    def step_interrupted(self, kernel: Any, thread: Any) -> None: ...

    def switched_to(self, actor: str) -> None:
        """The kernel handed the baton on: `actor` (a thread's current actor) runs from now."""

    def process_created(self, proc: Any) -> None: ...

    def process_exited(self, proc: Any) -> None: ...

    def flush_pending(self, actor: str = "Th1", since: float | None = None, state: str = "running") -> None: ...

    def stop(self, outcome: str, detail: str) -> None:
        """End the recording (a limit was reached): does not return to the caller's code."""

    # -- resources -----------------------------------------------------------------------------

    def resource_created(self, obj: Any, kind: str, maker: FrameType | None = None, api: str = "asyncio") -> str: ...

    def dirty(self, obj: Any) -> None:
        """A resource changed: its state goes into the next frame."""

    def name_of(self, actor: str | None) -> str: ...

    def shown(self, rid: str) -> str: ...

    def kind_of(self, rid: str) -> str: ...
