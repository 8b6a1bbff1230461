"""Provides probes on threading's and queue's primitives, recorded like asyncio's.

The program's own Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event,
Barrier and queue.Queue objects become resources with ids and names; their
state (owner, value, contents) goes into frames, and a thread blocked inside
one of them says so in words. Primitives the standard library makes for its
own use (a Condition's waiter locks, an executor's queue) stay anonymous.
"""

from __future__ import annotations

import queue
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING, Any

from tui.engine import cpython, probing
from tui.engine.runtime import RUN
from tui.engine.threads import primitives as simthreads

if TYPE_CHECKING:
    pass


def _touch(obj: Any) -> None:
    rec = RUN.recorder
    if rec is not None and "_cc_rid" in obj.__dict__:
        rec.dirty(obj)


def _thread_id() -> str | None:
    kernel = RUN.kernel
    return kernel.current.tid if kernel is not None else None


def _register(obj: Any, kind: str, maker: FrameType) -> None:
    """Only what the program itself creates becomes a named resource."""
    rec = RUN.recorder
    if rec is None or not rec.sites.is_user(maker.f_code):
        return
    api = "concurrent.futures" if kind == "Executor" else "threading"
    rec.resource_created(obj, kind, maker, api=api)
    if kind == "Executor":
        RUN.probed_executors.add(obj)
        RUN.executors_probed = True


def _maker() -> FrameType:
    """Who called the constructor (frame 1 is our __init__ wrapper).

    A Lock made inside threading (a Condition's waiter, an Event's lock) has a
    threading frame here, so it stays internal.
    """
    frame = sys._getframe(2)
    while (frame.f_code.co_name, frame.f_globals.get("__name__")) in _FACTORIES:
        frame = frame.f_back or frame  # a factory function: its caller made the lock
    return frame


_FACTORIES = {("RLock", "threading"), ("allocate_lock", "tui.engine.threads.primitives")}
"""threading.RLock() and _thread.allocate_lock() (threading.Lock() before 3.13) make locks for their caller."""


def _wrap_init(cls: type, kind: str) -> None:
    original = cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if type(self) is cls or kind == "Queue":
            _register(self, type(self).__name__ if kind == "Queue" else kind, _maker())  # Queue, LifoQueue, ...

    __init__.__wrapped__ = original  # type: ignore[attr-defined]
    cls.__init__ = __init__  # type: ignore[misc]


def _wrap_touching(cls: type, names: tuple[str, ...]) -> None:
    probing.wrap_touching(cls, names, _touch)


def _install_semaphore_holders() -> None:
    original_acquire = threading.Semaphore.acquire
    original_release = threading.Semaphore.release

    def acquire(self: threading.Semaphore, blocking: bool = True, timeout: float | None = None) -> bool:
        got = original_acquire(self, blocking, timeout)
        if got and "_cc_rid" in self.__dict__:
            self.__dict__.setdefault("_cc_holders", []).append(_thread_id())
            _touch(self)
        return got

    def release(self: threading.Semaphore, n: int = 1) -> None:
        original_release(self, n)
        holders = self.__dict__.get("_cc_holders")
        if holders:
            me = _thread_id()
            for _ in range(min(n, len(holders))):
                holders.remove(me if me in holders else holders[0])
        _touch(self)

    acquire.__qualname__ = "Semaphore.acquire"
    release.__qualname__ = "Semaphore.release"
    threading.Semaphore.acquire = acquire  # type: ignore[method-assign]
    threading.Semaphore.release = release  # type: ignore[method-assign]
    threading.Semaphore.__enter__ = acquire  # type: ignore[method-assign, assignment]


