"""Declares the condition family: asyncio's and threading's Condition (a lock, and a line to be notified in)."""

from __future__ import annotations

from typing import Any

from tui.engine.kinds.kind import Kind, WaitOn, asyncio_lock_owner, place_in_line
from tui.engine.kinds.locks import asyncio_lock_words, rlock_state, threading_lock_state
from tui.engine.threads.primitives import SimLock

# -- asyncio ------------------------------------------------------------------------------------


def asyncio_condition_state(cond: Any) -> dict[str, Any]:
    lock = cond._lock
    return {
        "lock": lock.__dict__.get("_cc_rid"),
        "locked": lock.locked(),
        "owner": lock.__dict__.get("_cc_owner") if lock.locked() else None,
    }


def _notified(wait: WaitOn) -> bool:
    """Is the task waiting for a notify() (rather than for the lock, to come back from wait())?"""
    return any(w is wait.fut for w in wait.obj._waiters)


def _asyncio_words(wait: WaitOn) -> str:
    if _notified(wait):
        return f"waits on {wait.shown} for a notify(){place_in_line(wait.obj._waiters, wait.fut)}"
    return asyncio_lock_words(wait.obj._lock, wait)


def _asyncio_holders(wait: WaitOn) -> list[str]:
    if _notified(wait):
        return []  # waits for a notify() that nobody is left to send
    owner = asyncio_lock_owner(wait.obj._lock)
    return [owner] if owner else []


# -- threading ----------------------------------------------------------------------------------


def threading_condition_state(cond: Any) -> dict[str, Any]:
    lock = cond._lock
    state = threading_lock_state(lock) if isinstance(lock, SimLock) else rlock_state(lock)
    return {"lock": lock.__dict__.get("_cc_rid"), "locked": state["locked"], "owner": state["owner"]}


def _threading_words(wait: WaitOn) -> str:
    if wait.role == "notify":
        return f"waits on {wait.shown} for a notify()"
    owner = threading_condition_state(wait.obj)["owner"]
    return f"waits for the lock of {wait.shown}" + (f", held by {wait.name_of(owner)}" if owner else "")


def _threading_holders(wait: WaitOn) -> list[str]:
    if wait.role == "notify":
        return []
    owner = threading_condition_state(wait.obj)["owner"]
    return [owner] if owner else []


KINDS = (
    Kind(
        "Condition",
        "condition",
        "asyncio",
        asyncio_condition_state,
        words=_asyncio_words,
        holders=_asyncio_holders,
        role=lambda wait: "notify" if _notified(wait) else "lock",
    ),
    Kind(
        "Condition",
        "condition",
        "threading",
        threading_condition_state,
        words=_threading_words,
        holders=_threading_holders,
    ),
)
