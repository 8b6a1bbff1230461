"""Declares the lock family: asyncio's Lock, threading's Lock and RLock."""

from __future__ import annotations

from typing import Any

from tui.engine.kinds.kind import Kind, WaitOn, asyncio_lock_owner, place_in_line
from tui.engine.threads.probes import thread_id_of

# -- asyncio ------------------------------------------------------------------------------------


def asyncio_lock_state(lock: Any) -> dict[str, Any]:
    return {"locked": lock._locked, "owner": asyncio_lock_owner(lock)}


def asyncio_lock_words(lock: Any, wait: WaitOn) -> str:
    """Words for a task waiting for `lock` (an asyncio Lock, or a Condition's): who holds it, the line."""
    shown, name_of, fut = wait.shown, wait.name_of, wait.fut
    line = place_in_line(lock._waiters, fut)
    owner = asyncio_lock_owner(lock)
    if owner is not None:
        return f"waits for {shown} held by {name_of(owner)}{line}"
    woken = next((w for w in lock._waiters or () if w.done() and not w.cancelled()), None)
    if woken is not None:
        waiter_of = wait.waiter_of
        first = name_of(waiter_of.get(woken)) if waiter_of and woken in waiter_of else "an earlier waiter"
        return f"waits for {shown}: {first} was woken to take it first{line}"
    return f"waits for {shown}{line}"


def _asyncio_holders(wait: WaitOn) -> list[str]:
    owner = asyncio_lock_owner(wait.obj)
    return [owner] if owner else []


# -- threading ----------------------------------------------------------------------------------


def threading_lock_state(lock: Any) -> dict[str, Any]:
    owner = lock._owner
    return {"locked": lock._locked, "owner": owner.tid if owner is not None and lock._locked else None}


def rlock_state(lock: Any) -> dict[str, Any]:
    return {"locked": lock._count > 0, "owner": thread_id_of(lock._owner), "count": lock._count}


def _held_words(owner: str | None, wait: WaitOn) -> str:
    return f"waits for {wait.shown} held by {wait.name_of(owner)}" if owner else f"waits for {wait.shown}"


def _owner_list(owner: str | None) -> list[str]:
    return [owner] if owner else []


KINDS = (
    Kind(
        "Lock",
        "lock",
        "asyncio",
        asyncio_lock_state,
        words=lambda wait: asyncio_lock_words(wait.obj, wait),
        holders=_asyncio_holders,
    ),
    Kind(
        "Lock",
        "lock",
        "threading",
        threading_lock_state,
        words=lambda wait: _held_words(threading_lock_state(wait.obj)["owner"], wait),
        holders=lambda wait: _owner_list(threading_lock_state(wait.obj)["owner"]),
    ),
    Kind(
        "RLock",
        "lock",
        "threading",
        rlock_state,
        words=lambda wait: _held_words(thread_id_of(wait.obj._owner), wait),
        holders=lambda wait: _owner_list(thread_id_of(wait.obj._owner)),
    ),
)
