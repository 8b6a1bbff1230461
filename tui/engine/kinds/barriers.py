"""Declares the barrier family: asyncio's and threading's Barrier."""

from __future__ import annotations

from typing import Any

from tui.engine.kinds.kind import Kind, WaitOn

_THREADING_STATES = {0: "filling", 1: "draining", -1: "resetting", -2: "broken"}
"""threading.Barrier keeps its state as a number; asyncio's as an enum whose values are these words."""


def asyncio_barrier_state(barrier: Any) -> dict[str, Any]:
    return {"parties": barrier._parties, "count": barrier._count, "state": barrier._state.value}


def threading_barrier_state(barrier: Any) -> dict[str, Any]:
    return {
        "parties": barrier.parties,
        "count": barrier._count,
        "state": _THREADING_STATES.get(barrier._state, "?"),
    }


def _words(wait: WaitOn) -> str:
    return f"waits at {wait.shown} ({wait.obj.n_waiting}/{wait.obj.parties} arrived)"


KINDS = (
    Kind("Barrier", "barrier", "asyncio", asyncio_barrier_state, words=_words),
    Kind("Barrier", "barrier", "threading", threading_barrier_state, words=_words),
)
