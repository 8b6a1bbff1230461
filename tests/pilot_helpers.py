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
