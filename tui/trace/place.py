"""Provides Place: where the user is in a trace, said so that it can be found again in a new recording.

A program recorded again after an edit gives a new trace, whose frame
indexes shift wherever the edit changed the schedule, and whose actor ids
shift where it added a task or thread before another. What the user was
looking at is better kept as "the same actor's same step" (its n-th frame),
the actor known by its name where that name is its own; the frame index is
the fallback.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from tui.trace.model import Trace


@dataclass(frozen=True)
class Place:
    index: int
    """The frame index (0-based) the user was at."""
    actor: str | None = None
    """The id of the actor that ran in that frame (None for a loop callback's frame)."""
    step: int = 0
    """Which of that actor's frames it was (0: its first)."""
    name: str | None = None
    """The actor's name (with `kind`): an edit that adds a task before it renumbers its id, not its name."""
    kind: str | None = None

    @classmethod
    def of(cls, trace: Trace, index: int) -> Place:
        if not 0 <= index < len(trace) or trace.actor_index[index] < 0:
            return cls(max(index, 0))
        actor = trace.actor_ids[trace.actor_index[index]]
        step = bisect_left(trace.frames_of(actor), index)
        known = trace.world.actors.get(actor)
        return cls(index, actor, step, known.name if known else None, known.kind if known else None)

    def find(self, trace: Trace) -> int | None:
        """This place's frame in `trace` (which may still be streaming in); None while it cannot be told yet.

        The same actor's same step where the new trace has it; else the same
        frame index, clamped to the trace once it is complete.
        """
        actor = self._same_actor(trace)
        if actor is not None:
            frames = trace.frames_of(actor)
            if self.step < len(frames):
                return frames[self.step]
        if not trace.complete or len(trace) == 0:
            return None  # the actor's step, or the frame index, may still come
        return min(self.index, len(trace) - 1)

    def _same_actor(self, trace: Trace) -> str | None:
        """The actor of `trace` that is this one: the only one of its name and kind, else the one of its id."""
        if self.actor is None:
            return None
        named = [a.id for a in trace.world.actors.values() if a.name == self.name and a.kind == self.kind]
        return named[0] if len(named) == 1 else self.actor
