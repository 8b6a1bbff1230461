"""Provides Breakpoints, `hit` and `next_stop`: which recorded frames stop auto-run and `c`, and why.

A breakpoint is a question about the trace (did a task start to wait for a
lock here? did the run end in a deadlock?), so it is answered here, from the
frames and the world after them; the screens only ask the user which ones to set.
`hit` answers for one frame (auto-run asks it at every step); `next_stop`
finds the nearest frame that hits, in the trace's StopIndex, without
folding a single frame (`c` on a 100,000-frame trace answers at once).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from tui.trace.model import Trace
from tui.trace.stops import LOCK_KINDS, nearest_of

__all__ = ("KINDS", "LOCK_KINDS", "Breakpoints", "hit", "next_stop")

KINDS = {
    "contention": "lock contention (a task starts to wait for a lock)",
    "done": "a task finishes",
    "exception": "an exception (a task or thread fails)",
    "deadlock": "deadlock (the run ends stuck)",
}
"""Each kind of event a breakpoint can stop at, and how the dialog offers it."""


@dataclass
class Breakpoints:
    """Kinds of event (KINDS) and line numbers of the scenario that stop auto-run."""

    kinds: set[str] = field(default_factory=set)
    lines: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.kinds or self.lines)

    def describe(self) -> str:
        parts = sorted(self.kinds) + [f"line {n}" for n in sorted(self.lines)]
        return ", ".join(parts) if parts else "none"

    def toggle_line(self, line: int) -> bool:
        """Set a breakpoint on `line`, or clear the one there; True if it is set now."""
        if line in self.lines:
            self.lines.discard(line)
            return False
        self.lines.add(line)
        return True


def hit(trace: Trace, index: int, points: Breakpoints) -> str | None:
    """Which breakpoint frame `index` triggers, said as a reason ("lock contention on lock"), or None."""
    if not points:
        return None
    frame = trace.frame(index)
    state = frame.get("st")
    world = trace.state_at(index)
    if "contention" in points.kinds and state in ("wait", "blocked"):
        resource = world.resources.get(frame.get("on", ""))
        if resource is not None and resource.kind in LOCK_KINDS:
            return f"lock contention on {resource.shown}"
    if "done" in points.kinds and state == "done":
        return f"{world.name(frame['a'])} finished"
    if "exception" in points.kinds and state == "failed":
        return f"{world.name(frame['a'])} failed: {frame.get('error')}"
    last = index == len(trace) - 1 and trace.complete
    if "deadlock" in points.kinds and last and trace.outcome == "deadlock":
        return "deadlock"
    if "exception" in points.kinds and last and trace.outcome == "exception":
        return "the program raised"
    if points.lines and frame.get("at"):
        site = trace.site(frame["at"][-1])
        if site is not None and site[0] == trace.header.get("file") and site[1] in points.lines:
            return f"line {site[1]}"
    return None


def _hit_lists(trace: Trace, points: Breakpoints) -> list[array[int]]:
    """The StopIndex arrays whose frames hit one of `points` (the last frame's outcome aside)."""
    stops = trace.stops
    lists: list[array[int]] = []
    if "contention" in points.kinds:
        lists.append(stops.contention)
    for kind, state in (("done", "done"), ("exception", "failed")):
        if kind in points.kinds and state in stops.by_state:
            lists.append(stops.by_state[state])
    if points.lines:
        scenario = trace.header.get("file")
        for sid, frames in stops.by_site.items():
            site = trace.site(sid)
            if site is not None and site[0] == scenario and site[1] in points.lines:
                lists.append(frames)
    return lists


def _ending_hits(trace: Trace, points: Breakpoints) -> bool:
    """The last frame hits because of how the run ended (a deadlock, an exception)."""
    if not trace.complete or not len(trace):
        return False
    return ("deadlock" in points.kinds and trace.outcome == "deadlock") or (
        "exception" in points.kinds and trace.outcome == "exception"
    )


def next_stop(trace: Trace, points: Breakpoints, after: int, direction: int = 1) -> int | None:
    """The nearest frame after frame `after` (direction 1) or before it (-1) that `hit` stops at, or None.

    Answered from the trace's StopIndex (bisects, no frame read), so it is
    the same frame a scan of `hit` over every frame would find.
    """
    if not points:
        return None
    found = nearest_of(_hit_lists(trace, points), after, direction)
    if _ending_hits(trace, points):
        last = len(trace) - 1
        if direction > 0 and last > after and (found is None or last < found):
            found = last
        if direction < 0 and last < after and (found is None or last > found):
            found = last
    return found
