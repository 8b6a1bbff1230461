"""Provides probes on asyncio's primitives: who owns them, who waits, what they hold.

Only the recording process installs these (see `install`). They wrap the
stdlib classes' methods in place, so `isinstance` and subclassing behave as
usual, and every wrapper calls the original: the scheduling is CPython's.
"""

from __future__ import annotations

import asyncio
from asyncio import locks, queues
from collections.abc import Callable, Iterable
from typing import Any

from tui.engine import cpython, probing
from tui.engine.probing import MAX_SHOWN_ITEMS, short_repr
from tui.engine.runtime import RUN


def _touch(obj: Any) -> None:
    rec = RUN.recorder
    if rec is not None:
        rec.dirty(obj)


def _actor() -> str | None:
    rec = RUN.recorder
    return rec.current if rec is not None else None


class ProbedFuture(asyncio.Future):  # type: ignore[type-arg]
    """A future the user's own code made with loop.create_future(): reports completion."""

    def __init__(self, *, loop: Any = None) -> None:
        self._cc_number = RUN.number("future")
        super().__init__(loop=loop)

    def __hash__(self) -> int:  # creation order, not address: sets of futures iterate the same every run
        return self._cc_number

    def set_result(self, result: Any) -> None:
        super().set_result(result)
        _touch(self)

    def set_exception(self, exception: Any) -> None:
        super().set_exception(exception)
        _touch(self)

    def cancel(self, msg: Any = None) -> bool:
        cancelled = super().cancel(msg)
        _touch(self)
        return cancelled


def _wrap_init(cls: type, kind: str | None = None) -> None:
    original = cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        rec = RUN.recorder
        if rec is not None and "_cc_rid" not in self.__dict__:
            rec.resource_created(self, kind or type(self).__name__)

    __init__.__wrapped__ = original  # type: ignore[attr-defined]
    cls.__init__ = __init__  # type: ignore[misc]


def wrap_touching(cls: type, names: Iterable[str]) -> None:
    """After each call of these methods, tell the recorder the object changed."""
    probing.wrap_touching(cls, names, _touch)


def _install_lock_probes() -> None:
    original_acquire = locks.Lock.acquire
    original_release = locks.Lock.release

    async def acquire(self: locks.Lock) -> bool:
        result = await original_acquire(self)
        self._cc_owner = _actor()  # type: ignore[attr-defined]
        _touch(self)
        return result

    def release(self: locks.Lock) -> None:
        original_release(self)
        self._cc_owner = None  # type: ignore[attr-defined]
        _touch(self)

    acquire.__qualname__ = "Lock.acquire"
    release.__qualname__ = "Lock.release"
    locks.Lock.acquire = acquire  # type: ignore[method-assign]
    locks.Lock.release = release  # type: ignore[method-assign]


def _install_semaphore_probes() -> None:
    original_acquire = locks.Semaphore.acquire
    original_release = locks.Semaphore.release

    async def acquire(self: locks.Semaphore) -> bool:
        result = await original_acquire(self)
        self.__dict__.setdefault("_cc_holders", []).append(_actor())
        _touch(self)
        return result

    def release(self: locks.Semaphore) -> None:
        original_release(self)
        holders = self.__dict__.get("_cc_holders")
        if holders:
            me = _actor()
            holders.remove(me if me in holders else holders[0])
        _touch(self)

    acquire.__qualname__ = "Semaphore.acquire"
    release.__qualname__ = "Semaphore.release"
    locks.Semaphore.acquire = acquire  # type: ignore[method-assign]
    locks.Semaphore.release = release  # type: ignore[method-assign]


