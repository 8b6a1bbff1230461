"""Provides the kernel's records: a simulated process (KernelProcess), a thread (SimThread), what a thread blocks
on (Blocker and its kinds) and how a blocked thread's wait is described (WaitProbe).

The kernel (threads.kernel) schedules these; the simulated primitives, the
processes and the network make Blockers of their own.
"""

from __future__ import annotations

import _thread
from collections import deque
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from tui.engine.threads.kernel import Kernel

real_allocate_lock = _thread.allocate_lock
"""The real lock, captured before the recording process patches threading: a thread parks on one."""

RUNNING = "running"
RUNNABLE = "runnable"
BLOCKED = "blocked"
DONE = "done"


class KernelProcess:
    """A simulated process: its clock, its GIL queue, its threads, its pid."""

    __slots__ = (
        "alive",
        "core",
        "core_since",
        "exitcode",
        "live_threads",
        "name",
        "namespace",
        "number",
        "parent",
        "pid",
        "process",
        "random_state",
        "runnable",
        "sentinel",
        "threads",
        "time",
    )

    def __init__(self, number: int, name: str, pid: int, time: float, parent: KernelProcess | None = None) -> None:
        self.number = number
        self.name = name
        self.pid = pid
        self.time = time
        self.parent = parent
        self.runnable: deque[SimThread] = deque()
        """Threads of this process waiting for its GIL, in order."""
        self.threads: list[SimThread] = []
        self.live_threads = 0
        """Threads of this process not yet DONE: it ends when the count drops to 0 (O(1), not a scan)."""
        self.alive = True
        self.exitcode: int | None = None
        self.core: int | None = None
        """The simulated CPU this process holds while it has a thread to run."""
        self.core_since = 0.0
        self.random_state: Any = None
        self.process: Any = None
        """The multiprocessing.Process object standing for this process, if any."""
        self.namespace: dict[str, Any] | None = None
        """The program's module namespace as this process sees it (a copy, after fork)."""
        self.sentinel: Any = None

    @property
    def pid_label(self) -> str:
        return f"P{self.number}"

    def __repr__(self) -> str:
        return f"<KernelProcess {self.pid_label} {self.name} pid={self.pid} t={self.time}>"


class SimThread:
    """One thread of the recorded program, as the kernel sees it."""

    __slots__ = (
        "actor",
        "blocked_on",
        "counter_state",
        "cpu",
        "cut",
        "cut_decision",
        "failed",
        "ident",
        "loop_depth",
        "name",
        "park",
        "proc",
        "sentinel",
        "slice_cpu",
        "slice_start",
        "state",
        "stop",
        "stop_at",
        "tid",
        "timed_out",
        "traced",
        "wake_seq",
        "why",
    )

    def __init__(self, tid: str, name: str, proc: KernelProcess) -> None:
        self.tid = tid
        self.name = name
        self.proc = proc
        self.ident = 0
        self.park = real_allocate_lock()
        self.state = RUNNABLE
        self.blocked_on: Any = None
        self.timed_out = False
        self.wake_seq = 0
        self.sentinel: Any = None
        self.loop_depth = 0
        self.actor = tid
        """The actor to restore in the recorder when this thread runs again."""
        self.slice_start = 0.0
        self.slice_cpu = 0.0
        self.cut = 0
        """Switch points this slice passes before it offers the GIL, when the policy cut it short (0: not cut)."""
        self.cut_decision = -1
        """Which decision of the schedule (an index) cut this slice, while `cut` counts down."""
        self.cpu = 0.0
        self.why: list[Any] = ["new"]
        self.stop: str | None = None
        """Why the last slice ended, when it was not blocking: "preempted", "paused", "yield"."""
        self.stop_at: Any = None
        """The frame a preempted thread stopped in (for showing the instruction it stopped before)."""
        self.failed: str | None = None
        self.traced = False
        self.counter_state: Any = None
        """The bytecode counter's own record of this thread while another runs."""

    def __repr__(self) -> str:
        return f"<SimThread {self.tid} {self.name} {self.state}>"


class Blocker:
    """Something a thread blocks on; subclasses say what, for frames and reports."""

    __slots__ = ()

    def describe(self, kernel: Kernel) -> tuple[str, str]:
        """(resource id or label, words) for a frame's `on` and `wait`."""
        return ("?", "blocked")

    def holders(self, kernel: Kernel) -> list[str]:
        """Actors that must act before the waiter can go on (edges of a wait-for graph)."""
        return []

    def role(self) -> str | None:
        """Which line of the resource the thread stands in ("get"/"put"...), if it matters."""
        return None


class Sleep(Blocker):
    __slots__ = ("until",)

    def __init__(self, until: float) -> None:
        self.until = until

    def describe(self, kernel: Kernel) -> tuple[str, str]:
        return ("sleep", f"sleeps until t={self.until:.3f}s")


class LoopIdle(Blocker):
    """The event loop waits in what would be select(): for a timer or a thread."""

    __slots__ = ("loop",)

    def __init__(self, loop: Any) -> None:
        self.loop = loop

    def describe(self, kernel: Kernel) -> tuple[str, str]:
        return ("loop", "event loop idle")


class WaitProbe(Protocol):
    """What a blocked thread waits for, in the program's terms (threads.probes; `NO_WAIT_PROBE` before it is installed).

    The simulated lock asks this when a thread blocks on it: the registered
    primitive (Queue, Condition, ...) the blocking call is inside, the thread a
    join() waits for, and the words and holders a frame shows for them.
    """

    def resource_in_chain(self, frame: FrameType | None) -> tuple[Any, str | None]: ...

    def joined_thread(self, frame: FrameType | None) -> str | None: ...

    def wait_words(self, recorder: Any, obj: Any, role: str | None) -> str: ...

    def holders_of(self, recorder: Any, obj: Any, role: str | None) -> list[str]: ...


class _NoWaitProbe:
    """Nothing is registered: a blocked thread waits on a plain lock (a kernel without a recorder)."""

    def resource_in_chain(self, frame: FrameType | None) -> tuple[Any, str | None]:
        return None, None

    def joined_thread(self, frame: FrameType | None) -> str | None:
        return None

    def wait_words(self, recorder: Any, obj: Any, role: str | None) -> str:
        return "waits for a lock"

    def holders_of(self, recorder: Any, obj: Any, role: str | None) -> list[str]:
        return []


NO_WAIT_PROBE: WaitProbe = _NoWaitProbe()
