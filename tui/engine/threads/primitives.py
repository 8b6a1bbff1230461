"""Provides the simulated lock that threading, queue and concurrent.futures are built on.

threading's Condition, Event, Semaphore, Barrier, RLock (its Python version),
queue.Queue and concurrent.futures all rest on `threading._allocate_lock()`.
Replacing that one primitive with SimLock, whose blocking goes through the
kernel, puts every thread of the recorded program under the deterministic
scheduler while the rest of the stdlib runs unchanged.

Why one module of this size: it stands in for the `_thread` module as a whole (its lock,
RLock, SimpleQueue and thread starts), which threading is built on.
"""

from __future__ import annotations

import _queue
import _thread
import concurrent.futures
import itertools
import operator
import queue
import sys
import threading
import types
from collections import deque
from typing import Any

from tui.engine import cpython
from tui.engine.runtime import RUN
from tui.engine.threads import vtime
from tui.engine.threads.actors import BLOCKED, Blocker
from tui.engine.threads.kernel import LOCK_OP_COST, Kernel

_LIBRARY_MODULES = ("threading", "queue", "concurrent.futures", "tui.engine.")
_BLOCKING_APIS = {
    "Thread.join": "waits for a thread to finish (Thread.join)",
    "Thread.start": "waits for the new thread to start (Thread.start)",
    "Event.wait": "waits for an Event to be set",
    "Condition.wait": "waits on a Condition",
    "Condition.wait_for": "waits on a Condition",
    "Semaphore.acquire": "waits for a Semaphore",
    "Barrier.wait": "waits at a Barrier",
    "_RLock.acquire": "waits for an RLock",
    "SimRLock.acquire": "waits for an RLock",
    "Queue.get": "waits for an item (queue.Queue.get)",
    "Queue.put": "waits for room (queue.Queue.put)",
    "Queue.join": "waits for queued work to be done (Queue.join)",
    "_PySimpleQueue.get": "waits for an item (SimpleQueue.get)",
    "Future.result": "waits for a concurrent.futures.Future result",
    "Future.exception": "waits for a concurrent.futures.Future result",
    "wait": "waits in concurrent.futures.wait()",
    "as_completed": "waits in concurrent.futures.as_completed()",
    "ThreadPoolExecutor.shutdown": "waits for the pool's threads to finish (shutdown)",
    "SimQueue.get": "waits for an item from a multiprocessing queue",
    "SimQueue.put": "waits for room in a multiprocessing queue",
    "SimQueue.join": "waits for a multiprocessing queue's items to be processed",
    "SimConnection.recv": "waits for data from a Pipe",
    "SimConnection.poll": "waits for data from a Pipe",
    "AsyncResult.get": "waits for a result from the pool",
    "AsyncResult.wait": "waits for a result from the pool",
    "_Unordered.__next__": "waits for the next result from the pool",
    "_Unordered._take_chunk": "waits for the next result from the pool",
    "_Ordered._take_chunk": "waits for the next result from the pool",
}
_ENTRY_POINTS = {
    "_worker": "waits for work from the executor's queue",
    "pool_worker": "waits for a task from the pool's task queue",
    "SimPool._handle_results": "waits for results from the pool's worker processes",
    "SimProcessPoolExecutor._manage": "waits for results from the executor's worker processes",
    "Thread.run": None,
    "Thread._bootstrap_inner": None,
}


def blocking_call(frame: Any) -> tuple[str, str]:
    """Name the threading/queue/futures call a blocked thread is in: (label, words)."""
    found: tuple[str, str] | None = None
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(_LIBRARY_MODULES):
            break
        name = frame.f_code.co_qualname
        if name in _ENTRY_POINTS:
            words = _ENTRY_POINTS[name]
            if words is not None:
                found = ("pool queue" if "pool" in words else "executor queue", words)
            break
        if name in _BLOCKING_APIS:
            found = (name, _BLOCKING_APIS[name])
        frame = frame.f_back
    return found or ("lock", "waits for a lock")


