"""LiveTrace: lines fed from a reading thread fold into the same Trace a file loads into, in time-boxed slices.

No process is started: the lines come from a saved recording (tests/data/traces).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from tui.trace.check import LineCheck, cut_summary
from tui.trace.live import LiveTrace, malformed_summary
from tui.trace.model import TraceFormatError, load

SAVED = Path(__file__).resolve().parents[1] / "data" / "traces" / "04_lock_contention-py311.jsonl"
LINES = SAVED.read_text(encoding="utf-8").splitlines()
FRAMES, SUMMARY = LINES[:-1], LINES[-1]


class Ticks:
    """A clock that moves one second each time it is read: a fold's budget is spent by counting reads."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def fed(lines: list[str], **kwargs: Any) -> LiveTrace:
    live = LiveTrace(**kwargs)
    for line in lines:
        live.feed(line)
    return live


def test_every_line_folded_is_the_trace_the_file_loads() -> None:
    live = fed(LINES)
    assert live.pending == len(LINES) and not live.finished
    folded = live.fold(budget=60.0)
    assert folded.frames == len(FRAMES) and folded.cut is None
    assert live.finished and live.pending == 0
    saved = load(str(SAVED))
    assert live.summary == saved.summary and live.outcome == "completed"
    assert [live.trace.line(i) for i in range(len(FRAMES))] == FRAMES
    assert live.problem is None


def test_a_fold_stops_when_its_budget_is_spent_and_the_next_one_goes_on() -> None:
    live = fed(LINES, clock=Ticks())
    # Each line costs one read of the clock; a budget of 3.5 reads folds three lines.
    assert live.fold(budget=3.5).frames == 3
    assert len(live.trace) == 3 and live.pending == len(LINES) - 3
    assert live.fold(budget=0.0).frames == 0  # a spent budget folds nothing
    folds = 0
    while not live.finished:
        assert live.fold(budget=10.5).frames <= 10
        folds += 1
    assert len(live.trace) == len(FRAMES) and folds == -(-(len(LINES) - 3) // 10)  # ten lines a fold


def test_nothing_is_finished_before_the_summary() -> None:
    live = fed(FRAMES)
    live.fold(budget=60.0)
    assert len(live.trace) == len(FRAMES) and not live.finished and live.summary is None


def test_a_malformed_line_ends_the_run_through_the_ending_with_the_good_frames_kept() -> None:
    calls: list[tuple[TraceFormatError, int, dict[str, Any] | None]] = []

    def ending(problem: TraceFormatError, frames: int, last: dict[str, Any] | None) -> str:
        calls.append((problem, frames, last))
        return json.dumps({"summary": {"outcome": "crashed", "frames": frames, "error": "stopped"}})

    live = fed([*FRAMES[:2], "garbage here", *FRAMES[2:]], ending=ending)
    live.fold(budget=60.0)
    assert len(live.trace) == 2 and live.outcome == "crashed" and live.finished
    [(problem, frames, last)] = calls
    assert problem.line == 3 and frames == 2 and last == json.loads(FRAMES[1])
    assert live.problem is not None and live.problem.startswith("line 3 is not JSON")
    assert live.summary is not None and live.summary["error"] == "stopped"


def test_without_an_ending_a_malformed_line_ends_the_run_as_crashed_saying_which_line() -> None:
    live = fed([FRAMES[0], json.dumps({**json.loads(FRAMES[1]), "t": "soon"})])
    live.fold(budget=60.0)
    assert live.outcome == "crashed" and len(live.trace) == 1
    error = live.summary["error"] if live.summary else ""
    assert error.startswith("the trace sent a malformed line after frame 1: line 2")
    assert '"t"' in error
    assert json.loads(malformed_summary(TraceFormatError("line 1 is not JSON", 1), 0))["summary"]["error"] == (
        "the trace sent a malformed line before its first frame: line 1 is not JSON"
    )


def test_a_broken_stream_ends_the_run_as_crashed_after_the_frames_folded() -> None:
    live = fed(FRAMES[:3])
    live.fail("cannot read the pipe")
    live.feed(FRAMES[3])  # the reader stopped: anything after the failure ends nothing more
    live.fold(budget=60.0)
    assert len(live.trace) == 3 and live.outcome == "crashed" and live.finished
    assert live.summary is not None and live.summary["error"] == "cannot read the pipe"
    assert live.summary["frames"] == 3


def test_lines_after_the_summary_are_dropped() -> None:
    live = fed([*LINES, "junk", FRAMES[0]])
    live.fold(budget=60.0)
    assert live.finished and live.outcome == "completed" and len(live.trace) == len(FRAMES)
    assert live.problem is None


def test_a_cut_trace_is_said_once_by_the_fold_that_reached_its_end() -> None:
    check = LineCheck()
    for line in FRAMES[:5]:
        check.read(line)
    cut = cut_summary(check, json.loads(FRAMES[4]), json.loads(FRAMES[0])["trace"], mid_line=True)
    live = fed([*FRAMES[:5], cut], clock=Ticks())
    said = [live.fold(budget=2.5).cut for _ in range(4)]
    assert said == [None, None, "the trace ends mid-line after frame 5", None]
    assert live.outcome == "cut" and live.trace.cut == "the trace ends mid-line after frame 5"


def test_a_closed_live_trace_drops_what_it_is_fed() -> None:
    live = fed(FRAMES[:4])
    live.close()
    assert live.closed and live.pending == 0
    live.feed(FRAMES[4])
    live.fail("late")
    assert live.pending == 0
    assert live.fold(budget=60.0).frames == 0 and len(live.trace) == 0


def test_lines_fed_from_another_thread_while_folding_arrive_whole_and_in_order() -> None:
    live = LiveTrace()

    def reader() -> None:
        for line in LINES:
            live.feed(line)

    thread = threading.Thread(target=reader)
    thread.start()
    while not live.finished:
        live.fold(budget=0.001)
    thread.join()
    assert [live.trace.line(i) for i in range(len(FRAMES))] == FRAMES and live.outcome == "completed"
