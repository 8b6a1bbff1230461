"""Provides simulated processes: multiprocessing and ProcessPoolExecutor, in virtual time.

A process here is a kernel lane (its own clock, its own GIL, its own pid)
whose main thread runs the target. What the program can observe follows
CPython's `fork` start method on Linux:

- the child starts with a *copy* of the parent's data: the program's own
  module namespace is copied (functions are rebound to the copy), so a
  child's change to a global is invisible to the parent and to siblings;
  so is the `random` module's state;
- Process arguments are copied, not pickled (fork copies memory), while
  everything sent through a Pool, a ProcessPoolExecutor, a Queue or a Pipe is
  round-tripped through pickle, so an unpicklable argument fails as it would;
- starting a process costs the parent `FORK_COST` of CPU and the child begins
  running `START_DELAY` later.

Other modules the program imports are shared between processes here (a
limitation: on Linux each process would have its own copy).
"""

from __future__ import annotations

import atexit
import copy
import itertools
import os
import queue
import sys
import threading
import traceback
import types
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from tui.engine import cpython
from tui.engine.errors import UnsupportedInSimulation
from tui.engine.processes import manager as simmanager
from tui.engine.processes.pickles import dumps, loads
from tui.engine.runtime import RUN
from tui.engine.threads.actors import Blocker, Lane, SimThread
from tui.engine.threads.kernel import MAIN_PID, Kernel
from tui.engine.threads.primitives import SimLock, SimRLock, allocate_lock, fork_copy, name_as

_ENGINE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tui/engine, above this package

FORK_COST = 0.001
"""Virtual CPU seconds the parent spends in start() (fork and bookkeeping)."""
START_DELAY = 0.010
"""Virtual seconds from start() until the child runs its target."""
SIGNAL_DELAY = 0.0005
"""Virtual seconds from terminate() or kill() until the child is reaped: the signal is
delivered asynchronously, so is_alive() right after terminate() is still True, as on CPython."""


def _k() -> Kernel:
    kernel = RUN.kernel
    assert kernel is not None, "simulated processes exist only in the recording process"
    return kernel


# -- copying a process's memory (fork) ---------------------------------------------------------


def _rebind(function: types.FunctionType, namespace: dict[str, Any]) -> types.FunctionType:
    twin = types.FunctionType(
        function.__code__, namespace, function.__name__, function.__defaults__, function.__closure__
    )
    twin.__kwdefaults__ = copy.copy(function.__kwdefaults__)
    twin.__qualname__ = function.__qualname__
    twin.__doc__ = function.__doc__
    twin.__module__ = function.__module__
    twin.__annotations__ = dict(function.__annotations__)
    twin.__dict__.update(function.__dict__)
    return twin


_FORK_COPIERS = types.MappingProxyType({SimLock: fork_copy, SimRLock: fork_copy})
"""Objects fork copies that copy.deepcopy() refuses (a lock cannot be pickled)."""


def _copy_value(value: Any, memo: dict[int, Any]) -> Any:
    if isinstance(value, (types.ModuleType, type, types.BuiltinFunctionType, types.FunctionType)):
        return memo.get(id(value), value)
    dispatch = copy._deepcopy_dispatch  # type: ignore[attr-defined]
    # Only while fork copies: the program's own copy.deepcopy(lock) fails, as on CPython.
    dispatch.update(_FORK_COPIERS)
    try:
        return copy.deepcopy(value, memo)
    except Exception:  # a socket, a frame, a generator: shared, as the closest we can do
        return value
    finally:
        for cls in _FORK_COPIERS:
            dispatch.pop(cls, None)


def fork_namespace(parent: dict[str, Any]) -> tuple[dict[str, Any], dict[int, Any]]:
    """A copy of the program's module namespace for a child, and the copying memo."""
    child: dict[str, Any] = {}
    memo: dict[int, Any] = {id(parent): child}
    for value in parent.values():
        if isinstance(value, types.FunctionType) and value.__globals__ is parent:
            memo[id(value)] = _rebind(value, child)
    for name, value in parent.items():
        child[name] = _copy_value(value, memo)
    return child, memo