class SimLock(Blocker):
    """A `_thread.lock` whose waits are virtual and whose owner is known."""

    _on_change: Any = None
    """Set by threads.probes: told when a lock the program made changes hands."""

    def __init__(self) -> None:
        self._locked = False
        self._owner: Any = None
        self._waiters: deque[Any] = deque()
        self._call: tuple[str, str] | None = None
        self._resource: Any = None
        self._role: str | None = None
        self._joined: str | None = None

    def __new__(cls, *args: Any, **kwargs: Any) -> SimLock:
        if cls is SimLock and not cpython.running.lock_is_class:
            raise TypeError("cannot create '_thread.lock' instances")
        return super().__new__(cls)

    def acquire(self, blocking: Any = True, timeout: Any = -1) -> bool:
        # The common calls, acquire() and acquire(False) (Condition._is_owned), skip the checks.
        if timeout == -1 and (blocking is True or blocking is False):
            wait = None if blocking else 0.0
        else:
            wait = acquire_wait(blocking, timeout)
        kernel = RUN.kernel
        assert kernel is not None
        if kernel.tracing:
            kernel.charge(LOCK_OP_COST)
        if not self._locked:
            self._locked = True
            self._owner = kernel.current
            if self._on_change is not None:
                self._on_change(self)
            return True
        if wait == 0:
            return False
        deadline = None if wait is None else kernel.clock.now + wait
        caller = sys._getframe(1)
        self._call = blocking_call(caller)
        if "_cc_rid" in self.__dict__:
            self._resource, self._role = self, None
        else:
            self._resource, self._role = kernel.wait_probe.resource_in_chain(caller)
        self._joined = kernel.wait_probe.joined_thread(caller)
        me = kernel.current
        self._waiters.append(me)
        while True:
            woken = kernel.block(self, deadline)
            if not self._locked:
                self._locked = True
                self._owner = me
                if self._on_change is not None:
                    self._on_change(self)
                return True
            if not woken:
                try:
                    self._waiters.remove(me)
                except ValueError:
                    pass
                return False
            # Another thread took the lock between the release and our turn,
            # as a running thread can on CPython; wait again, first in line.
            self._waiters.appendleft(me)

    def release(self) -> None:
        if not self._locked:
            raise RuntimeError("release unlocked lock")
        self._locked = False
        self._owner = None
        kernel = RUN.kernel
        assert kernel is not None
        if kernel.tracing:
            kernel.charge(LOCK_OP_COST)
        while self._waiters:
            waiter = self._waiters.popleft()
            if waiter.state == BLOCKED:  # not a thread of a terminated process
                kernel.wake(waiter, via=self._wake_label())
                break
        if self._on_change is not None:
            self._on_change(self)

    def _wake_label(self) -> str:
        joined_proc = self.__dict__.get("_cc_join")
        if joined_proc is not None:
            return joined_proc.pid_label
        resource = self._resource
        if resource is not None:
            return resource.__dict__["_cc_rid"]
        return (self._call or ("lock",))[0]

    def locked(self) -> bool:
        return self._locked

    def _at_fork_reinit(self) -> None:
        self._locked = False
        self._owner = None
        self._waiters.clear()

    acquire_lock = acquire
    release_lock = release
    locked_lock = locked

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        name = "_thread.lock" if type(self) is SimLock else type(self).__name__
        return f"<{'locked' if self._locked else 'unlocked'} {name} object at {id(self):#x}>"

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError("cannot pickle '_thread.lock' object")

    # -- Blocker -------------------------------------------------------------

    def describe(self, kernel: Kernel) -> tuple[str, str]:
        rec = kernel.recorder
        joined_proc = self.__dict__.get("_cc_join")
        if joined_proc is not None:
            return (joined_proc.pid_label, f"waits for process {joined_proc.name} (pid {joined_proc.pid}) to finish")
        if self._resource is not None and rec is not None:
            return (self._resource.__dict__["_cc_rid"], kernel.wait_probe.wait_words(rec, self._resource, self._role))
        if self._joined is not None and rec is not None:
            return (self._joined, f"waits for thread {rec.name_of(self._joined)} to finish (join)")
        label, words = self._call or ("lock", "waits for a lock")
        owner = self._owner
        if label == "lock" and owner is not None:
            return (label, f"waits for a lock held by {owner.name}")
        return (label, words)

    def role(self) -> str | None:
        return self._role

    def holders(self, kernel: Kernel) -> list[str]:
        rec = kernel.recorder
        joined_proc = self.__dict__.get("_cc_join")
        if joined_proc is not None:
            return [t.tid for t in joined_proc.threads if t.state != "done"][:1]
        if self._resource is not None and rec is not None:
            return kernel.wait_probe.holders_of(rec, self._resource, self._role)
        if self._joined is not None:
            return [self._joined]
        owner = self._owner
        if owner is None:
            return []
        label = self._call[0] if self._call else "lock"
        if label != "lock" and owner.blocked_on is self:
            # Condition.wait() (under Event.wait, Queue.get...) blocks on a lock the waiter itself
            # took: it waits for a notify(), not for itself. A plain lock taken twice is a real cycle.
            return []
        return [owner.tid]


