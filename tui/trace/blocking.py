"""Provides what a blocking step is: a task's step that took virtual time without awaiting.

An event loop runs one step at a time, so while a coroutine sleeps with
`time.sleep()`, waits on a thread's lock or crunches numbers, no other task
runs and no timer fires. The trace shows it as virtual time inside a step:
a task frame's `d`, and, when the step's thread blocked inside it (st
"blocked"), the time until the frame that resumes it (why "resume"). The
narration says it per frame (`took_without_awaiting`); the lints gather a
whole step, across the frames it was cut into (`BlockingSteps`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.trace.schema import Frame

BLOCKING_SECONDS = 0.001
"""A step taking less virtual time than this is not called blocking: a step's own
bytecode costs some (3e-8 s an instruction), and a millisecond is what a loop notices."""

_CUT_SHORT = ("blocked", "running")
"""States a task frame ends in while its step goes on in a later frame (see format.py)."""


def took_without_awaiting(frame: Frame) -> float:
    """The virtual seconds this task frame ran without awaiting, when enough to block the loop (else 0)."""
    took = frame.get("d", 0.0)
    if took >= BLOCKING_SECONDS and frame.get("k") == "task" and frame.get("st") != "blocked":
        return took
    return 0.0


@dataclass
class BlockingStep:
    """One step of a task, from its first frame to the frame in which it awaited or ended."""

    actor: str
    frames: list[int] = field(default_factory=list)
    seconds: float = 0.0
    """Virtual time the step itself took: its frames' `d`, and the time its thread was blocked."""
    blocked_at: list[int] = field(default_factory=list)
    """Where its thread blocked inside the step (a blocking call's own line), if it did."""
    stopped_at: list[int] = field(default_factory=list)
    """Where the step awaited at last (empty when it ended the task)."""
    _blocked_since: float | None = None


class BlockingSteps:
    """Folds task frames in order and keeps the steps that took at least BLOCKING_SECONDS."""

    def __init__(self) -> None:
        self.found: list[BlockingStep] = []
        self._open: dict[str, BlockingStep] = {}

    def add(self, index: int, frame: Frame, internal: bool = False) -> None:
        """Take frame `index`; `internal` marks a task of asyncio's own, which is never reported."""
        if frame.get("k") != "task":
            return
        actor = frame["a"]
        why = frame.get("why") or [""]
        step = self._open.get(actor)
        if step is None or why[0] != "resume":
            step = self._open[actor] = BlockingStep(actor)
        if step._blocked_since is not None:
            step.seconds += max(0.0, frame["t"] - step._blocked_since)
            step._blocked_since = None
        step.frames.append(index)
        step.seconds += frame.get("d", 0.0)
        state = frame.get("st")
        if state == "blocked":
            step.blocked_at = list(frame.get("at") or step.blocked_at)
            step._blocked_since = frame["t"] + frame.get("d", 0.0)
        if state in _CUT_SHORT:
            return
        del self._open[actor]
        step.stopped_at = list(frame.get("at") or ())
        if step.seconds >= BLOCKING_SECONDS and not internal:
            self.found.append(step)