class _Shared:
    """Kernel-level objects that every process sees (pipes, queues): fork does not copy them."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self

    def __copy__(self) -> Any:
        return self


# -- processes -------------------------------------------------------------------------------------


class _MainProcess:
    name = "MainProcess"
    daemon = False
    exitcode = None
    ident = pid = MAIN_PID

    def is_alive(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "<_MainProcess name='MainProcess' parent=None started>"


MAIN_PROCESS = _MainProcess()


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
        self._lane: Lane | None = None
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
        if self._lane is not None:
            raise AssertionError("process has already started")
        self._daemon = value

    @property
    def pid(self) -> int | None:
        return self._lane.pid if self._lane is not None else None

    ident = pid

    @property
    def exitcode(self) -> int | None:
        if self._lane is None or self._lane.alive or self._dying() > 0:
            return None
        return self._lane.exitcode

    def _dying(self) -> float:
        """Seconds until a signalled child is reaped (0 when it is, or was never signalled)."""
        if self._signalled_at is None:
            return 0.0
        return max(0.0, self._signalled_at + SIGNAL_DELAY - _k().clock.now)

    @property
    def sentinel(self) -> int:
        return self.pid or 0

    def is_alive(self) -> bool:
        return self._lane is not None and (self._lane.alive or self._dying() > 0)

    def run(self) -> None:
        if self._target is not None:
            self._target(*self._args, **self._kwargs)

    def start(self) -> None:
        if self._lane is not None:
            raise AssertionError("cannot start a process twice")
        kernel = _k()
        parent = kernel.lane
        kernel.settle()
        kernel.charge(FORK_COST)
        pid = RUN.number("pid", MAIN_PID + 1)
        lane = kernel.new_lane(self._name, pid, parent, start=kernel.clock.now + START_DELAY)
        self._lane = lane
        lane.process = self
        sentinel = allocate_lock()
        sentinel.acquire()
        sentinel._cc_join = lane  # type: ignore[attr-defined]
        lane.sentinel = sentinel
        namespace, memo = fork_namespace(parent.namespace or {})
        lane.namespace = namespace
        import random

        # CPython reseeds `random` in every forked child (os.register_at_fork);
        # here the new seed comes from the recording's seed and the child's pid.
        lane.random_state = random.Random(f"{RUN.seed}:{lane.pid}").getstate()
        child = copy.copy(self)
        child.__dict__ = {key: _copy_value(value, memo) for key, value in self.__dict__.items()}
        child._lane = lane
        if kernel.recorder is not None:
            kernel.recorder.process_created(lane)
        kernel.start_thread(_bootstrap, (child,), None, lane=lane, name="MainThread")

    def join(self, timeout: float | None = None) -> None:
        if self._lane is None:
            raise AssertionError("can only join a started process")
        if self._lane is _k().lane:
            raise AssertionError("can only join a child process")
        sentinel = self._lane.sentinel
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
        if self._lane is not None and self._lane.alive:
            kernel = _k()
            self._signalled_at = kernel.clock.now
            lose_feeders(self._lane.pid)
            kernel.terminate_lane(self._lane, exitcode)

    def close(self) -> None:
        if self.is_alive():
            raise ValueError("Cannot close a process while it is still running")

    def __repr__(self) -> str:
        """As multiprocessing.process.BaseProcess words it: `<Consumer name='Consumer-1' pid=4101
        parent=4100 stopped exitcode=-SIGTERM daemon>`."""
        from multiprocessing.process import _exitcode_to_name  # type: ignore[attr-defined]

        info = [type(self).__name__, f"name={self._name!r}"]
        if self._lane is not None:
            info.append(f"pid={self.pid}")
        info.append(f"parent={self._parent_pid}")
        if self._lane is None:
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
    prefix = "" if parent is MAIN_PROCESS else f"{parent.name}:"
    return f"{prefix}{kind}-{RUN.number('process')}"


def _bootstrap(child: SimProcess) -> None:
    """The child process's main thread: run, then report an exit code as multiprocessing does."""
    lane = _k().lane
    threading.current_thread().name = "MainThread"  # as in a real child process
    code = 0
    try:
        try:
            child.run()
        finally:
            flush_feeders(lane.pid)  # util._exit_function(): a process waits for its queues' feeders
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
    _run_child_exit_handlers(lane.pid)
    lane.exitcode = code


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


def current_process() -> Any:
    kernel = RUN.kernel
    if kernel is None:
        return MAIN_PROCESS
    lane = kernel.lane
    return MAIN_PROCESS if lane.process is None else lane.process


def parent_process() -> Any:
    kernel = _k()
    parent = kernel.lane.parent
    if parent is None:
        return None
    return MAIN_PROCESS if parent.process is None else parent.process


def active_children() -> list[SimProcess]:
    me = _k().lane
    return [lane.process for lane in _k().lanes if lane.parent is me and lane.alive and lane.process is not None]


def getpid() -> int:
    return _k().lane.pid


def getppid() -> int:
    parent = _k().lane.parent
    return parent.pid if parent is not None else 1


# -- queues, pipes and shared values -----------------------------------------------------------------