def allocate_lock() -> SimLock:
    """_thread.allocate_lock(), and threading.Lock() before 3.13: a new, unlocked lock."""
    lock = object.__new__(SimLock)  # past the __new__ that refuses `type(lock)()` as CPython does
    lock.__init__()  # type: ignore[misc]
    return lock


_TIMEOUT_MAX_SECONDS = 9_223_372_036.854775
"""PY_TIMEOUT_MAX on Linux (LLONG_MAX microseconds); threading.TIMEOUT_MAX is its whole seconds."""


def acquire_wait(blocking: Any, timeout: Any) -> float | None:
    """Lock.acquire()'s arguments checked as CPython checks them: the seconds to wait, None for ever.

    The timeout is converted first (NaN, overflow, a non-number), then checked
    against the blocking flag; -1 (as int or float) means "no timeout".
    """
    if cpython.running.lock_blocking_is_int:
        flag = operator.index(blocking)
        if not -(2**31) <= flag < 2**31:
            raise OverflowError(f"signed integer is {'greater than maximum' if flag > 0 else 'less than minimum'}")
    else:
        flag = bool(blocking)
    seconds = vtime.pytime_seconds(timeout)
    if not flag and seconds != -1:
        raise ValueError("can't specify a timeout for a non-blocking call")
    if seconds < 0 and seconds != -1:
        raise ValueError(cpython.running.lock_negative_timeout)
    if not flag:
        return 0.0
    if seconds == -1:
        return None
    if seconds > _TIMEOUT_MAX_SECONDS:
        raise OverflowError("timeout value is too large")
    return seconds


class SimRLock(threading._PyRLock):  # type: ignore[misc, name-defined]
    """`_thread.RLock` (threading._CRLock): threading's own RLock on a SimLock, with C's face.

    Its arguments are checked, its repr names the owner's ident and it refuses
    pickling, as the C type does; re-entering returns True, not threading's 1.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()  # the C RLock takes and ignores any arguments (3.13 warns in threading.RLock)

    def acquire(self, blocking: Any = True, timeout: Any = -1) -> bool:
        if not (blocking is True and timeout == -1):
            acquire_wait(blocking, timeout)  # the C RLock checks its arguments even when it owns the lock
        me = _thread.get_ident()
        if self._owner == me:
            self._count += 1
            return True
        if self._block.acquire(blocking, timeout):
            self._owner = me
            self._count = 1
            return True
        return False

    __enter__ = acquire

    def __repr__(self) -> str:
        state = "locked" if self._count else "unlocked"
        return f"<{state} _thread.RLock object owner={self._owner or 0} count={self._count} at {id(self):#x}>"

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError("cannot pickle '_thread.RLock' object")


class SimSimpleQueue(queue._PySimpleQueue):  # type: ignore[misc, name-defined]
    """`_queue.SimpleQueue`: threading's pure-Python SimpleQueue, whose blocking get() is simulated."""

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError("cannot pickle '_queue.SimpleQueue' object")


def name_as(cls: type, module: str, name: str) -> None:
    """type(obj), its repr and pickle's errors name the CPython type the class stands in for."""
    cls.__module__, cls.__name__, cls.__qualname__ = module, name, name


name_as(SimLock, "_thread", "lock")
name_as(SimRLock, "_thread", "RLock")
name_as(SimSimpleQueue, "_queue", "SimpleQueue")


