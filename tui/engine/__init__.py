"""Provides the instrumented, virtual-time asyncio runtime (no UI imports here)."""

from __future__ import annotations

from tui.engine.aio.loop import SimEventLoop, SimEventLoopPolicy
from tui.engine.clock import VirtualClock
from tui.engine.errors import DeadlockError, UnsupportedInSimulation

__all__ = [
    "DeadlockError",
    "SimEventLoop",
    "SimEventLoopPolicy",
    "UnsupportedInSimulation",
    "VirtualClock",
    "new_event_loop",
]


def new_event_loop() -> SimEventLoop:
    """A fresh virtual-time loop, usable anywhere asyncio takes a loop factory."""
    return SimEventLoop()
