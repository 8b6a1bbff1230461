"""Declares the semaphore family: Semaphore and BoundedSemaphore, asyncio's and threading's.

Both APIs' probes keep who holds a slot (`_cc_holders`), which neither keeps itself.
"""

from __future__ import annotations

import threading
from typing import Any

from tui.engine.kinds.kind import Kind, WaitOn, place_in_line


def asyncio_semaphore_state(sem: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"value": sem._value, "holders": list(sem.__dict__.get("_cc_holders", ()))}
    bound = getattr(sem, "_bound_value", None)
    if bound is not None:
        state["bound"] = bound
    return state


def threading_semaphore_state(sem: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"value": sem._value, "holders": list(sem.__dict__.get("_cc_holders", ()))}
    if isinstance(sem, threading.BoundedSemaphore):
        state["bound"] = sem._initial_value  # type: ignore[attr-defined]
    return state


def _holders_named(wait: WaitOn) -> str:
    return ", ".join(wait.name_of(h) for h in wait.obj.__dict__.get("_cc_holders", ())) or "nobody"


def _asyncio_words(wait: WaitOn) -> str:
    line = place_in_line(wait.obj._waiters, wait.fut)
    return f"waits for {wait.shown}: no slot free, held by {_holders_named(wait)}{line}"


def _threading_words(wait: WaitOn) -> str:
    return f"waits for {wait.shown}: no slot free, held by {_holders_named(wait)}"


KINDS = tuple(
    kind
    for name in ("Semaphore", "BoundedSemaphore")
    for kind in (
        Kind(
            name,
            "semaphore",
            "asyncio",
            asyncio_semaphore_state,
            words=_asyncio_words,
            holders=lambda wait: list(wait.obj.__dict__.get("_cc_holders", ())),
        ),
        Kind(
            name,
            "semaphore",
            "threading",
            threading_semaphore_state,
            words=_threading_words,
            holders=lambda wait: [h for h in wait.obj.__dict__.get("_cc_holders", ()) if h],
        ),
    )
)
