"""Provides multiprocessing as the program sees it, and install(), which routes it and os's process calls here.

multiprocessing's top-level names come from its default context, and so do
get_context()'s: here both are SIMULATED, whatever the start method asked
for (this is always `fork`). install() also puts the process executor in
concurrent.futures, makes os.getpid(), os.getppid() and os.cpu_count()
the simulation's, refuses os.fork(), and keeps a child's atexit handlers
its own.
"""

from __future__ import annotations

import atexit
import threading
import types
from collections.abc import Callable, Mapping
from typing import Any

from tui.engine import cpython
from tui.engine.errors import UnsupportedInSimulation
from tui.engine.processes import manager
from tui.engine.processes.executor import SimProcessPoolExecutor, shutdown_open_executors
from tui.engine.processes.identity import active_children, current_process, getpid, getppid, parent_process, the_kernel
from tui.engine.processes.ipc import (
    FeederQueue,
    Pipe,
    SharedBarrier,
    SharedBoundedSemaphore,
    SharedCondition,
    SharedEvent,
    SharedLock,
    SharedRLock,
    SharedSemaphore,
    SimArray,
    SimSimpleQueue,
    SimValue,
)
from tui.engine.processes.pool import SimPool
from tui.engine.processes.process import SimProcess, shutdown_children
from tui.engine.runtime import RUN


class SimContext:
    """What multiprocessing.get_context() returns: the same simulated classes, whatever the method."""

    def __init__(self, method: str = "fork") -> None:
        self._method = method
        for name, value in SIMULATED.items():
            setattr(self, name, value)

    def get_start_method(self, allow_none: bool = False) -> str:
        return self._method


def _get_context(method: str | None = None) -> SimContext:
    return SimContext(method or "fork")


def _fork() -> int:
    raise UnsupportedInSimulation("os.fork()", "use multiprocessing.Process")


SIMULATED: Mapping[str, Any] = types.MappingProxyType(
    {
        "Process": SimProcess,
        "Pool": SimPool,
        "Queue": FeederQueue,
        "JoinableQueue": FeederQueue,
        "SimpleQueue": SimSimpleQueue,
        "Pipe": Pipe,
        "Value": SimValue,
        "Array": SimArray,
        "RawValue": SimValue,
        "RawArray": SimArray,
        "Lock": SharedLock,
        "RLock": SharedRLock,
        "Semaphore": SharedSemaphore,
        "BoundedSemaphore": SharedBoundedSemaphore,
        "Event": SharedEvent,
        "Condition": SharedCondition,
        "Barrier": SharedBarrier,
        "Manager": manager.Manager,
        "current_process": current_process,
        "parent_process": parent_process,
        "active_children": active_children,
    }
)


def install(main_namespace: dict[str, Any]) -> None:
    """Route multiprocessing, ProcessPoolExecutor and os's process calls to the simulation."""
    kernel = the_kernel()
    kernel.main.proc.namespace = main_namespace
    import concurrent.futures
    import concurrent.futures.process
    import multiprocessing
    import multiprocessing.pool
    import os

    for name, value in SIMULATED.items():
        setattr(multiprocessing, name, value)
    manager.install()
    multiprocessing.cpu_count = lambda: kernel.cores  # type: ignore[assignment]
    multiprocessing.get_context = _get_context  # type: ignore[assignment]
    multiprocessing.set_start_method = lambda method, force=False: None  # type: ignore[assignment]
    multiprocessing.get_start_method = lambda allow_none=False: "fork"  # type: ignore[assignment]
    multiprocessing.pool.Pool = SimPool  # type: ignore[misc]
    multiprocessing.Process = SimProcess  # type: ignore[misc]
    concurrent.futures.ProcessPoolExecutor = SimProcessPoolExecutor  # type: ignore[misc]
    concurrent.futures.process.ProcessPoolExecutor = SimProcessPoolExecutor  # type: ignore[misc]
    os.getpid = getpid
    os.getppid = getppid
    os.cpu_count = lambda: kernel.cores
    os.fork = _fork
    threading._register_atexit(shutdown_open_executors)  # type: ignore[attr-defined]
    register_at_exit = atexit.register

    def register(function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        # A forked child's handlers are its own: run when it ends (3.13), or never (it leaves by os._exit).
        proc = kernel.proc
        if proc is kernel.main.proc:
            register_at_exit(function, *args, **kwargs)
        elif cpython.running.child_runs_atexit:
            RUN.processes.child_exit_handlers.setdefault(proc.pid, []).append((function, args, kwargs))
        return function

    register.__module__, register.__qualname__ = "atexit", "register"
    atexit.register = register
    # multiprocessing.util's exit function is an atexit handler registered when multiprocessing
    # is imported: the program's own handlers, registered later, run before it.
    atexit.register(shutdown_children)
