"""Malformed traces fail with one TraceFormatError naming line and field; a cut trace keeps its frames.

The good lines are copied from a real recording (tests/data/traces), then
broken one way per test, the way a hand edit, a bad copy or a stray writer would.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tui import cli
from tui.sources import Recording
from tui.trace.model import TraceFormatError, load, load_lines

SAVED = Path(__file__).resolve().parents[1] / "data" / "traces" / "04_lock_contention-py311.jsonl"
GOOD = SAVED.read_text(encoding="utf-8").splitlines()
FRAMES, SUMMARY = GOOD[:-1], GOOD[-1]


def frame(index: int) -> dict[str, Any]:
    return json.loads(FRAMES[index])


def with_line(number: int, text: str) -> list[str]:
    """The good trace with line `number` (from 1) replaced."""
    lines = list(GOOD)
    lines[number - 1] = text
    return lines


def with_frame(index: int, **fields: Any) -> list[str]:
    record = frame(index)
    record.update(fields)
    return with_line(index + 1, json.dumps(record))


def refused(lines: list[str], line: int, field: str | None = None) -> TraceFormatError:
    with pytest.raises(TraceFormatError) as caught:
        load_lines(line_ + "\n" for line_ in lines)
    error = caught.value
    assert error.line == line and f"line {line}" in str(error), str(error)
    if field is not None:
        assert error.field == field and f'"{field}"' in str(error), str(error)
    return error


def test_the_good_trace_loads() -> None:
    trace = load(str(SAVED))
    assert len(trace) == len(FRAMES) and trace.outcome == "completed" and trace.cut is None


@pytest.mark.parametrize("text", ["{nope", "hello", "", "\x00\x01garbage"])
def test_a_line_that_is_not_json(text: str) -> None:
    lines = with_line(5, text)
    if not text:
        lines = [*GOOD[:4], "x", *GOOD[5:]]
    assert "is not JSON" in str(refused(lines, 5))


@pytest.mark.parametrize("text", ["[1, 2]", "7", "null", '"frame"'])
def test_json_that_is_not_an_object(text: str) -> None:
    assert "is not a JSON object" in str(refused(with_line(3, text), 3))


def test_another_format_or_version() -> None:
    header = frame(0)["trace"]
    other = refused(with_frame(0, trace={**header, "format": "chrome"}), 1, "trace.format")
    assert "not a concur-tui trace" in str(other)
    newer = refused(with_frame(0, trace={**header, "version": 2}), 1, "trace.version")
    assert "version 2 is not supported" in str(newer)
    summary = json.loads(SUMMARY)
    summary["summary"]["version"] = 2
    refused([*FRAMES, json.dumps(summary)], len(GOOD), "summary.version")


def test_a_missing_or_misplaced_header() -> None:
    first = frame(0)
    del first["trace"]
    assert "no header" in str(refused([json.dumps(first), *GOOD[1:]], 1, "trace"))
    refused(with_frame(4, trace=frame(0)["trace"]), 5, "trace")
    refused(with_frame(0, trace=[1, 2]), 1, "trace")
    refused(with_frame(0, trace={**frame(0)["trace"], "source": 42}), 1, "trace.source")
    refused(with_frame(0, trace={**frame(0)["trace"], "seed": "zero"}), 1, "trace.seed")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"t": "x"}, "t"),
        ({"t": None}, "t"),
        ({"a": 3}, "a"),
        ({"k": "teleport"}, "k"),
        ({"k": ["task"]}, "k"),
        ({"st": 5}, "st"),
        ({"h": "1"}, "h"),
        ({"why": {"new": 1}}, "why"),
        ({"why": [3]}, "why[0]"),
        ({"why": ["wake", ["nested"]]}, "why[1]"),
        ({"at": {"0": 1}}, "at"),
        ({"at": [1, "2"]}, "at[1]"),
        ({"ready": [[1]]}, "ready[0]"),
        ({"ready": [["1", "T1"]]}, "ready[0][0]"),
        ({"timers": [[1, 2.0, "T1"]]}, "timers[0]"),
        ({"set": []}, "set"),
        ({"set": {"Lock#1": [True]}}, "set.Lock#1"),
        ({"set": {"Lock#1": {"locked": "yes"}}}, "set.Lock#1.locked"),
        ({"set": {"Queue#1": {"items": [1, {"x": 2}]}}}, "set.Queue#1.items[0]"),
        ({"new": {"task": "T9"}}, "new"),
        ({"new": [{"task": 9, "name": "x"}]}, "new[0].task"),
        ({"new": [{"task": "T9"}]}, "new[0].name"),
        ({"new": [{"what": "T9"}]}, "new[0]"),
        ({"new": [{"thread": "Th9", "proc": "banana"}]}, "new[0].proc"),
        ({"sites": {"x": ["a.py", 1, "f"]}}, "sites.x"),
        ({"sites": {"1": ["a.py", "1", "f"]}}, "sites.1[1]"),
        ({"op": {"line": 1, "offset": 2, "ops": [[2, "NOP"]]}}, "op.ops[0]"),
        ({"core": 1000}, "core"),
        ({"exit": {"P1": "zero"}}, "exit.P1"),
        ({"names": {"T1": 5}}, "names.T1"),
        ({"out": ["text"]}, "out"),
    ],
)
def test_a_frame_field_of_the_wrong_type(fields: dict[str, Any], field: str) -> None:
    error = refused(with_frame(3, **fields), 4, field)
    assert "must be" in str(error)


def test_a_timer_frame_needs_its_due_time() -> None:
    timer = next(i for i in range(len(FRAMES)) if frame(i)["k"] == "timer")
    refused(with_frame(timer, why=["new", "T1"]), timer + 1, "why")


def test_a_missing_required_field() -> None:
    record = frame(2)
    del record["a"]
    refused(with_line(3, json.dumps(record)), 3, "a")


@pytest.mark.parametrize("value", [1.5, "2", True, None, 7])
def test_index_gaps_duplicates_and_wrong_types(value: Any) -> None:
    assert "frame 2 expected" in str(refused(with_frame(2, i=value), 3, "i"))


def test_a_duplicate_frame() -> None:
    refused([*GOOD[:3], GOOD[2], *GOOD[3:]], 4, "i")


@pytest.mark.parametrize(
    ("summary", "field"),
    [
        ([1, 2], "summary"),
        ("completed", "summary"),
        ({"outcome": 3}, "summary.outcome"),
        ({"outcome": "completed", "frames": "many"}, "summary.frames"),
        ({"outcome": "completed", "virtual_time": float("nan")}, "summary.virtual_time"),
        ({"outcome": "deadlock", "report": "stuck"}, "summary.report"),
        ({"outcome": "deadlock", "report": {"waits": [{"actor": "T1"}]}}, "summary.report.waits[0].name"),
        ({"outcome": "deadlock", "report": {"cycle": ["T1", "Lock#1"]}}, "summary.report.cycle"),
        ({"outcome": "exception", "report": {"traceback": ["x"]}}, "summary.report.traceback"),
    ],
)
def test_a_summary_that_is_not_an_object_or_has_wrong_types(summary: Any, field: str) -> None:
    refused([*FRAMES, json.dumps({"summary": summary})], len(GOOD), field)


def test_nothing_may_follow_the_summary() -> None:
    assert "after the summary" in str(refused([*GOOD, FRAMES[0]], len(GOOD) + 1))


@pytest.mark.parametrize("when", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_times_must_be_finite(when: str) -> None:
    line = FRAMES[3].replace('"t":0.0', f'"t":{when}', 1)
    assert line != FRAMES[3]
    assert "finite" in str(refused(with_line(4, line), 4, "t"))


def test_due_times_may_be_nan_or_infinite() -> None:
    """A program may arm a timer at NaN or sleep forever: the recorder writes what it was given."""
    record = frame(3)
    record["timers"] = [[99, float("inf"), "T1", "sleep"], [98, float("nan"), "T1", "print()"]]
    record["until"] = float("inf")
    trace = load_lines(with_line(4, json.dumps(record)))
    assert trace.outcome == "completed"


def test_binary_data_and_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "binary.jsonl"
    path.write_bytes(("\n".join(GOOD[:3]) + "\n").encode() + b"\xff\xfe\x00garbage\n" + SUMMARY.encode() + b"\n")
    with pytest.raises(TraceFormatError, match="line 4 is not UTF-8") as caught:
        load(str(path))
    assert caught.value.line == 4


def test_a_huge_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.trace import check

    monkeypatch.setattr(check, "MAX_LINE", len(GOOD[0]) + 10)  # the header, with the source, is the longest
    huge = json.dumps({**frame(2), "out": "x" * len(GOOD[0])})
    assert "longer than" in str(refused(with_line(3, huge), 3))
    path = tmp_path / "huge.jsonl"
    path.write_text("\n".join(with_line(3, huge)) + "\n", encoding="utf-8")
    with pytest.raises(TraceFormatError, match="line 3 is longer than"):
        load(str(path))


def test_deeply_nested_json() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    error = refused(with_line(3, deep), 3)
    assert "nested too deeply" in str(error) or "is not JSON" in str(error) or "not a JSON object" in str(error)
    nested = FRAMES[2][:-1] + ',"extra":' + "[" * 50 + "]" * 50 + "}"
    assert len(load_lines(with_line(3, nested))) == len(FRAMES)  # unknown fields are left alone


def test_an_empty_trace() -> None:
    with pytest.raises(TraceFormatError, match="empty"):
        load_lines([])


def test_a_trace_cut_mid_line_keeps_its_complete_frames(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join(FRAMES[:7]) + "\n" + FRAMES[7][:25], encoding="utf-8")
    trace = load(str(path))
    assert len(trace) == 7
    assert trace.outcome == "cut" and trace.cut == "the trace ends mid-line after frame 7"
    assert trace.summary is not None and trace.summary["frames"] == 7
    assert trace.state_at(6).index == 6


def test_a_trace_without_its_summary_keeps_its_frames() -> None:
    trace = load_lines(line + "\n" for line in FRAMES[:10])
    assert len(trace) == 10
    assert trace.cut == "the trace ends without its summary line after frame 10"


def test_a_cut_line_must_be_the_last() -> None:
    refused([*FRAMES[:3], FRAMES[3][:20] + "\n", *FRAMES[4:]], 4)
    with pytest.raises(TraceFormatError, match="line 4 is not JSON"):
        load_lines([*(line + "\n" for line in FRAMES[:3]), FRAMES[3][:20], FRAMES[4]])


def test_the_listing_and_json_of_a_saved_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(FRAMES[:5]) + "\n" + FRAMES[5][:30], encoding="utf-8")
    assert cli.main(["trace", str(cut)]) == cli.EXIT_RAISED
    out = capsys.readouterr().out
    assert "outcome: cut" in out and out.count("the trace ends mid-line after frame 5") == 1
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(with_frame(3, t="x")) + "\n", encoding="utf-8")
    assert cli.main(["trace", str(broken)]) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and 'line 4: "t" must be a finite number' in captured.err
    assert "Traceback" not in captured.out + captured.err


# -- the recording pipe -----------------------------------------------------------------------------

GARBAGE = [
    ("garbage here\n", "line 3 is not JSON"),
    (json.dumps({**frame(2), "t": "x"}) + "\n", 'line 3: "t" must be a finite number'),
    ('{"summary": 5}\n', 'line 3: "summary" must be an object'),
    ("\xff\n", None),
]


class FakeRecording(Recording):
    """A 'recording process' that writes two good frames, then `tail`, into the pipe (a stray writer)."""

    tail = ""
    tail_bytes = b""

    def _command(self, out_fd: int) -> list[str]:
        script = (
            "import os, sys\n"
            "fd = int(sys.argv[1])\n"
            "os.write(fd, sys.argv[2].encode())\n"
            "os.write(fd, sys.argv[3].encode() if sys.argv[3] else b'\\xff\\xfe\\n')\n"
            "os.write(fd, sys.argv[4].encode())\n"
        )
        good = "\n".join(FRAMES[:2]) + "\n"
        return [sys.executable, "-c", script, str(out_fd), good, self.tail, SUMMARY + "\n"]


def fake(tail: str) -> type[FakeRecording]:
    return type("Fake", (FakeRecording,), {"tail": "" if tail.startswith("\xff") else tail})


@pytest.mark.slow
@pytest.mark.parametrize(("tail", "said"), GARBAGE)
def test_a_malformed_recording_pipe_ends_the_run_as_crashed(
    tail: str, said: str | None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = fake(tail)("x.py")
    trace = load_lines(recording.lines())
    assert len(trace) == 2 and trace.outcome == "crashed"
    error = trace.summary["error"] if trace.summary else ""
    assert error.startswith("the recording pipe sent a malformed line after frame 2: line 3")
    assert said is None or said in error
    assert recording.summary == trace.summary

    monkeypatch.setattr(cli, "Recording", fake(tail))
    program = SAVED.parent / "x.py"
    for args in (["trace", str(program)], ["trace", "--json", str(program)]):
        monkeypatch.setattr(cli, "_scenario_path", lambda given: str(program))
        assert cli.main(args) == cli.EXIT_RAISED
        captured = capsys.readouterr()
        assert "Traceback" not in captured.out + captured.err
        shown = captured.out if "--json" not in args else captured.err
        assert shown.count("the recording pipe sent a malformed line after frame 2") == 1
        if "--json" in args:
            lines = captured.out.splitlines()
            assert lines[:2] == FRAMES[:2] and json.loads(lines[2])["summary"]["outcome"] == "crashed"
            assert len(lines) == 3


@pytest.mark.slow
async def test_the_app_ingest_keeps_the_good_frames_and_ends_as_crashed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app folds unchecked lines (no second parse) and ends the run through the same Recording.malformed."""
    from pilot_helpers import wait_recorded

    from tui.app import ConcurApp
    from tui.screens import main

    monkeypatch.setattr(main, "Recording", fake("garbage here\n"))
    app = ConcurApp(SAVED.parent / "x.py")
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_recorded(pilot, app)
        trace = app.main.trace
        assert len(trace) == 2 and trace.outcome == "crashed"
        assert trace.summary is not None
        assert trace.summary["error"].startswith("the recording pipe sent a malformed line after frame 2: line 3")
        assert app.main.problem is not None and "line 3 is not JSON" in app.main.problem
