"""Provides the instrumented, virtual-time runtime that records a program (no UI imports here).

A map, lowest layer first (import-linter checks the order: pyproject.toml):

- base: `clock`, `errors`, `settings`, `sites`, `waits`, `schedule` (the decision
  point's policies), `hooks` (the one interface from the schedulers to the
  recorder), `runtime` (RUN: the recording's one runtime), `probing`,
  `cpython/` (what differs per version), `cpu/` (counting bytecode);
- `threads/`: the kernel that schedules every thread and process, the simulated
  lock threading stands on, probes on threading's primitives, virtual time;
- `network/`: the simulated network and its sockets and selectors;
- `aio/` and `processes/`: the recorded event loop, its streams and probes;
  multiprocessing and the process executor;
- `sandbox`: the closed simulation;
- `recording/`: the recording process (`python -m tui.engine.recording`), its
  one install step and the recorder that writes frames.

Outside a recording, `new_event_loop()` gives a virtual-time loop of its own. The names here are
loaded when first used (a viewer imports `tui.engine.settings` alone, before asyncio is needed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_LAZY = {
    "DeadlockError": "tui.engine.errors",
    "SimEventLoop": "tui.engine.aio.loop",
    "SimEventLoopPolicy": "tui.engine.aio.loop",
    "UnsupportedInSimulation": "tui.engine.errors",
    "VirtualClock": "tui.engine.clock",
}
"""Each name above, by the module that defines it: loaded when first asked for, so that a viewer
importing `tui.engine.settings` (to start a recording) does not load the event loop and asyncio."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def new_event_loop() -> SimEventLoop:
    """A fresh virtual-time loop, usable anywhere asyncio takes a loop factory."""
    from tui.engine.aio.loop import SimEventLoop

    return SimEventLoop()
