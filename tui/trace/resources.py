"""Provides the state of a resource as a frozen record per kind: what a view reads of a lock, a queue, a socket.

A frame's `set` carries each changed resource's state as the dict json made
(tui.trace.format.RESOURCE_STATES lists the fields per kind). Views do not
read those dicts: `read_state` turns one into the record of its kind, so a
field a view reads is a typed attribute, and a field missing from an old or a
partial trace reads as its documented default in exactly one place.

The engine declares the same kinds once per family (tui.engine.kinds); this
module is their reading side, and the trace imports nothing from the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class LockState:
    """asyncio's or threading's Lock: locked or free, and by whom."""

    locked: bool = False
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class RLockState:
    """threading's RLock: its owner and how deep it holds it."""

    locked: bool = False
    owner: str | None = None
    count: int | None = None


@dataclass(frozen=True, slots=True)
class SemaphoreState:
    """A Semaphore or BoundedSemaphore: its value, who holds it, and a bounded one's bound."""

    value: int | None = None
    holders: list[str] = field(default_factory=list)
    bound: int | None = None


@dataclass(frozen=True, slots=True)
class EventState:
    """An Event: set or not."""

    is_set: bool = False


@dataclass(frozen=True, slots=True)
class ConditionState:
    """A Condition: its lock's id and whether (and by whom) that lock is held."""

    lock: str | None = None
    locked: bool = False
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class QueueState:
    """A Queue, PriorityQueue or LifoQueue: its items (their reprs), its bound, the work not yet done."""

    size: int = 0
    maxsize: int = 0
    items: list[str] = field(default_factory=list)
    unfinished: int = 0
    shutdown: bool = False
    """Queue.shutdown() was called (3.13+)."""


@dataclass(frozen=True, slots=True)
class BarrierState:
    """A Barrier: filling, draining, resetting or broken, and how many of its parties have arrived."""

    parties: int | None = None
    count: int = 0
    state: str | None = None


@dataclass(frozen=True, slots=True)
class FutureState:
    """A Future: pending, cancelled or done, and its result's or error's repr once done."""

    state: str = "pending"
    result: str | None = None
    """None when it has no result (not: a result that is None, which is the string "None")."""
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ExecutorState:
    """A ThreadPoolExecutor or ProcessPoolExecutor: its workers and the work items queued for them."""

    max_workers: int | None = None
    workers: list[str] = field(default_factory=list)
    queued: int = 0
    shutdown: bool = False


@dataclass(frozen=True, slots=True)
class SocketState:
    """A simulated socket: its TCP state, addresses, unread bytes, and a listener's accept backlog."""

    state: str | None = None
    local: str | None = None
    peer: str | None = None
    buffered: int = 0
    eof: bool = False
    backlog: int | None = None
    """None for a socket that is not listening."""


@dataclass(frozen=True, slots=True)
class OtherState:
    """A kind this version of the trace model does not know: its fields as they came."""

    fields: dict[str, Any] = field(default_factory=dict)


ResourceState = (
    LockState
    | RLockState
    | SemaphoreState
    | EventState
    | ConditionState
    | QueueState
    | BarrierState
    | FutureState
    | ExecutorState
    | SocketState
    | OtherState
)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def read_state(kind: str, raw: dict[str, Any]) -> ResourceState:
    """The record of `kind` for a frame's state dict (PriorityQueue and LifoQueue read as a Queue)."""
    get = raw.get
    if kind == "Lock":
        return LockState(bool(get("locked")), get("owner"))
    if kind == "RLock":
        return RLockState(bool(get("locked")), get("owner"), get("count"))
    if kind in ("Semaphore", "BoundedSemaphore"):
        return SemaphoreState(get("value"), list(get("holders") or ()), get("bound"))
    if kind == "Event":
        return EventState(bool(get("set")))
    if kind == "Condition":
        return ConditionState(get("lock"), bool(get("locked")), get("owner"))
    if kind.endswith("Queue"):
        return QueueState(
            get("size") or 0,
            get("maxsize") or 0,
            list(get("items") or ()),
            get("unfinished") or 0,
            bool(get("shutdown")),
        )
    if kind == "Barrier":
        return BarrierState(get("parties"), get("count") or 0, get("state"))
    if kind == "Future":
        return FutureState(get("state") or "pending", _text(get("result")), _text(get("error")))
    if kind == "Executor":
        return ExecutorState(get("max_workers"), list(get("workers") or ()), get("queued") or 0, bool(get("shutdown")))
    if kind == "Socket":
        return SocketState(
            _text(get("state")),
            _text(get("local")),
            _text(get("peer")),
            get("buffered") or 0,
            bool(get("eof")),
            get("backlog"),
        )
    return OtherState(dict(raw))
