"""Provides multiprocessing.Process, simulated: start(), join(), pid, exitcode, terminate(), in virtual time.

A process here is a KernelProcess of the kernel (its own clock, its own GIL, its own pid)
whose main thread runs the target. What the program can observe follows
CPython's `fork` start method on Linux:

- the child starts with a copy of the parent's memory (processes.fork), its
  `random` reseeded from the recording's seed and its pid;
- starting a process costs the parent `FORK_COST` of CPU and the child begins
  running `START_DELAY` later;
- a child ends as multiprocessing's does: its queues' feeders write what they
  hold first, an exception is printed and gives exit code 1, and (3.13) its
  own atexit handlers run; an os._exit() or a signal loses what its feeders
  had not written;
- at the main program's exit, daemon children are terminated and the others
  joined.

Other modules the program imports are shared between processes here (a
limitation: on Linux each process would have its own copy).
"""

from __future__ import annotations

import copy
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from tui.engine.processes.fork import copy_value, fork_namespace
from tui.engine.processes.identity import current_process, main_process, the_kernel
from tui.engine.processes.ipc import flush_feeders, lose_feeders
from tui.engine.runtime import RUN
from tui.engine.threads.actors import KernelProcess
from tui.engine.threads.kernel import MAIN_PID
from tui.engine.threads.primitives import allocate_lock, name_as

_ENGINE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tui/engine, above this package

FORK_COST = 0.001
"""Virtual CPU seconds the parent spends in start() (fork and bookkeeping)."""
START_DELAY = 0.010
"""Virtual seconds from start() until the child runs its target."""
SIGNAL_DELAY = 0.0005
"""Virtual seconds from terminate() or kill() until the child is reaped: the signal is
delivered asynchronously, so is_alive() right after terminate() is still True, as on CPython."""


class SimProcess:
    """multiprocessing.Process, simulated: start(), join(), pid, exitcode, terminate()."""

    def __init__(
        self,
        group: None = None,
        target: Callable[..., Any] | None = None,
        name: str | None = None,
        args: Iterable[Any] = (),
        kwargs: dict[str, Any] | None = None,
        *,
        daemon: bool | None = None,
    ) -> None:
        if group is not None:
            raise ValueError("group argument must be None for now")
        parent = current_process()
        self._target = target
        self._args = tuple(args)
        self._kwargs = dict(kwargs or {})
        # Every process takes a number, named or not; `class Consumer(Process)` makes Consumer-1.
        numbered = _next_name(type(self).__name__)
        self._name = name or numbered
        self._daemon = bool(daemon) if daemon is not None else bool(getattr(parent, "daemon", False))
        self._proc: KernelProcess | None = None
        self._parent_pid = getattr(parent, "pid", MAIN_PID)
        self._signalled_at: float | None = None

    # -- the API ----------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = value

    @property
    def daemon(self) -> bool:
        return self._daemon

    @daemon.setter
    def daemon(self, value: bool) -> None:
        if self._proc is not None:
            raise AssertionError("process has already started")
        self._daemon = value

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    ident = pid

    @property
    def exitcode(self) -> int | None:
        if self._proc is None or self._proc.alive or self._dying() > 0:
            return None
        return self._proc.exitcode

    def _dying(self) -> float:
        """Seconds until a signalled child is reaped (0 when it is, or was never signalled)."""
        if self._signalled_at is None:
            return 0.0
        return max(0.0, self._signalled_at + SIGNAL_DELAY - the_kernel().clock.now)

    @property
    def sentinel(self) -> int:
        return self.pid or 0

    def is_alive(self) -> bool:
        return self._proc is not None and (self._proc.alive or self._dying() > 0)

    def run(self) -> None:
        if self._target is not None:
            self._target(*self._args, **self._kwargs)

    def start(self) -> None:
        if self._proc is not None:
            raise AssertionError("cannot start a process twice")
        kernel = the_kernel()
        parent = kernel.proc
        kernel.settle()
        kernel.charge(FORK_COST)
        pid = RUN.number("pid", MAIN_PID + 1)
        proc = kernel.new_proc(self._name, pid, parent, start=kernel.clock.now + START_DELAY)
        self._proc = proc
        proc.process = self
        sentinel = allocate_lock()
        sentinel.acquire()
        sentinel._cc_join = proc  # type: ignore[attr-defined]
        proc.sentinel = sentinel
        namespace, memo = fork_namespace(parent.namespace or {})
        proc.namespace = namespace
        import random

        # CPython reseeds `random` in every forked child (os.register_at_fork);
        # here the new seed comes from the recording's seed and the child's pid.
        proc.random_state = random.Random(f"{RUN.seed}:{proc.pid}").getstate()
        child = copy.copy(self)
        child.__dict__ = {key: copy_value(value, memo) for key, value in self.__dict__.items()}
        child._proc = proc
        if kernel.recorder is not None:
            kernel.recorder.process_created(proc)
        kernel.start_thread(_bootstrap, (child,), None, proc=proc, name="MainThread")

    def join(self, timeout: float | None = None) -> None:
        if self._proc is None:
            raise AssertionError("can only join a started process")
        if self._proc is the_kernel().proc:
            raise AssertionError("can only join a child process")
        sentinel = self._proc.sentinel
        if sentinel.acquire(True, -1 if timeout is None else max(timeout, 0)):
            sentinel.release()
        dying = self._dying()
        if dying:
            import time

            time.sleep(dying if timeout is None else min(dying, max(timeout, 0)))  # the virtual sleep

    def terminate(self) -> None:
        self._signal(-15)

    def kill(self) -> None:
        self._signal(-9)

    def _signal(self, exitcode: int) -> None:
        if self._proc is not None and self._proc.alive:
            kernel = the_kernel()
            self._signalled_at = kernel.clock.now
            lose_feeders(self._proc.pid)
            kernel.terminate_proc(self._proc, exitcode)

    def close(self) -> None:
        if self.is_alive():
            raise ValueError("Cannot close a process while it is still running")

    def __repr__(self) -> str:
        """As multiprocessing.process.BaseProcess words it: `<Consumer name='Consumer-1' pid=4101
        parent=4100 stopped exitcode=-SIGTERM daemon>`."""
        from multiprocessing.process import _exitcode_to_name  # type: ignore[attr-defined]

        info = [type(self).__name__, f"name={self._name!r}"]
        if self._proc is not None:
            info.append(f"pid={self.pid}")
        info.append(f"parent={self._parent_pid}")
        if self._proc is None:
            info.append("initial")
        elif self.is_alive():
            info.append("started")
        else:
            info += ["stopped", f"exitcode={_exitcode_to_name.get(self.exitcode, self.exitcode)}"]
        if self._daemon:
            info.append("daemon")
        return f"<{' '.join(info)}>"