class SimQueue(_Shared):
    """multiprocessing.Queue: objects are pickled on put and unpickled by the receiving process."""

    def __init__(self, maxsize: int = 0, *, ctx: Any = None) -> None:
        self._maxsize = maxsize if maxsize > 0 else 1 << 31
        self._items: deque[bytes] = deque()
        self._mutex = allocate_lock()
        self._not_empty = threading.Condition(self._mutex)
        self._not_full = threading.Condition(self._mutex)
        self._unfinished = 0
        self._all_done = threading.Condition(self._mutex)
        self._closed = False

    def put(self, obj: Any, block: bool = True, timeout: float | None = None) -> None:
        if self._closed:
            raise ValueError(f"Queue {self!r} is closed")
        data = dumps(obj)
        with self._not_full:
            if len(self._items) >= self._maxsize and (
                not block or not self._not_full.wait_for(lambda: len(self._items) < self._maxsize, timeout)
            ):
                raise queue.Full
            self._items.append(data)
            self._item_put()
            self._unfinished += 1
            self._not_empty.notify()

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        with self._not_empty:
            if not self._items and (not block or not self._not_empty.wait_for(lambda: bool(self._items), timeout)):
                raise queue.Empty
            data = self._items.popleft()
            self._item_taken()
            self._not_full.notify()
        return loads(data)

    def _item_put(self) -> None:
        """An item joined the end of the queue (the mutex is held)."""

    def _item_taken(self) -> None:
        """The first item left the queue (the mutex is held)."""

    def put_nowait(self, obj: Any) -> None:
        self.put(obj, False)

    def get_nowait(self) -> Any:
        return self.get(False)

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        return len(self._items) >= self._maxsize

    def close(self) -> None:
        self._closed = True

    def join_thread(self) -> None:
        """Nothing to flush: items are in the queue as soon as put() returns."""

    def cancel_join_thread(self) -> None:
        """Nothing to cancel (see join_thread)."""

    # JoinableQueue
    def task_done(self) -> None:
        with self._all_done:
            if self._unfinished <= 0:
                raise ValueError("task_done() called too many times")
            self._unfinished -= 1
            if self._unfinished == 0:
                self._all_done.notify_all()

    def join(self) -> None:
        with self._all_done:
            self._all_done.wait_for(lambda: self._unfinished == 0)


PIPE_CAPACITY = 64 * 1024
"""Bytes a Linux pipe holds: a Queue's feeder thread waits to write past this until the other end reads."""
MESSAGE_HEADER = 4
"""Bytes Connection.send_bytes() writes before each pickled object (its length)."""


class FeederFlush(Blocker):
    """A process that must let its Queue feeder write everything it was given into the pipe first."""

    __slots__ = ("pid", "queue")

    def __init__(self, queue: FeederQueue, pid: int) -> None:
        self.queue = queue
        self.pid = pid

    def describe(self, kernel: Kernel) -> tuple[str, str]:
        left = self.queue.unwritten(self.pid)
        return (
            "multiprocessing.Queue",
            f"waits for its multiprocessing.Queue feeder to write {left:,} more bytes into the queue's pipe "
            f"(full at {PIPE_CAPACITY:,} bytes until someone reads the queue)",
        )