def install() -> None:
    """Wrap asyncio's primitives to report to the runtime's recorder (recording process only)."""
    for cls in (locks.Lock, locks.Event, locks.Condition, locks.Semaphore, locks.Barrier, queues.Queue):
        _wrap_init(cls)
    _install_lock_probes()
    _install_semaphore_probes()
    wrap_touching(locks.Event, ("set", "clear", "wait"))
    wrap_touching(locks.Condition, ("wait", "notify", "notify_all"))
    wrap_touching(locks.Barrier, ("wait", "reset", "abort"))
    wrap_touching(queues.Queue, ("put", "get", "put_nowait", "get_nowait", "task_done", "join"))
    if cpython.running.queue_shutdown:
        wrap_touching(queues.Queue, ("shutdown",))


# -- what a view shows of each kind of resource ------------------------------------------


# Waiters are not part of these states: a viewer knows them from the tasks'
# own frames (each says what it waits on), which keeps a change to a lock with
# hundreds of waiters as small as a change to one with none.


def lock_state(lock: locks.Lock) -> dict[str, Any]:
    return {"locked": lock._locked, "owner": lock.__dict__.get("_cc_owner") if lock._locked else None}


def semaphore_state(sem: locks.Semaphore) -> dict[str, Any]:
    state: dict[str, Any] = {"value": sem._value, "holders": list(sem.__dict__.get("_cc_holders", ()))}
    bound = getattr(sem, "_bound_value", None)
    if bound is not None:
        state["bound"] = bound
    return state


def event_state(event: locks.Event) -> dict[str, Any]:
    return {"set": event._value}


def condition_state(cond: locks.Condition) -> dict[str, Any]:
    lock = cond._lock
    return {
        "lock": lock.__dict__.get("_cc_rid"),
        "locked": lock.locked(),
        "owner": lock.__dict__.get("_cc_owner") if lock.locked() else None,
    }


def barrier_state(barrier: locks.Barrier) -> dict[str, Any]:
    return {"parties": barrier._parties, "count": barrier._count, "state": barrier._state.value}


def queue_state(queue: queues.Queue[Any]) -> dict[str, Any]:
    items = queue._queue
    if isinstance(queue, queues.PriorityQueue):
        shown: Iterable[Any] = sorted(items)[:MAX_SHOWN_ITEMS]
    elif isinstance(queue, queues.LifoQueue):
        shown = list(reversed(items))[:MAX_SHOWN_ITEMS]
    else:
        shown = [items[i] for i in range(min(len(items), MAX_SHOWN_ITEMS))]
    state = {
        "size": len(items),
        "maxsize": queue._maxsize,
        "items": [short_repr(item, 40) for item in shown],
        "unfinished": queue._unfinished_tasks,
    }
    if getattr(queue, "_is_shutdown", False):  # 3.13+: Queue.shutdown()
        state["shutdown"] = True
    return state


def future_state(fut: asyncio.Future[Any]) -> dict[str, Any]:
    if fut.cancelled():
        return {"state": "cancelled"}
    if not fut.done():
        return {"state": "pending"}
    exc = fut._exception
    if exc is not None:
        return {"state": "failed", "error": f"{type(exc).__name__}: {exc}"}
    return {"state": "done", "result": short_repr(fut._result)}


STATE_OF: dict[str, Callable[[Any], dict[str, Any]]] = {
    "Lock": lock_state,
    "Semaphore": semaphore_state,
    "BoundedSemaphore": semaphore_state,
    "Event": event_state,
    "Condition": condition_state,
    "Barrier": barrier_state,
    "Queue": queue_state,
    "PriorityQueue": queue_state,
    "LifoQueue": queue_state,
    "Future": future_state,
}
"""Serializer per resource kind; subclasses fall back to their nearest stdlib base."""


def kind_of(obj: Any) -> str:
    """The stdlib kind a (possibly user-subclassed) primitive belongs to."""
    for cls in type(obj).__mro__:
        if cls.__module__ in ("asyncio.locks", "asyncio.queues", "asyncio.futures", "_asyncio", __name__):
            name = "Future" if cls is ProbedFuture else cls.__name__
            if name in STATE_OF:
                return name
    return type(obj).__name__
