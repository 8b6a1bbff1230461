"""Provides the virtual clock every simulated actor reads."""

from __future__ import annotations


class VirtualClock:
    """Seconds since the start of a run; it moves only when the engine moves it.

    Wall-clock time never reaches a trace: the loop jumps the clock to the next
    timer when nothing is ready, and blocking calls advance it by their cost.
    """

    __slots__ = ("now",)

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def advance_to(self, when: float) -> None:
        """Move forward to `when`; the clock never runs backwards."""
        if when > self.now:
            self.now = when

    def __repr__(self) -> str:
        return f"VirtualClock(now={self.now!r})"