class FeederQueue(SimQueue):
    """multiprocessing.Queue and JoinableQueue: a pipe of PIPE_CAPACITY bytes behind each queue.

    As in CPython, put() never blocks on the pipe: a feeder thread of the
    putting process writes each pickled object into it, waiting while it is
    full. What this makes visible is the documented trap: a process cannot
    exit while its feeder still has data to write, so a parent that joins a
    child before reading what the child put in the queue waits for ever once
    that is more than the pipe holds (a deadlock, reported). The same holds
    for the main process at exit. `cancel_join_thread()` lets a process exit
    anyway, and what was not written yet is lost.
    """

    def __init__(self, maxsize: int = 0, *, ctx: Any = None) -> None:
        super().__init__(maxsize, ctx=ctx)
        self._writers: deque[int] = deque()
        """The pid of the process that put each item, in the order of _items."""
        self._flushing: list[SimThread] = []
        self._no_flush: set[int] = set()
        """Processes that called cancel_join_thread()."""
        RUN.processes.feeder_queues[RUN.number("feeder queue", 0)] = self

    def _item_put(self) -> None:
        self._writers.append(_k().lane.pid)

    def _item_taken(self) -> None:
        self._writers.popleft()
        kernel = _k()
        for thread in list(self._flushing):
            kernel.wake(thread, via="multiprocessing.Queue")

    def unwritten(self, pid: int) -> int:
        """Bytes of what process `pid` put that are not in the pipe yet (they wait in its feeder)."""
        written = left = 0
        for data, writer in zip(self._items, self._writers, strict=True):
            start, written = written, written + len(data) + MESSAGE_HEADER
            if writer == pid and written > PIPE_CAPACITY:
                left += written - max(start, PIPE_CAPACITY)
        return left

    def flush(self, pid: int) -> None:
        """Wait until process `pid`'s feeder has written all it holds (or drop it: cancel_join_thread)."""
        if pid in self._no_flush:
            self.drop_unwritten(pid)
            return
        kernel = _k()
        while self.unwritten(pid) > 0:
            me = kernel.current
            self._flushing.append(me)
            try:
                kernel.block(FeederFlush(self, pid), None)
            finally:
                self._flushing.remove(me)

    def drop_unwritten(self, pid: int) -> None:
        """Process `pid`'s feeder is gone: what it had not begun to write is lost.

        A JoinableQueue still counts those items as unfinished (put() counted
        them), so a join() on it waits for ever, as in CPython.
        """
        with self._mutex:
            kept: list[tuple[bytes, int]] = []
            written = 0
            for data, writer in zip(self._items, self._writers, strict=True):
                start, written = written, written + len(data) + MESSAGE_HEADER
                if writer == pid and start >= PIPE_CAPACITY:
                    continue  # still in the dead feeder's buffer: lost
                kept.append((data, writer))
            self._items = deque(data for data, _ in kept)
            self._writers = deque(writer for _, writer in kept)

    def join_thread(self) -> None:
        """Wait for this process's feeder to write everything into the pipe (after close(), as CPython asserts)."""
        if not self._closed:
            raise AssertionError(f"Queue {self!r} not closed")
        self.flush(_k().lane.pid)

    def cancel_join_thread(self) -> None:
        """Let this process exit without waiting for its feeder (what it has not written is lost)."""
        self._no_flush.add(_k().lane.pid)


def _queues_in_order() -> list[FeederQueue]:
    """Every live Queue, in the order they were made (never by address)."""
    return [queue_ for _number, queue_ in sorted(RUN.processes.feeder_queues.items())]


def flush_feeders(pid: int) -> None:
    """Process `pid` ends: each Queue's feeder of it writes what it holds first (Queue._finalize_join)."""
    for queue_ in _queues_in_order():
        queue_.flush(pid)


def lose_feeders(pid: int) -> None:
    """Process `pid` dies (os._exit, a signal): what its feeders had not written yet is lost."""
    for queue_ in _queues_in_order():
        queue_.drop_unwritten(pid)


class SimSimpleQueue(SimQueue):
    def __init__(self, *, ctx: Any = None) -> None:
        super().__init__()


class SimConnection(_Shared):
    """One end of multiprocessing.Pipe()."""

    def __init__(self, incoming: SimQueue, outgoing: SimQueue | None) -> None:
        self._incoming = incoming
        self._outgoing = outgoing
        self.closed = False

    def send(self, obj: Any) -> None:
        if self._outgoing is None:
            raise OSError("connection is read-only")
        self._outgoing.put(obj)

    def recv(self) -> Any:
        return self._incoming.get()

    def poll(self, timeout: float | None = 0.0) -> bool:
        if self._incoming.qsize():
            return True
        if not timeout:
            return False
        with self._incoming._not_empty:
            return self._incoming._not_empty.wait_for(lambda: bool(self._incoming._items), timeout)

    def close(self) -> None:
        self.closed = True


def Pipe(duplex: bool = True) -> tuple[SimConnection, SimConnection]:
    a_to_b, b_to_a = SimQueue(), SimQueue()
    if duplex:
        return SimConnection(b_to_a, a_to_b), SimConnection(a_to_b, b_to_a)
    return SimConnection(a_to_b, None), SimConnection(a_to_b, a_to_b)


class SimValue(_Shared):
    """multiprocessing.Value: one shared value and its lock."""

    def __init__(self, typecode_or_type: Any, *args: Any, lock: Any = True) -> None:
        self._typecode = typecode_or_type
        self.value = args[0] if args else 0
        self._lock = SharedRLock() if lock is True else (lock or None)

    def get_lock(self) -> Any:
        return self._lock

    def __repr__(self) -> str:
        return f"<Synchronized wrapper for c_{self._typecode}({self.value!r})>"


class SimArray(_Shared, list):  # type: ignore[misc]
    """multiprocessing.Array: a shared list and its lock."""

    def __init__(self, typecode_or_type: Any, size_or_initializer: Any, *, lock: Any = True) -> None:
        initial = [0] * size_or_initializer if isinstance(size_or_initializer, int) else list(size_or_initializer)
        list.__init__(self, initial)
        self._lock = SharedRLock() if lock is True else (lock or None)

    def get_lock(self) -> Any:
        return self._lock