def fork_copy(lock: Any, memo: dict[int, Any]) -> Any:
    """What fork leaves in the child: a lock of its own, in the state the parent's was in."""
    twin: SimLock | SimRLock
    if isinstance(lock, SimRLock):
        twin = SimRLock()
        twin._block = fork_copy(lock._block, memo)
        twin._owner, twin._count = lock._owner, lock._count
    else:
        twin = allocate_lock()
        twin._locked, twin._owner = lock._locked, lock._owner
    memo[id(lock)] = twin
    return twin


def set_sentinel() -> SimLock:
    """_thread._set_sentinel (3.11, 3.12): Thread.join() waits on this lock; the kernel releases
    it when the thread ends."""
    lock = allocate_lock()
    lock._on_change = _sentinel_changed  # type: ignore[method-assign]
    assert RUN.kernel is not None
    RUN.kernel.current.sentinel = lock
    return lock


def _sentinel_changed(lock: SimLock) -> None:
    """A sentinel changed hands: note it once it is released (the thread ended, or a join let go)."""
    touch = SimLock._on_change
    if touch is not None:
        touch(lock)
    if not lock._locked and RUN.kernel is not None:
        RUN.kernel.released_sentinels.add(lock)


def set_tstate_lock(thread: threading.Thread) -> None:
    """Thread._set_tstate_lock (3.11, 3.12), run by each new thread as it starts.

    CPython's prunes `_shutdown_locks` by checking every lock in it (every live thread's), so
    20,000 threads alive at once cost 200 million checks, and this SimLock's locked() is Python,
    not C. Only a lock released since the last prune can be unlocked now: checking those leaves
    the same set, in O(1) per thread. It runs in no counted frame (the thread's bootstrap), so
    no virtual time changes; Thread.join() still prunes with CPython's own code, which costs
    the program what it costs on CPython.
    """
    lock = thread._tstate_lock = threading._set_sentinel()  # type: ignore[attr-defined]
    lock.acquire()
    if not thread.daemon:
        assert RUN.kernel is not None
        released = RUN.kernel.released_sentinels
        with threading._shutdown_locks_lock:  # type: ignore[attr-defined]
            shutdown_locks = threading._shutdown_locks  # type: ignore[attr-defined]
            held = {sentinel for sentinel in released if sentinel._locked}  # a join holds it
            shutdown_locks.difference_update(released - held)
            released.clear()
            released.update(held)
            shutdown_locks.add(lock)


def start_new_thread(*arguments: Any) -> int:
    """_thread.start_new_thread(function, args[, kwargs]): a real thread that runs only when the
    kernel says so. Its arguments are checked as CPython checks them."""
    if len(arguments) < 2:
        raise TypeError(f"start_new_thread expected at least 2 arguments, got {len(arguments)}")
    if len(arguments) > 3:
        raise TypeError(f"start_new_thread expected at most 3 arguments, got {len(arguments)}")
    function, args, kwargs = (*arguments, None)[:3]
    if not callable(function):
        raise TypeError("first arg must be callable")
    if not isinstance(args, tuple):
        raise TypeError("2nd arg must be a tuple")
    if kwargs is not None and not isinstance(kwargs, dict):
        raise TypeError("optional 3rd arg must be a dictionary")
    assert RUN.kernel is not None
    return RUN.kernel.start_thread(function, args, kwargs)


class SimThreadHandle:
    """_thread._ThreadHandle (3.13+): what Thread.join() and is_alive() ask about a thread.

    It is done once the thread's function has returned; the kernel releases
    its lock then, as it releases a 3.11 thread's sentinel.
    """

    def __init__(self) -> None:
        self._done = allocate_lock()
        self._done.acquire()
        self.ident: int | None = None

    def is_done(self) -> bool:
        return not self._done.locked()

    def _set_done(self) -> None:
        if self._done.locked():
            self._done.release()

    def join(self, timeout: float | None = None) -> None:
        assert RUN.kernel is not None
        me = RUN.kernel.current
        if self.ident == me.ident and not self.is_done():
            raise RuntimeError("Cannot join current thread")
        if self.is_done():
            return
        # Thread.join() makes a negative timeout 0; None waits for as long as it takes.
        if self._done.acquire(timeout=-1 if timeout is None else max(timeout, 0)):
            self._done.release()

    def __repr__(self) -> str:
        return f"<_thread._ThreadHandle object: ident={self.ident}>"