name_as(SimProcess, "multiprocessing.context", "Process")  # type(p).__name__, and `Process-1` made from it


def _next_name(kind: str) -> str:
    """`Process-3`, `ForkPoolWorker-4`: one counter for every process, as in CPython."""
    parent = current_process()
    prefix = "" if parent is main_process() else f"{parent.name}:"
    return f"{prefix}{kind}-{RUN.number('process')}"


def _bootstrap(child: SimProcess) -> None:
    """The child process's main thread: run, then report an exit code as multiprocessing does."""
    proc = the_kernel().proc
    threading.current_thread().name = "MainThread"  # as in a real child process
    code = 0
    try:
        try:
            child.run()
        finally:
            flush_feeders(proc.pid)  # util._exit_function(): a process waits for its queues' feeders
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, int) and exc.code is not None:
            print(exc.code, file=sys.stderr)
    except BaseException as exc:
        code = 1
        print(f"Process {child.name}:", file=sys.stderr)
        te = traceback.TracebackException.from_exception(exc)
        te.stack = traceback.StackSummary.from_list([f for f in te.stack if not f.filename.startswith(_ENGINE_DIR)])
        print("".join(te.format()), end="", file=sys.stderr)
    _run_child_exit_handlers(proc.pid)
    proc.exitcode = code


def _run_child_exit_handlers(pid: int) -> None:
    """As atexit._run_exitfuncs() does in a 3.13 child: the last registered first; a failing one is reported."""
    handlers = RUN.processes.child_exit_handlers.pop(pid, [])
    while handlers:
        function, args, kwargs = handlers.pop()
        try:
            function(*args, **kwargs)
        except BaseException as exc:
            print(f"Exception ignored in atexit callback {function!r}:", file=sys.stderr)
            traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next if exc.__traceback__ else None)


def process_exiting() -> None:
    """The running child process ends abruptly (os._exit): whoever watches it is told first."""
    pid = the_kernel().proc.pid
    hook = RUN.processes.abrupt_exit_hooks.pop(pid, None)
    if hook is not None:
        hook()
    lose_feeders(pid)


def shutdown_children() -> None:
    """At the main program's exit, as multiprocessing does: stop daemons, join the others."""
    kernel = RUN.kernel
    if kernel is None:
        return
    for proc in list(kernel.procs[1:]):
        process = proc.process
        if process is None or not proc.alive or proc.parent is not kernel.main.proc:
            continue
        if process.daemon:
            process.terminate()
    for proc in list(kernel.procs[1:]):
        process = proc.process
        if process is not None and proc.alive and not process.daemon:
            process.join()
    flush_feeders(kernel.main.proc.pid)  # then its last finalizers: the queues' feeder threads