class SharedLock(_Shared, SimLock):
    """multiprocessing.Lock: one lock for every process."""

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise RuntimeError("Lock objects should only be shared between processes through inheritance")

    def __repr__(self) -> str:
        """As multiprocessing.synchronize.Lock words its owner, seen from the caller."""
        me = _k().current
        owner = self._owner if self._locked else None
        if owner is None:
            name = "None"
        elif owner is me:
            name = current_process().name + ("" if me.name == "MainThread" else f"|{me.name}")
        else:
            name = "SomeOtherThread" if owner.lane is me.lane else "SomeOtherProcess"
        return f"<Lock(owner={name})>"


class SharedRLock(_Shared, threading._PyRLock):  # type: ignore[misc, name-defined]
    pass


class SharedSemaphore(_Shared, threading.Semaphore):
    pass


class SharedBoundedSemaphore(_Shared, threading.BoundedSemaphore):
    pass


class SharedEvent(_Shared, threading.Event):
    pass


class SharedCondition(_Shared, threading.Condition):
    pass


class SharedBarrier(_Shared, threading.Barrier):
    pass


# -- a pool of worker processes --------------------------------------------------------------------------


_STOP = None


_INIT_FAILED = "initializer failed"
"""What an executor's worker sends back when its initializer raised, before it exits."""


def _pool_worker(
    tasks: SimQueue, results: SimQueue, initializer: Any, initargs: tuple[Any, ...], executor: bool = False
) -> None:
    """The loop every pool worker process runs: take a task, run it, send the result back."""
    if initializer is not None:
        if not executor:
            initializer(*initargs)
        else:
            try:
                initializer(*initargs)
            except BaseException as exc:
                # concurrent.futures.process logs it and the worker exits: the pool is broken.
                import logging

                shown = (type(exc), exc, exc.__traceback__.tb_next if exc.__traceback__ else None)  # not this frame
                logging.getLogger("concurrent.futures").critical("Exception in initializer:", exc_info=shown)
                results.put(_INIT_FAILED)
                sys.exit(1)
    if executor:
        # A worker that dies mid-call (os._exit) breaks the executor: its manager hears of it,
        # as CPython's watches the workers' sentinels.
        RUN.processes.abrupt_exit_hooks[_k().lane.pid] = lambda: results.put(_WORKER_DIED)
    # An executor's worker sends back any exception, SystemExit too; a Pool's, only Exceptions.
    caught = BaseException if executor else Exception
    while True:
        item = tasks.get()
        if item is _STOP:
            break
        job, index, payload = item
        try:
            function, arguments, mode = loads(payload)
            if mode == "call":
                args, kwargs = arguments
                value = function(*args, **kwargs)
            elif mode == "star":
                value = [function(*args) for args in arguments]
            else:
                value = [function(arg) for arg in arguments]
            outcome = (True, value)
        except caught as exc:
            outcome = (False, exc)
        try:
            data = dumps(outcome)
        except Exception as exc:  # the result cannot travel back
            data = dumps((False, RuntimeError(f"Error sending result: {outcome[1]!r}. Reason: {exc!r}")))
        results.put((job, index, data))
    RUN.processes.abrupt_exit_hooks.pop(_k().lane.pid, None)


_WORKER_DIED = "worker died"
"""What the manager of an executor hears when one of its workers ended abruptly."""


def process_exiting() -> None:
    """The running child process ends abruptly (os._exit): whoever watches it is told first."""
    pid = _k().lane.pid
    hook = RUN.processes.abrupt_exit_hooks.pop(pid, None)
    if hook is not None:
        hook()
    lose_feeders(pid)


class AsyncResult:
    """What apply_async()/map_async() return: get(), wait(), ready(), successful()."""

    def __init__(self, parts: int, callback: Any, error_callback: Any, single: bool) -> None:
        self._parts: list[Any] = [None] * parts
        self._missing = parts
        self._ok = True
        self._error: BaseException | None = None
        self._event = threading.Event()
        self._callback = callback
        self._error_callback = error_callback
        self._single = single
        if parts == 0:
            self._finish()

    def _set(self, index: int, ok: bool, value: Any) -> None:
        if not ok and self._ok:
            self._ok, self._error = False, value
        self._parts[index] = value
        self._missing -= 1
        if self._missing == 0:
            self._finish()

    def _finish(self) -> None:
        if self._ok and self._callback is not None:
            self._callback(self._value())
        if not self._ok and self._error_callback is not None:
            self._error_callback(self._error)
        self._event.set()

    def _value(self) -> Any:
        if self._single:
            return self._parts[0]
        return [item for part in self._parts for item in part]

    def ready(self) -> bool:
        return self._event.is_set()

    def successful(self) -> bool:
        if not self.ready():
            raise ValueError(f"{self!r} not ready")
        return self._ok

    def wait(self, timeout: float | None = None) -> None:
        self._event.wait(timeout)

    def get(self, timeout: float | None = None) -> Any:
        self.wait(timeout)
        if not self.ready():
            import multiprocessing

            raise multiprocessing.TimeoutError
        if not self._ok:
            assert self._error is not None
            raise self._error
        return self._value()


