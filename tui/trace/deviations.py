"""Provides placed(): a schedule's deviations from the default, each at the frame that shows it.

The recorder notes, for each answer that was not the default's, the next
frame it wrote after the decision and the actor the answer is about
(summary's `deviations`). The next frame is not always that actor's (a
thread chosen to run may be written after another that was already due), so
a deviation is placed at the actor's first frame from there on, looked for
over a few frames, else where the recorder noted it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.trace.model import Trace

LOOK_AHEAD = 16
"""Frames after the noted one searched for the actor's own."""


@dataclass(frozen=True)
class Deviation:
    frame: int
    kind: str
    answer: int
    actor: str


def placed(trace: Trace) -> list[Deviation]:
    """The run's deviations, in order, each at the frame that shows it."""
    found = []
    for noted, kind, answer, actor in (trace.summary or {}).get("deviations", []):
        frame = noted
        for index in range(noted, min(noted + LOOK_AHEAD, len(trace))):
            if trace.frame(index).get("a") == actor:
                frame = index
                break
        found.append(Deviation(frame, kind, answer, actor))
    return found
