"""Provides Kind, the record that declares one kind of resource as one API makes it, and WaitOn,
a wait on a resource as a kind's functions read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.trace.words import ordinal

APIS = ("asyncio", "threading", "concurrent.futures", "socket")
"""Whose primitive a resource is (a definition's `api`; absent in a trace for asyncio)."""


class WaitOn:
    """An actor waiting on a resource: what the kind's words, holders and role read.

    A task waits with a future (`fut`; `waiter_of` maps the other waiters'
    futures to their tasks); a thread waits blocked in a call, in a line
    (`role`) found from its call chain.

    A plain class, not a dataclass: one is made at every wait of a recorded
    program, and a dataclass's generated __init__ is code outside the engine's
    files, which the CPU model would charge to the program as library code.
    """

    __slots__ = ("fut", "name_of", "obj", "role", "shown", "waiter_of")

    def __init__(
        self,
        obj: Any,
        shown: str,
        name_of: Callable[[str | None], str],
        role: str | None = None,
        fut: Any = None,
        waiter_of: Any = None,
    ) -> None:
        self.obj = obj
        self.shown = shown
        """The resource in a sentence: `lock (Lock#1)`."""
        self.name_of = name_of
        self.role = role
        self.fut = fut
        self.waiter_of = waiter_of


def _no_words(wait: WaitOn) -> str:
    return f"waits for {wait.shown}"


def _no_holders(wait: WaitOn) -> list[str]:
    return []


def _no_role(wait: WaitOn) -> str | None:
    return wait.role


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of resource (`Lock`, `LifoQueue`...) as one API makes it: its family and what a frame says of it."""

    name: str
    family: str
    """lock, semaphore, event, condition, queue, barrier, future, executor or socket."""
    api: str
    state: Callable[[Any], dict[str, Any]]
    """The resource's state in a frame's `set` (tui.trace.format.RESOURCE_STATES names the fields)."""
    words: Callable[[WaitOn], str] = field(default=_no_words)
    """What a waiter waits for, in words: "waits for lock (Lock#1) held by worker-1, 2nd in line"."""
    holders: Callable[[WaitOn], list[str]] = field(default=_no_holders)
    """Actors that must act before the waiter can go on: its edges in a wait-for graph."""
    role: Callable[[WaitOn], str | None] = field(default=_no_role)
    """Which line of the resource the waiter stands in ("get"/"put", "notify"/"lock"), where there are two."""


# -- shared by the families ---------------------------------------------------------------------


def place_in_line(waiters: Any, fut: Any) -> str:
    """`, 2nd in line` among an asyncio primitive's waiters still waiting (woken ones have left the line)."""
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


def asyncio_lock_owner(lock: Any) -> str | None:
    """The task holding an asyncio lock (its probe keeps it), if it is locked."""
    return lock.__dict__.get("_cc_owner") if lock._locked else None