def _install_executor_probes() -> None:
    """A ThreadPoolExecutor the program makes, and the futures it hands out, become resources."""
    import concurrent.futures as cf

    _wrap_init(cf.ThreadPoolExecutor, "Executor")
    original_submit = cf.ThreadPoolExecutor.submit

    def submit(self: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        future = original_submit(self, fn, *args, **kwargs)
        caller = sys._getframe(1)
        rec = RUN.recorder
        if rec is not None and rec.sites.is_user(caller.f_code) and "_cc_rid" not in future.__dict__:
            rec.resource_created(future, "Future", caller, api="concurrent.futures")
        _touch(self)
        return future

    submit.__qualname__ = "ThreadPoolExecutor.submit"
    cf.ThreadPoolExecutor.submit = submit  # type: ignore[method-assign]
    _wrap_touching(cf.Future, ("set_result", "set_exception", "set_running_or_notify_cancel", "cancel"))


def touch_executors() -> None:
    """Executors change whenever their threads run: re-read them after each thread slice."""
    if not RUN.executors_probed:
        return  # the common case, checked without building an iterator over the WeakSet
    for executor in list(RUN.probed_executors):
        _touch(executor)


def install() -> None:
    """Probe threading and queue (recording process only, after simthreads.install)."""
    simthreads.SimLock._on_change = staticmethod(_touch)
    _wrap_init(simthreads.SimLock, "Lock")
    _wrap_init(threading._PyRLock, "RLock")  # type: ignore[attr-defined]
    _wrap_init(simthreads.SimRLock, "RLock")
    _wrap_init(threading.Condition, "Condition")
    _wrap_init(threading.Semaphore, "Semaphore")
    _wrap_init(threading.BoundedSemaphore, "BoundedSemaphore")
    _wrap_init(threading.Event, "Event")
    _wrap_init(threading.Barrier, "Barrier")
    _wrap_init(queue.Queue, "Queue")
    _install_semaphore_holders()
    _wrap_touching(threading._PyRLock, ("acquire", "release", "__enter__", "__exit__"))  # type: ignore[attr-defined]
    _wrap_touching(simthreads.SimRLock, ("acquire", "__enter__"))  # its release and __exit__ are _PyRLock's
    _wrap_touching(threading.Condition, ("wait", "notify", "notify_all", "__exit__", "__enter__"))
    _wrap_touching(threading.Event, ("set", "clear", "wait"))
    _wrap_touching(threading.Barrier, ("wait", "reset", "abort"))
    _wrap_touching(queue.Queue, ("put", "get", "task_done", "join"))
    if cpython.running.queue_shutdown:
        _wrap_touching(queue.Queue, ("shutdown",))
    _install_executor_probes()


# -- threads, by their real ident -----------------------------------------------------------------


def thread_id_of(ident: int | None) -> str | None:
    """The thread id ("Th2") of a real thread ident, in the running recording."""
    kernel = RUN.kernel
    if ident is None or kernel is None:
        return None
    thread = kernel.thread_of_ident(ident)
    return thread.tid if thread is not None else None


# -- what a blocked thread waits for -------------------------------------------------------------

_ROLES = {
    "Queue.get": "get",
    "Queue.put": "put",
    "Queue.join": "join",
    "Condition.wait": "notify",
    "Condition.wait_for": "notify",
}


def resource_in_chain(frame: FrameType | None) -> tuple[Any, str | None]:
    """The outermost registered primitive the blocking call is inside, and the line it stands in."""
    found: Any = None
    role: str | None = None
    executors = RUN.probed_executors
    any_executor = RUN.executors_probed
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(("threading", "queue", "concurrent.futures", "tui.engine.")):
            break
        owner = frame.f_locals.get("self")
        attrs = getattr(owner, "__dict__", None)
        # Nobody waits on an executor itself (its queue and futures are what a thread waits for).
        if attrs and "_cc_rid" in attrs and not (any_executor and any(owner is e for e in executors)):
            found = owner
            role = _ROLES.get(frame.f_code.co_qualname, role)
        frame = frame.f_back
    return found, role


def joined_thread(frame: FrameType | None) -> str | None:
    """In Thread.join(): the thread being waited for."""
    while frame is not None:
        if frame.f_code.co_qualname == "Thread.join":
            target = frame.f_locals.get("self")
            return thread_id_of(getattr(target, "ident", None))
        if not frame.f_globals.get("__name__", "").startswith(("threading", "tui.engine")):
            return None
        frame = frame.f_back
    return None
