"""Provides what a waiting task waits for, in words and as wait-for edges."""

from __future__ import annotations

from typing import Any

from tui.trace.words import ordinal

LOCKS = ("Lock", "Condition")
SEMAPHORES = ("Semaphore", "BoundedSemaphore")
QUEUES = ("Queue", "PriorityQueue", "LifoQueue")


def place_in_line(waiters: Any, fut: Any) -> str:
    """`, 2nd in line` among the waiters still waiting (woken ones have left the line)."""
    if not waiters:
        return ""
    place = 0
    for waiter in waiters:
        if waiter.done():
            continue
        place += 1
        if waiter is fut:
            return f", {ordinal(place)} in line"
    return ""


def lock_owner(lock: Any) -> str | None:
    return lock.__dict__.get("_cc_owner") if lock._locked else None


def wait_words(
    kind: str, shown: str, obj: Any, fut: Any, name_of: Any, waiter_of: Any = None, role: str | None = None
) -> str:
    """A sentence fragment: "waits for lock (Lock#1) held by worker-1, 2nd in line"."""
    if kind in LOCKS:
        lock = obj if kind == "Lock" else obj._lock
        if kind == "Condition" and any(w is fut for w in obj._waiters):
            return f"waits on {shown} for a notify(){place_in_line(obj._waiters, fut)}"
        line = place_in_line(lock._waiters, fut)
        owner = lock_owner(lock)
        if owner is not None:
            return f"waits for {shown} held by {name_of(owner)}{line}"
        woken = next((w for w in lock._waiters or () if w.done() and not w.cancelled()), None)
        if woken is not None:
            first = name_of(waiter_of.get(woken)) if waiter_of and woken in waiter_of else "an earlier waiter"
            return f"waits for {shown}: {first} was woken to take it first{line}"
        return f"waits for {shown}{line}"
    if kind in SEMAPHORES:
        holders = ", ".join(name_of(h) for h in obj.__dict__.get("_cc_holders", ())) or "nobody"
        return f"waits for {shown}: no slot free, held by {holders}{place_in_line(obj._waiters, fut)}"
    if kind == "Event":
        return f"waits for {shown} to be set"
    if kind in QUEUES:
        if role == "join":
            left = obj._unfinished_tasks
            items = "its 1 unfinished item" if left == 1 else f"all {left} unfinished items"
            return f"waits in join() until {items} of {shown} {'is' if left == 1 else 'are'} done"
        if any(g is fut for g in obj._getters):
            return f"waits for an item from {shown} (empty){place_in_line(obj._getters, fut)}"
        return f"waits for room in {shown} (full, {obj.qsize()}/{obj.maxsize}){place_in_line(obj._putters, fut)}"
    if kind == "Barrier":
        return f"waits at {shown} ({obj.n_waiting}/{obj.parties} arrived)"
    if kind == "Future":
        return f"waits for {shown} to be resolved"
    return f"waits for {shown}"


def role_of(kind: str, obj: Any, fut: Any) -> str | None:
    """Which line of a resource a waiter stands in, where there is more than one."""
    if kind in QUEUES:
        return "get" if any(g is fut for g in obj._getters) else "put"
    if kind == "Condition":
        return "notify" if any(w is fut for w in obj._waiters) else "lock"
    return None


def holders(kind: str, obj: Any, fut: Any) -> list[str]:
    """Actors that must act before this waiter can go on (its edges in a wait-for graph)."""
    if kind == "Lock":
        owner = lock_owner(obj)
        return [owner] if owner else []
    if kind == "Condition":
        if any(w is fut for w in obj._waiters):
            return []  # waits for a notify() that nobody is left to send
        owner = lock_owner(obj._lock)
        return [owner] if owner else []
    if kind in SEMAPHORES:
        return list(obj.__dict__.get("_cc_holders", ()))
    return []