class _Unordered:
    """imap_unordered(): results in the order they finish."""

    def __init__(self, count: int) -> None:
        self._results: deque[tuple[bool, Any]] = deque()
        self._cond = threading.Condition(allocate_lock())
        self._left = count
        """Chunks not yet taken."""
        self._ready: deque[Any] = deque()
        """Results of the chunk being handed out, one per item."""

    def _set(self, index: int, ok: bool, value: Any) -> None:
        with self._cond:
            self._results.append((ok, value))
            self._cond.notify()

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        while not self._ready:
            if self._left == 0:
                raise StopIteration
            ok, value = self._take_chunk()
            self._left -= 1
            if not ok:
                raise value
            self._ready.extend(value)
        return self._ready.popleft()

    def _take_chunk(self) -> tuple[bool, Any]:
        with self._cond:
            self._cond.wait_for(lambda: bool(self._results))
            return self._results.popleft()

    next = __next__


class _Ordered(_Unordered):
    """imap(): results in the order of the items, each as soon as it and those before it are in;
    an item that failed raises when the iteration reaches it."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self._chunks: dict[int, tuple[bool, Any]] = {}
        self._next_chunk = 0

    def _set(self, index: int, ok: bool, value: Any) -> None:
        with self._cond:
            self._chunks[index] = (ok, value)
            self._cond.notify()

    def _take_chunk(self) -> tuple[bool, Any]:
        with self._cond:
            self._cond.wait_for(lambda: self._next_chunk in self._chunks)
            taken = self._chunks.pop(self._next_chunk)
        self._next_chunk += 1
        return taken


_Ordered.__name__ = _Ordered.__qualname__ = "IMapIterator"
_Unordered.__name__ = _Unordered.__qualname__ = "IMapUnorderedIterator"


class SimPool:
    """multiprocessing.Pool: worker processes fed through a task queue, results through another."""

    def __init__(
        self,
        processes: int | None = None,
        initializer: Callable[..., Any] | None = None,
        initargs: Iterable[Any] = (),
        maxtasksperchild: int | None = None,
        context: Any = None,
    ) -> None:
        count = processes if processes is not None else _k().cores
        if count < 1:
            raise ValueError("Number of processes must be at least 1")
        self._tasks = SimQueue()
        self._results = SimQueue()
        self._jobs: dict[int, Any] = {}
        self._job_numbers = itertools.count()
        self._closed = False
        self._pool = []
        for _ in range(count):
            worker = SimProcess(
                target=_pool_worker,
                args=(self._tasks, self._results, initializer, tuple(initargs)),
                daemon=True,
            )
            worker.name = worker.name.replace("Process", "ForkPoolWorker")  # as multiprocessing.pool does
            worker.start()
            self._pool.append(worker)
        self._handler = threading.Thread(target=self._handle_results, name="Thread (pool results)", daemon=True)
        self._handler.start()

    def _handle_results(self) -> None:
        """Runs in the parent, like CPython's result-handler thread: results and callbacks."""
        while True:
            item = self._results.get()
            if item is _STOP:
                return
            job, index, data = item
            ok, value = loads(data)
            self._jobs[job]._set(index, ok, value)

    def _check_running(self) -> None:
        if self._closed:
            raise ValueError("Pool not running")

    def _submit(self, result: Any, chunks: list[tuple[Any, Any, str]]) -> Any:
        job = next(self._job_numbers)
        self._jobs[job] = result
        for index, (function, arguments, mode) in enumerate(chunks):
            self._tasks.put((job, index, dumps((function, arguments, mode))))
        return result

    @staticmethod
    def _chunks(iterable: Iterable[Any], chunksize: int) -> list[list[Any]]:
        items = list(iterable)
        return [items[i : i + chunksize] for i in range(0, len(items), chunksize)]

    def _chunksize(self, iterable: list[Any], chunksize: int | None) -> int:
        if chunksize is not None:
            return max(1, chunksize)
        size, extra = divmod(len(iterable), len(self._pool) * 4)
        return max(1, size + (1 if extra else 0))

    def apply_async(
        self,
        func: Callable[..., Any],
        args: Iterable[Any] = (),
        kwds: dict[str, Any] | None = None,
        callback: Any = None,
        error_callback: Any = None,
    ) -> AsyncResult:
        self._check_running()
        result = AsyncResult(1, callback, error_callback, single=True)
        return self._submit(result, [(func, (tuple(args), dict(kwds or {})), "call")])

    def apply(self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: dict[str, Any] | None = None) -> Any:
        return self.apply_async(func, args, kwds).get()

    def map_async(
        self,
        func: Callable[..., Any],
        iterable: Iterable[Any],
        chunksize: int | None = None,
        callback: Any = None,
        error_callback: Any = None,
        *,
        _mode: str = "map",
    ) -> AsyncResult:
        self._check_running()
        items = list(iterable)
        chunks = self._chunks(items, self._chunksize(items, chunksize))
        result = AsyncResult(len(chunks), callback, error_callback, single=False)
        return self._submit(result, [(func, chunk, _mode) for chunk in chunks])

    def map(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int | None = None) -> list[Any]:
        return self.map_async(func, iterable, chunksize).get()

    def starmap(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int | None = None) -> list[Any]:
        return self.map_async(func, iterable, chunksize, _mode="star").get()

    def starmap_async(
        self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int | None = None, **kw: Any
    ) -> Any:
        return self.map_async(func, iterable, chunksize, _mode="star", **kw)

    def imap(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int = 1) -> Iterator[Any]:
        return self._imap(_Ordered, func, iterable, chunksize)

    def imap_unordered(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int = 1) -> Iterator[Any]:
        return self._imap(_Unordered, func, iterable, chunksize)

    def _imap(self, kind: type[_Unordered], func: Callable[..., Any], iterable: Iterable[Any], chunksize: int) -> Any:
        self._check_running()
        chunks = self._chunks(iterable, max(1, chunksize))
        results = kind(len(chunks))
        self._submit(results, [(func, chunk, "map") for chunk in chunks])
        return results

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            for _ in self._pool:
                self._tasks.put(_STOP)

    def terminate(self) -> None:
        self._closed = True
        for worker in self._pool:
            worker.terminate()

    def join(self) -> None:
        for worker in self._pool:
            worker.join()

    def __enter__(self) -> SimPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.terminate()  # as CPython's Pool does

    def __repr__(self) -> str:
        return f"<multiprocessing.pool.Pool state={'CLOSE' if self._closed else 'RUN'} pool_size={len(self._pool)}>"


