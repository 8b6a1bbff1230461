"""Provides CPython311: the internals of CPython 3.11 the engine relies on (the baseline)."""

from __future__ import annotations

import dis
from collections.abc import Callable
from types import CodeType, ModuleType
from typing import Any

from tui.engine.cpu import BytecodeCounter
from tui.engine.cpu.settrace import SettraceCounter


class CPython311:
    """CPython 3.11. Later versions subclass this and override what changed."""

    version = (3, 11)

    eager_tasks = False
    """Whether asyncio can start a task eagerly, inside its creator's step (3.12+)."""

    queue_shutdown = False
    """Whether asyncio.Queue and queue.Queue have shutdown() (3.13+)."""

    wait_for_uses_timeout = False
    """Whether asyncio.wait_for is built on asyncio.timeout() (3.12+), rather than its own timer."""

    event_loop_classes: tuple[str, ...] = ("SelectorEventLoop",)
    """The names under which asyncio (and asyncio.unix_events) offers its default loop class."""

    pytime_type = "_PyTime_t"
    """The C type time.sleep() names when a whole number of seconds overflows it."""

    lock_blocking_is_int = True
    """Whether Lock.acquire() reads `blocking` as a C int (so acquire("x") is a TypeError)
    rather than as a truth value."""

    lock_negative_timeout = "timeout value must be positive"
    """What Lock.acquire() says to a negative timeout other than -1."""

    lock_is_class = False
    """Whether threading.Lock is the lock type itself, callable like any class (3.13+), rather
    than a factory function whose type refuses to be instantiated."""

    child_runs_atexit = False
    """Whether a forked multiprocessing child runs the atexit handlers it registered itself."""

    frameless_warning_site = ("sys", 1)
    """Where a warning raised outside any Python frame is placed (a coroutine collected at exit)."""

    def thread_exception_header(self, function: Any) -> str:
        """The line CPython writes before the traceback when a function started by
        `_thread.start_new_thread` raises (sys.unraisablehook's default format)."""
        return f"Exception ignored in thread started by: {function!r}"

    def bytecode_counter(
        self, is_counted: Callable[[CodeType], bool], is_library: Callable[[CodeType], bool] = lambda code: False
    ) -> BytecodeCounter:
        """3.11 counts instructions with sys.settrace opcode events."""
        return SettraceCounter(is_counted, is_library)

    def patch_thread_start(self, threading: ModuleType, sim: Any, thread_module: ModuleType) -> None:
        """Route how `threading` (and the program's own `_thread`, `thread_module`) start and
        join threads to the simulated ones in `sim`.

        3.11 starts a thread with `_thread.start_new_thread`, and the new thread
        makes its own "tstate lock" (`_thread._set_sentinel`), which join() and
        interpreter shutdown acquire.
        """
        threading._start_new_thread = sim.start_new_thread  # type: ignore[attr-defined]
        threading._set_sentinel = thread_module._set_sentinel = sim.set_sentinel  # type: ignore[attr-defined]
        # The same set as CPython's, without a scan of every live thread's lock per thread started.
        threading.Thread._set_tstate_lock = sim.set_tstate_lock  # type: ignore[attr-defined]

    def server_attach(self, server: Any, transport: Any) -> None:
        """A connection of an asyncio Server begins; the server counts it (wait_closed waits for 0)."""
        server._attach()

    def server_detach(self, server: Any, transport: Any) -> None:
        """A connection of an asyncio Server ends (the last one lets wait_closed() return)."""
        server._detach()

    def instruction_line(self, instruction: dis.Instruction) -> int | None:
        """The source line an instruction starts, or None if it continues one."""
        return instruction.starts_line  # type: ignore[return-value]
