"""Provides Breakpoints and `hit`: which recorded frame stops auto-run, and why.

A breakpoint is a question about the trace (did a task start to wait for a
lock here? did the run end in a deadlock?), so it is answered here, from the
frames and the world after them; the screens only ask the user which ones to set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.trace.model import Trace

KINDS = {
    "contention": "lock contention (a task starts to wait for a lock)",
    "done": "a task finishes",
    "exception": "an exception (a task or thread fails)",
    "deadlock": "deadlock (the run ends stuck)",
}
"""Each kind of event a breakpoint can stop at, and how the dialog offers it."""

LOCK_KINDS = frozenset({"Lock", "Semaphore", "BoundedSemaphore", "Condition"})
"""Resources whose waiters count as contention (a queue or an event being waited on does not)."""


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
