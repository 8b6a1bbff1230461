"""Provides CPython313: what CPython 3.13 changed in the internals the engine relies on."""

from __future__ import annotations

import dis
from types import ModuleType
from typing import Any

from tui.engine.cpython.py312 import CPython312


class CPython313(CPython312):
    """CPython 3.13."""

    version = (3, 13)

    queue_shutdown = True
    """gh-96471: asyncio.Queue.shutdown() and QueueShutDown; queue.Queue.shutdown() and queue.ShutDown."""

    event_loop_classes = ("SelectorEventLoop", "EventLoop")
    """asyncio.unix_events, 3.13: `EventLoop` names the default loop class too (for loop_factory=)."""

    pytime_type = "PyTime_t"
    """gh-110850: the C time type became public API as PyTime_t, and error messages name it so."""

    lock_negative_timeout = "timeout value must be a non-negative number"
    """3.13 words the negative-timeout error of Lock.acquire() like time.sleep()'s."""

    lock_is_class = True
    """gh-114315: threading.Lock is a real class (`_thread.lock`), no longer a factory function."""

    child_runs_atexit = True
    """3.13's multiprocessing.popen_fork clears the inherited atexit handlers in a forked child and
    runs the child's own when it ends (3.11 and 3.12 leave through os._exit without them)."""

    frameless_warning_site = ("<sys>", 0)
    """3.13 places a warning raised outside any Python frame at "<sys>", line 0 (3.11 and 3.12: "sys:1")."""

    def thread_exception_header(self, function: Any) -> str:
        """3.13 formats the unraisable message with the function inside it (PyErr_FormatUnraisable)."""
        return f"Exception ignored in thread started by {function!r}:"

    def patch_thread_start(self, threading: ModuleType, sim: Any, thread_module: ModuleType) -> None:
        """gh-114271: threads are started by `_thread.start_joinable_thread` and joined through a
        `_thread._ThreadHandle`; interpreter shutdown joins them in `_thread._shutdown()`.
        gh-114315: `_thread.lock` names the lock type."""
        threading._start_joinable_thread = sim.start_joinable_thread  # type: ignore[attr-defined]
        threading._ThreadHandle = sim.SimThreadHandle  # type: ignore[attr-defined]
        threading._make_thread_handle = sim.make_thread_handle  # type: ignore[attr-defined]
        threading._thread_shutdown = sim.shutdown_joinable_threads  # type: ignore[attr-defined]
        threading._get_main_thread_ident = sim.main_thread_ident  # type: ignore[attr-defined]
        thread_module.start_joinable_thread = sim.start_joinable_thread  # type: ignore[attr-defined]
        thread_module._ThreadHandle = sim.SimThreadHandle  # type: ignore[attr-defined]
        thread_module._make_thread_handle = sim.make_thread_handle  # type: ignore[attr-defined]
        thread_module._shutdown = sim.shutdown_joinable_threads  # type: ignore[attr-defined]
        thread_module._get_main_thread_ident = sim.main_thread_ident  # type: ignore[attr-defined]
        thread_module.lock = sim.SimLock  # type: ignore[attr-defined]
        # The main thread's handle was made at import, a real one: it must be ours.
        main = threading._main_thread  # type: ignore[attr-defined]
        main._handle = sim.make_thread_handle(main.ident)

    def server_attach(self, server: Any, transport: Any) -> None:
        """gh-113538: a Server keeps its connections' transports (for close_clients/abort_clients)."""
        server._attach(transport)

    def server_detach(self, server: Any, transport: Any) -> None:
        """gh-113538: and forgets the transport when its connection is lost."""
        server._detach(transport)

    def instruction_line(self, instruction: dis.Instruction) -> int | None:
        """gh-107932: `Instruction.starts_line` became a bool; the line is `line_number`."""
        return instruction.line_number if instruction.starts_line else None  # type: ignore[attr-defined]