# -- concurrent.futures -------------------------------------------------------------------------------------


class SimProcessPoolExecutor(_Shared):
    """concurrent.futures.ProcessPoolExecutor: each call pickled to a worker process and back."""

    def __init__(
        self,
        max_workers: int | None = None,
        mp_context: Any = None,
        initializer: Callable[..., Any] | None = None,
        initargs: tuple[Any, ...] = (),
        *,
        max_tasks_per_child: int | None = None,
    ) -> None:
        if max_workers is not None and max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        self._max_workers = max_workers or _k().cores
        self._initializer = initializer
        self._initargs = initargs
        self._tasks = SimQueue()
        self._results = SimQueue()
        self._futures: dict[int, Any] = {}
        self._payloads: dict[int, bytes] = {}
        self._pending: deque[int] = deque()
        """Submitted calls not yet in the call queue: their futures are PENDING and can be cancelled."""
        self._queued = 0
        """Calls handed to the workers and not yet answered (at most max_workers + 1, as in CPython)."""
        self._numbers = itertools.count()
        self._processes: list[SimProcess] = []
        self._manager: threading.Thread | None = None
        self._shutdown = False
        self._broken: str | None = None
        RUN.processes.open_executors.append(weakref.ref(self))

    def _start(self) -> None:
        while len(self._processes) < self._max_workers:
            worker = SimProcess(
                target=_pool_worker,
                args=(self._tasks, self._results, self._initializer, self._initargs, True),
            )
            worker.name = worker.name.replace("Process", "ForkProcess")  # the fork context's Process
            worker.start()
            self._processes.append(worker)
        if self._manager is None:
            self._manager = threading.Thread(target=self._manage, name="ExecutorManagerThread", daemon=True)
            self._manager.start()

    def _feed(self) -> None:
        """Move pending calls to the workers while the call queue has room (max_workers + 1 places)."""
        while self._pending and self._queued < self._max_workers + 1:
            number = self._pending.popleft()
            payload = self._payloads.pop(number)
            if not self._futures[number].set_running_or_notify_cancel():
                del self._futures[number]  # cancelled while it waited
                continue
            self._queued += 1
            self._tasks.put((number, 0, payload))

    def _manage(self) -> None:
        while True:
            item = self._results.get()
            if item is _STOP:
                return
            if item in (_INIT_FAILED, _WORKER_DIED):
                self._break()
                return
            number, _index, data = item
            ok, value = loads(data)
            self._queued -= 1
            future = self._futures.pop(number)
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
            self._feed()

    def _break(self) -> None:
        """A worker died (its initializer failed, or os._exit): every call not done fails, and no new one is taken."""
        from concurrent.futures.process import BrokenProcessPool

        self._broken = "A child process terminated abruptly, the process pool is not usable anymore"
        self._pending.clear()
        self._payloads.clear()
        for future in self._futures.values():
            if future.cancelled():
                continue  # cancelled while it waited: it stays so
            future.set_exception(
                BrokenProcessPool(
                    "A process in the process pool was terminated abruptly while the future was running or pending."
                )
            )
        self._futures.clear()
        for worker in self._processes:
            worker.terminate()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        import concurrent.futures

        if self._broken:
            from concurrent.futures.process import BrokenProcessPool

            raise BrokenProcessPool(self._broken)
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            payload = dumps((fn, (args, kwargs), "call"))
        except Exception as exc:  # CPython reports this through the future too
            future.set_exception(exc)
            return future
        number = next(self._numbers)
        self._futures[number] = future
        self._payloads[number] = payload
        self._pending.append(number)
        self._start()
        self._feed()
        return future

    def map(
        self, fn: Callable[..., Any], *iterables: Iterable[Any], timeout: float | None = None, chunksize: int = 1
    ) -> Iterator[Any]:
        import concurrent.futures

        return concurrent.futures.Executor.map(self, fn, *iterables, timeout=timeout)  # type: ignore[arg-type]

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._shutdown:
            return
        self._shutdown = True
        if cancel_futures:
            for number in self._pending:
                self._futures.pop(number).cancel()
            self._pending.clear()
        # What is still pending runs before the workers stop (the call queue's order).
        self._queued += len(self._pending)
        while self._pending:
            number = self._pending.popleft()
            if self._futures[number].set_running_or_notify_cancel():
                self._tasks.put((number, 0, self._payloads.pop(number)))
            else:
                self._queued -= 1
                del self._futures[number]
                self._payloads.pop(number, None)
        for _ in self._processes:
            self._tasks.put(_STOP)
        if wait:
            for worker in self._processes:
                worker.join()
            if self._manager is not None:
                self._results.put(_STOP)
                self._manager.join()

    def __enter__(self) -> SimProcessPoolExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown(wait=True)


