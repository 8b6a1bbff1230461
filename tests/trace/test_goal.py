"""A lesson's goal (`Goal: ...` in its docstring) is read from the trace's header, and judged from its end."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from tui.trace.goal import Goal, goal_of


def _trace(lesson: Any, outcome: str = "completed", frames: list[dict] | None = None, report: dict | None = None):
    summary = {"outcome": outcome, "report": report or {}}
    return SimpleNamespace(header={"lesson": lesson}, summary=summary, frames=lambda: iter(frames or []))


def test_a_goal_line_names_what_counts_and_other_docstrings_declare_none() -> None:
    assert goal_of(_trace("Title\n\nGoal: make it deadlock.\nMore words.")) == Goal("make it deadlock.", "deadlock")
    assert goal_of(_trace("  Goal:   make the assert fail  ")) == Goal("make the assert fail", "assert")
    assert goal_of(_trace("Goal: make something raise")).kind == "exception"
    assert goal_of(_trace("Goal: be happy")) is None, "a goal the trace cannot judge is no goal"
    assert goal_of(_trace("No goal here; the goal: is mid-line")) is None
    assert goal_of(_trace(None)) is None


def test_a_goal_is_reached_by_the_runs_end_or_by_any_thread_that_failed_so() -> None:
    deadlock, asserting, raising = Goal("", "deadlock"), Goal("", "assert"), Goal("", "exception")
    assert deadlock.reached(_trace("", "deadlock")) and not deadlock.reached(_trace("", "exception"))
    failed = _trace("", "completed", [{"st": "failed", "error": "AssertionError: overdrawn"}])
    assert asserting.reached(failed) and raising.reached(failed)
    raised = _trace("", "exception", report={"type": "ValueError"})
    assert raising.reached(raised) and not asserting.reached(raised)
    assert not raising.reached(_trace("", "completed", [{"st": "done"}]))
