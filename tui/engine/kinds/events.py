"""Declares the event family: asyncio's and threading's Event."""

from __future__ import annotations

from tui.engine.kinds.kind import Kind, WaitOn


def _words(wait: WaitOn) -> str:
    return f"waits for {wait.shown} to be set"


KINDS = (
    Kind("Event", "event", "asyncio", lambda event: {"set": event._value}, words=_words),
    Kind("Event", "event", "threading", lambda event: {"set": event.is_set()}, words=_words),
)
