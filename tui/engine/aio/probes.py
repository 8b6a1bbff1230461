"""Provides probes on asyncio's primitives: who owns them, who waits, what they hold.

Only the recording process installs these (see `install`). They wrap the
stdlib classes' methods in place, so `isinstance` and subclassing behave as
usual, and every wrapper calls the original: the scheduling is CPython's.
"""

from __future__ import annotations

import asyncio
from asyncio import locks, queues
from collections.abc import Iterable
from typing import Any

from tui.engine import cpython, probing
from tui.engine.kinds.registry import ASYNCIO_NAMES
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


def kind_of(obj: Any) -> str:
    """The stdlib kind a (possibly user-subclassed) primitive belongs to."""
    for cls in type(obj).__mro__:
        if cls.__module__ in ("asyncio.locks", "asyncio.queues", "asyncio.futures", "_asyncio", __name__):
            name = "Future" if cls is ProbedFuture else cls.__name__
            if name in ASYNCIO_NAMES:
                return name
    return type(obj).__name__
