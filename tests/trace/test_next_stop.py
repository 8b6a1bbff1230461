"""`next_stop` (what `c` / `C` search) finds the very frame a brute-force scan of `hit` over every frame finds.

No process is started: the traces are saved recordings (a lock, a deadlock,
an exception), each checked for every breakpoint kind and line, from every
frame, both ways, and while the trace still streams in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.trace.breaks import KINDS, Breakpoints, hit, next_stop
from tui.trace.model import Trace, load

DATA = Path(__file__).resolve().parents[1] / "data"
SAVED = [
    DATA / "traces" / "04_lock_contention-py311.jsonl",
    DATA / "traces" / "13_run_in_executor-py312.jsonl",
    DATA / "listing" / "19_thread_deadlock-py311.jsonl",
    DATA / "listing" / "07_condition-py311.jsonl",
    DATA / "breaks" / "order_pipeline-py311.jsonl",
]


def brute_force(trace: Trace, points: Breakpoints, after: int, direction: int) -> int | None:
    """The nearest frame that `hit` stops at, by asking it of every frame in turn."""
    indexes = range(after + 1, len(trace)) if direction > 0 else range(min(after, len(trace)) - 1, -1, -1)
    return next((index for index in indexes if hit(trace, index, points)), None)


def scenario_lines(trace: Trace) -> set[int]:
    """Every line of the scenario that some frame stops at (and one that none does)."""
    scenario = trace.header.get("file")
    return {site[1] for site in trace.sites.values() if site[0] == scenario} | {9999}


def point_sets(trace: Trace) -> list[Breakpoints]:
    lines = sorted(scenario_lines(trace))
    sets = [Breakpoints({kind}) for kind in KINDS]
    sets += [Breakpoints(set(), {line}) for line in lines]
    sets.append(Breakpoints(set(KINDS), set(lines[::2])))
    return sets


@pytest.mark.parametrize("path", SAVED, ids=lambda path: path.stem)
def test_next_stop_is_the_first_frame_hit_stops_at_both_ways(path: Path) -> None:
    trace = load(str(path))
    for points in point_sets(trace):
        for after in range(-1, len(trace) + 1):
            for direction in (1, -1):
                expected = brute_force(trace, points, after, direction)
                assert next_stop(trace, points, after, direction) == expected, (points, after, direction)


def test_the_saved_traces_hit_every_kind_somewhere() -> None:
    """The comparison above means something: each kind stops at some frame of some trace."""
    traces = [load(str(path)) for path in SAVED]
    for kind in KINDS:
        assert any(next_stop(trace, Breakpoints({kind}), -1) is not None for trace in traces), kind


def test_a_streaming_trace_answers_from_the_frames_folded_so_far() -> None:
    lines = (DATA / "traces" / "04_lock_contention-py311.jsonl").read_text(encoding="utf-8").splitlines()
    whole = load(str(DATA / "traces" / "04_lock_contention-py311.jsonl"))
    points = Breakpoints({"done", "contention"}, scenario_lines(whole))
    growing = Trace()
    for line in lines[:-1]:
        growing.add_line(line)
        for after in range(-1, len(growing)):
            assert next_stop(growing, points, after) == brute_force(growing, points, after, 1)


def test_no_breakpoints_stop_nowhere() -> None:
    trace = load(str(SAVED[0]))
    assert next_stop(trace, Breakpoints(), -1) is None


def test_toggling_a_line_sets_then_clears_it() -> None:
    points = Breakpoints()
    assert points.toggle_line(12) and points.lines == {12}
    assert not points.toggle_line(12) and not points.lines
