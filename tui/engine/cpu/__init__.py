"""Provides the bytecode counters that turn the program's CPU work into virtual time.

The kernel charges every instruction of the program's own code a fixed
virtual cost, and may switch threads when a quantum of instructions has run.
The standard library's Python code costs the same while the program calls
it, but is never where a quantum ends (see Kernel.start_counting); C code
and the engine's own work cost nothing. How the instructions are counted
depends on what the running CPython offers; `tui.engine.cpython` picks one:

- `SettraceCounter` (3.11): `sys.settrace` opcode events, one per instruction.
- `MonitoringCounter` (3.12+): `sys.monitoring` (PEP 669) events at jumps,
  branches, calls and returns, with per-instruction events only near the end
  of a quantum; the same counts, for a fraction of the cost.
"""

from __future__ import annotations

from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any, Protocol


class BytecodeCounter(Protocol):
    """What the kernel needs from a counter; one exists per recording."""

    def start(self, limit: int, on_quantum: Callable[[int, FrameType], bool]) -> None:
        """Count from now on; after every `limit` instructions call `on_quantum(ticks, frame)`,
        where `frame` is about to execute the instruction the quantum ended before. When
        it returns False (no switch may happen there), call it again after the next instruction."""

    def take(self) -> int:
        """The instructions counted since the last take() or quantum, and start again from 0.
        (The quantum still ends `limit` instructions after the last one ended.)"""

    def new_slice(self, skew: int = 0) -> None:
        """A thread got the GIL: its next quantum ends `limit + skew` instructions from now."""

    def thread_started(self, frame: FrameType | None) -> None:
        """The running thread begins to be counted; `frame` and its callers are running already."""

    def thread_switched(self, old: Any, new: Any) -> None:
        """The baton passes from kernel thread `old` to `new` (both have a `counter_state`)."""

    def thread_ended(self) -> None:
        """The running thread's function returned; stop counting it."""

    def stop(self) -> None:
        """Count no more, anywhere."""


CounterFactory = Callable[[Callable[[CodeType], bool], Callable[[CodeType], bool]], BytecodeCounter]
"""Makes a counter for the program's code objects and the library code it may call."""
