"""Declares the future family: asyncio's Future and concurrent.futures' Future."""

from __future__ import annotations

from typing import Any

from tui.engine.kinds.kind import Kind, WaitOn
from tui.engine.probing import short_repr


def asyncio_future_state(fut: Any) -> dict[str, Any]:
    if fut.cancelled():
        return {"state": "cancelled"}
    if not fut.done():
        return {"state": "pending"}
    exc = fut._exception
    if exc is not None:
        return {"state": "failed", "error": f"{type(exc).__name__}: {exc}"}
    return {"state": "done", "result": short_repr(fut._result)}


def cf_future_state(future: Any) -> dict[str, Any]:
    state = future._state
    if state == "FINISHED":
        if future._exception is not None:
            return {"state": "failed", "error": f"{type(future._exception).__name__}: {future._exception}"}
        return {"state": "done", "result": short_repr(future._result)}
    return {"state": {"PENDING": "pending", "RUNNING": "running"}.get(state, state.lower())}


def _asyncio_words(wait: WaitOn) -> str:
    return f"waits for {wait.shown} to be resolved"


def _cf_words(wait: WaitOn) -> str:
    return f"waits for the result of {wait.shown}"


KINDS = (
    Kind("Future", "future", "asyncio", asyncio_future_state, words=_asyncio_words),
    Kind("Future", "future", "concurrent.futures", cf_future_state, words=_cf_words),
)
