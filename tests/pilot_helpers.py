"""Helpers for driving the app headless with Textual's Pilot."""

from __future__ import annotations

import asyncio

from tui.app import ConcurApp


async def wait_recorded(pilot, app: ConcurApp, timeout: float = 30.0) -> None:
    """Until the whole trace is in (recording finished and every line folded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not app.main.live.finished:
        if loop.time() > deadline:
            raise AssertionError("the recording did not finish in time")
        await pilot.pause(0.02)
    await pilot.pause()


async def wait_until(pilot, condition, what: str, timeout: float = 30.0) -> None:
    """Until `condition()` is true (the app keeps running meanwhile), else fail saying `what` never happened."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not happen in {timeout:g}s")
        await pilot.pause(0.05)
    await pilot.pause()


def notifications(app: ConcurApp) -> list[str]:
    """The text of every notification the app has shown (and still holds)."""
    return [str(note.message) for note in app._notifications]
