"""Provides a lesson's goal: what a person playing the scheduler tries to make happen, and whether a run did.

A bundled lesson (or any program) may say in its docstring, on a line of its
own, `Goal: make it deadlock` or `Goal: make the assert fail`. The program
stays a plain Python file that runs unchanged; the line is only words to
CPython. What counts as reaching it is read from the trace:

    "deadlock" in the goal     the run ended as a deadlock
    "assert" in the goal       an AssertionError nobody caught, in any thread or task
    "exception" or "raise"     any exception nobody caught, in any thread or task
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.trace.model import Trace

_GOAL_LINE = re.compile(r"^\s*Goal:\s*(?P<words>\S.*?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Goal:
    words: str
    """The goal as the lesson says it ("make it deadlock")."""
    kind: str
    """"deadlock", "assert" or "exception"."""

    def reached(self, trace: Trace) -> bool:
        """Whether the run on screen did what the goal asks (read from its end and its failed actors)."""
        summary = trace.summary or {}
        if self.kind == "deadlock":
            return summary.get("outcome") == "deadlock"
        errors = [str((summary.get("report") or {}).get("type") or "")] if summary.get("outcome") == "exception" else []
        errors += [
            str(frame.get("error", "")).partition(":")[0] for frame in trace.frames() if frame.get("st") == "failed"
        ]
        if self.kind == "assert":
            return "AssertionError" in errors
        return any(errors)


def goal_of(trace: Trace) -> Goal | None:
    """The goal the program's docstring declares, if it declares one it can be judged by."""
    lesson = trace.header.get("lesson")
    match = _GOAL_LINE.search(lesson) if isinstance(lesson, str) else None
    if match is None:
        return None
    words = match.group("words")
    lowered = words.lower()
    for kind, keys in (("deadlock", ("deadlock",)), ("assert", ("assert",)), ("exception", ("exception", "raise"))):
        if any(key in lowered for key in keys):
            return Goal(words, kind)
    return None
