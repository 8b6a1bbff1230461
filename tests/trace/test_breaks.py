"""Breakpoints: which frame of a saved trace stops auto-run, and the reason said for it."""

from __future__ import annotations

import json
from pathlib import Path

from tui.trace.breaks import KINDS, Breakpoints, hit
from tui.trace.model import Trace, load, load_lines

TRACES = Path(__file__).resolve().parents[1] / "data" / "traces"
LOCK = TRACES / "04_lock_contention-py311.jsonl"
EXECUTOR = TRACES / "13_run_in_executor-py311.jsonl"


def hits(trace: Trace, points: Breakpoints) -> list[tuple[int, str]]:
    return [(i, reason) for i in range(len(trace)) if (reason := hit(trace, i, points)) is not None]


def ending_as(outcome: str, failing: int | None = None) -> Trace:
    """The lock trace, its summary saying `outcome`, and frame `failing` (a task finishing) failing instead."""
    lines = LOCK.read_text(encoding="utf-8").splitlines()
    if failing is not None:
        frame = json.loads(lines[failing])
        assert frame["st"] == "done"
        frame.update(st="failed", error="ValueError: no money")
        lines[failing] = json.dumps(frame)
    summary = json.loads(lines[-1])
    summary["summary"]["outcome"] = outcome
    lines[-1] = json.dumps(summary)
    return load_lines(lines)


def test_no_breakpoints_hit_nothing() -> None:
    points = Breakpoints()
    assert not points and points.describe() == "none"
    assert hits(load(str(LOCK)), points) == []


def test_contention_stops_where_a_task_starts_to_wait_for_a_lock() -> None:
    found = hits(load(str(LOCK)), Breakpoints({"contention"}))
    assert [i for i, _ in found] == [8, 10, 12]  # three workers queue behind the first
    assert all(reason == "lock contention on lock (Lock#1)" for _, reason in found)


def test_waiting_for_something_that_is_not_a_lock_is_no_contention() -> None:
    trace = load(str(EXECUTOR))
    waits = [i for i in range(len(trace)) if trace.frame(i).get("st") in ("wait", "blocked")]
    assert len(waits) > 5  # on gather, executors, a thread starting: none of them a lock
    assert hits(trace, Breakpoints({"contention"})) == []


def test_done_stops_at_each_task_or_thread_that_finishes() -> None:
    found = hits(load(str(LOCK)), Breakpoints({"done"}))
    assert found[0] == (14, "worker-1 finished")
    assert found[-1] == (36, "MainThread finished")
    assert len(found) == 8


def test_exception_stops_where_a_task_fails_and_where_the_run_raised() -> None:
    trace = ending_as("exception", failing=14)
    last = len(trace) - 1
    assert hits(trace, Breakpoints({"exception"})) == [
        (14, "worker-1 failed: ValueError: no money"),
        (last, "the program raised"),
    ]
    assert hits(load(str(LOCK)), Breakpoints({"exception"})) == []


def test_deadlock_stops_only_at_the_last_frame_of_a_run_that_ended_stuck() -> None:
    trace = ending_as("deadlock")
    assert hits(trace, Breakpoints({"deadlock"})) == [(len(trace) - 1, "deadlock")]
    assert hits(load(str(LOCK)), Breakpoints({"deadlock"})) == []


def test_the_end_of_a_run_still_streaming_is_no_deadlock_yet() -> None:
    whole = ending_as("deadlock")
    streaming = Trace()
    for index in range(len(whole)):
        streaming.add_line(whole.line(index))  # every frame, not the summary
    assert not streaming.complete
    assert hits(streaming, Breakpoints({"deadlock"})) == []


def test_a_line_breakpoint_stops_where_a_task_stops_at_that_line_of_the_scenario() -> None:
    points = Breakpoints(lines={42})
    assert points.describe() == "line 42"
    assert hits(load(str(LOCK)), points) == [(8, "line 42"), (10, "line 42"), (12, "line 42")]


def test_kinds_and_lines_together_say_the_first_reason_that_applies() -> None:
    points = Breakpoints({"contention", "done"}, {42})
    assert points.describe() == "contention, done, line 42"
    found = dict(hits(load(str(LOCK)), points))
    assert found[8] == "lock contention on lock (Lock#1)"  # contention is checked before the line
    assert found[14] == "worker-1 finished"
    assert set(KINDS) == {"contention", "done", "exception", "deadlock"}