# -- installing --------------------------------------------------------------------------------------------


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
        "Manager": simmanager.Manager,
        "current_process": current_process,
        "parent_process": parent_process,
        "active_children": active_children,
    }
)


def install(main_namespace: dict[str, Any]) -> None:
    """Route multiprocessing, ProcessPoolExecutor and os's process calls to the simulation."""
    kernel = _k()
    kernel.main.lane.namespace = main_namespace
    import concurrent.futures
    import concurrent.futures.process
    import multiprocessing
    import multiprocessing.pool
    import os

    for name, value in SIMULATED.items():
        setattr(multiprocessing, name, value)
    simmanager.install()
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
    threading._register_atexit(_shutdown_open_executors)  # type: ignore[attr-defined]
    register_at_exit = atexit.register

    def register(function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        # A forked child's handlers are its own: run when it ends (3.13), or never (it leaves by os._exit).
        lane = kernel.lane
        if lane is kernel.main.lane:
            register_at_exit(function, *args, **kwargs)
        elif cpython.running.child_runs_atexit:
            RUN.processes.child_exit_handlers.setdefault(lane.pid, []).append((function, args, kwargs))
        return function

    register.__module__, register.__qualname__ = "atexit", "register"
    atexit.register = register
    # multiprocessing.util's exit function is an atexit handler registered when multiprocessing
    # is imported: the program's own handlers, registered later, run before it.
    atexit.register(shutdown_children)


def _shutdown_open_executors() -> None:
    """concurrent.futures.process's exit hook (threading._register_atexit): an executor the program
    never shut down finishes the work it was given, then its workers stop."""
    for ref in RUN.processes.open_executors:
        executor = ref()
        if executor is not None:
            executor.shutdown(wait=True)


def shutdown_children() -> None:
    """At the main program's exit, as multiprocessing does: stop daemons, join the others."""
    kernel = RUN.kernel
    if kernel is None:
        return
    for lane in list(kernel.lanes[1:]):
        process = lane.process
        if process is None or not lane.alive or lane.parent is not kernel.main.lane:
            continue
        if process.daemon:
            process.terminate()
    for lane in list(kernel.lanes[1:]):
        process = lane.process
        if process is not None and lane.alive and not process.daemon:
            process.join()
    flush_feeders(kernel.main.lane.pid)  # then its last finalizers: the queues' feeder threads