def start_joinable_thread(function: Any, handle: SimThreadHandle | None = None, daemon: bool = True) -> SimThreadHandle:
    """_thread.start_joinable_thread (3.13+)."""
    assert RUN.kernel is not None
    handle = handle if handle is not None else SimThreadHandle()
    ident = RUN.kernel.start_thread(function, (), None)
    handle.ident = ident
    thread = RUN.kernel.thread_of_ident(ident)
    assert thread is not None
    thread.sentinel = handle._done
    if not daemon:
        RUN.kernel.joinable.append(handle)
    return handle


def make_thread_handle(ident: int) -> SimThreadHandle:
    """_thread._make_thread_handle (3.13+): a handle for a thread that is already running."""
    handle = SimThreadHandle()
    handle.ident = ident
    return handle


def shutdown_joinable_threads() -> None:
    """_thread._shutdown (3.13+): join every non-daemon thread the program started."""
    assert RUN.kernel is not None
    me = RUN.kernel.current.ident
    joinable = RUN.kernel.joinable
    while joinable:
        handle = joinable.pop(0)
        if handle.ident != me:
            handle.join()


def main_thread_ident() -> int:
    """_thread._get_main_thread_ident (3.13+)."""
    assert RUN.kernel is not None
    return RUN.kernel.main.ident


def hash_by_creation(cls: type) -> None:
    """Give instances a hash from a creation counter instead of their address.

    The stdlib keeps threads and futures in sets (ThreadPoolExecutor._threads,
    concurrent.futures.wait) and walks them in set order; address-based
    hashes would make that order, and so the trace, differ between runs.
    """
    numbers = itertools.count(1)
    original_init = cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        self._cc_number = next(numbers)
        original_init(self, *args, **kwargs)

    def __hash__(self: Any) -> int:
        return self.__dict__.get("_cc_number") or object.__hash__(self)

    __init__.__wrapped__ = original_init  # type: ignore[attr-defined]
    cls.__init__ = __init__  # type: ignore[misc]
    cls.__hash__ = __hash__  # type: ignore[assignment, method-assign]


def simulated_thread_module() -> types.ModuleType:
    """A `_thread` for the program: the real one's contents, its locks and thread starts simulated.

    A new module in sys.modules, not the real one patched: the import system
    (importlib._bootstrap) keeps its own reference to the real `_thread`, and its
    module locks must stay real locks.
    """
    module = types.ModuleType("_thread", _thread.__doc__)
    module.__dict__.update((k, v) for k, v in vars(_thread).items() if k not in ("__name__", "__doc__"))
    module.allocate_lock = module.allocate = allocate_lock  # type: ignore[attr-defined]
    module.LockType = SimLock  # type: ignore[attr-defined]
    module.RLock = SimRLock  # type: ignore[attr-defined]
    module.start_new_thread = module.start_new = start_new_thread  # type: ignore[attr-defined]
    return module


def install() -> None:
    """Route _thread, threading, queue and concurrent.futures through the runtime's kernel (recording process only)."""
    thread_module = simulated_thread_module()
    sys.modules["_thread"] = thread_module
    threading._allocate_lock = allocate_lock  # type: ignore[attr-defined]
    threading.Lock = SimLock if cpython.running.lock_is_class else allocate_lock  # type: ignore[assignment, misc]
    threading._CRLock = SimRLock  # type: ignore[attr-defined]
    cpython.running.patch_thread_start(threading, sys.modules[__name__], thread_module)
    queue.SimpleQueue = _queue.SimpleQueue = SimSimpleQueue  # type: ignore[misc, assignment]
    import concurrent.futures.thread as cf_thread

    # Locks made at import time are real; the ones a blocked thread may hold
    # while another thread needs them must be simulated too.
    cf_thread._global_shutdown_lock = allocate_lock()  # type: ignore[attr-defined, assignment]
    hash_by_creation(threading.Thread)
    hash_by_creation(concurrent.futures.Future)
