"""`concur-tui export`: SVG screenshots, the Markdown walkthrough and the Perfetto trace of one recording.

All but the last test read a saved trace (no process starts); the last one
records a bundled lesson end to end.
"""

from __future__ import annotations

import html
import json
import os
import re
import stat
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tui.cli import main
from tui.export.choices import MAX_SVG_FRAMES, ExportError, chosen_indexes, parse_frames
from tui.export.markdown import text
from tui.render.inert import inert
from tui.trace.model import Trace, load
from tui.trace.narrate import narrate

SAVED = Path(__file__).parent / "data" / "traces" / "04_lock_contention-py311.jsonl"
FRAMES = 37
"""Frames in SAVED (the lock lesson recorded on 3.11)."""


@pytest.fixture(scope="module")
def trace() -> Trace:
    return load(str(SAVED))


def export(capsys: pytest.CaptureFixture[str], *args: str, src: Path = SAVED) -> tuple[int, str, str]:
    status = main(["export", str(src), *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# -- Perfetto -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def perfetto(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("perfetto") / "trace.json"
    assert main(["export", str(SAVED), "--perfetto", str(out)]) == 0
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


def test_perfetto_events_have_the_fields_the_format_requires(perfetto: dict[str, Any], trace: Trace) -> None:
    events = perfetto["traceEvents"]
    assert isinstance(events, list) and events
    for event in events:
        assert {"name", "ph", "ts", "pid", "tid"} <= event.keys(), event
        assert isinstance(event["ts"], (int, float)) and isinstance(event["pid"], int) and isinstance(event["tid"], int)
    slices = [e for e in events if e["ph"] == "X"]
    assert len(slices) == len(trace) == FRAMES  # one slice per step
    assert all(e["dur"] >= 0 for e in slices)
    assert [e["args"]["frame"] for e in slices] == list(range(1, FRAMES + 1))
    # Every track with a slice is named, and so is every process.
    names = {(e["pid"], e["tid"]) for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    processes = {e["pid"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    assert {(e["pid"], e["tid"]) for e in slices} <= names
    assert {e["pid"] for e in slices} <= processes


def test_perfetto_flows_pair_by_id_from_the_waker_to_the_woken(perfetto: dict[str, Any]) -> None:
    events = perfetto["traceEvents"]
    starts = {e["id"]: e for e in events if e["ph"] == "s"}
    ends = {e["id"]: e for e in events if e["ph"] == "f"}
    assert starts and starts.keys() == ends.keys()
    assert Counter(e["id"] for e in events if e["ph"] in ("s", "f")) == Counter(dict.fromkeys(starts, 2))
    # A flow event binds to the slice open on its track at its time: the one just before it there.
    bound: dict[tuple[str, int], int] = {}
    last: dict[tuple[int, int], dict[str, Any]] = {}
    for event in events:
        track = (event["pid"], event["tid"])
        if event["ph"] == "X":
            last[track] = event
        elif event["ph"] in ("s", "f"):
            assert last[track]["ts"] == event["ts"]
            bound[event["ph"], event["id"]] = last[track]["args"]["frame"]
    for flow, start in starts.items():
        end = ends[flow]
        assert (start["name"], start["cat"]) == (end["name"], end["cat"]) and end["bp"] == "e"
        assert bound["s", flow] < bound["f", flow]
    # worker-1 releasing the lock (frame 15) wakes worker-3 (frame 16): an arrow between their tracks.
    tracks = {e["args"]["name"]: e["tid"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    handed_on = [
        (bound["s", flow], bound["f", flow])
        for flow, start in starts.items()
        if start["tid"] == tracks["worker-1 (T2)"] and ends[flow]["tid"] == tracks["worker-3 (T4)"]
    ]
    assert handed_on == [(15, 16)]
    instants = [e for e in events if e["ph"] == "i" and e["tid"] == tracks["worker-3 (T4)"]]
    assert {"woken": "worker-3", "by": "worker-1", "on": "Lock#1"} in [e["args"] for e in instants]


def test_exports_are_byte_identical_for_the_same_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for run in ("one", "two"):
        status, _out, _err = export(
            capsys, "--markdown", str(tmp_path / f"{run}.md"), "--perfetto", str(tmp_path / f"{run}.json")
        )
        assert status == 0
    assert (tmp_path / "one.md").read_bytes() == (tmp_path / "two.md").read_bytes()
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "two.json").read_bytes()


def test_perfetto_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = export(capsys, "--perfetto", "-")
    assert status == 0
    assert len([e for e in json.loads(out)["traceEvents"] if e["ph"] == "X"]) == FRAMES
    assert "stdout" in err


# -- SVG ------------------------------------------------------------------------------------


def screen_text(svg: str) -> str:
    """The text an SVG screenshot draws (its text runs, unescaped)."""
    return html.unescape("".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))).replace("\xa0", " ")


def test_svg_one_screenshot_per_chosen_frame(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "shots"
    status, _out, err = export(capsys, "--svg", str(directory), "--frames", "1,3-4", "--size", "100x30")
    assert status == 0, err
    assert sorted(p.name for p in directory.iterdir()) == ["frame-0001.svg", "frame-0003.svg", "frame-0004.svg"]
    for number in (1, 3, 4):
        svg = (directory / f"frame-{number:04d}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<svg")
        # The status bar says which frame it is, and only that one.
        assert re.findall(r"frame \d+/\d+", screen_text(svg)) == [f"frame {number}/{FRAMES}"]


# -- Markdown -------------------------------------------------------------------------------


def sections(markdown: str) -> dict[str, str]:
    """Each `## ...` section's body, by its heading."""
    parts = re.split(r"^## (.+)$", markdown, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_markdown_has_one_section_per_frame_with_its_narration_time_and_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], trace: Trace
) -> None:
    out = tmp_path / "walk.md"
    assert export(capsys, "--markdown", str(out))[0] == 0
    found = sections(out.read_text(encoding="utf-8"))
    frames = [heading for heading in found if heading.startswith("Frame ")]
    assert len(frames) == FRAMES and list(found)[-1] == "Outcome"
    for index, heading in enumerate(frames):
        world = trace.state_at(index)
        assert heading.startswith(f"Frame {index + 1}/{FRAMES}: ")
        assert heading.endswith(f"t={world.time:.3f}s")
        body = found[heading]
        before = trace.state_at(index - 1) if index else None
        assert text(narrate(trace.frame(index), world, before), starts_line=True) in body
        for actor in world.actors.values():
            assert f"`{actor.name}` (`{actor.id}`)" in body
    seventh = found[frames[6]]  # worker-1 takes the lock and prints
    assert "- `lock (Lock#1)`: locked by worker-1" in seventh
    assert "```text\nworker-1 wants the lock at t=0.0s\nworker-1 holds the lock\n```" in seventh
    assert "outcome: completed" in found["Outcome"]


def test_markdown_of_chosen_frames(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = export(capsys, "--markdown", "-", "--frames", "16,2")
    assert status == 0
    assert [h.split(":")[0] for h in sections(out) if h.startswith("Frame")] == ["Frame 2/37", "Frame 16/37"]


HOSTILE_NAME = "# <img src=x onerror=alert(1)> [click](javascript:x) *bold* `code` \x1b]0;title\x07 http://evil.example"
HOSTILE_OUTPUT = "```\n# not a heading\n````\n<script>alert(1)</script>\n\x1b[2J"


def test_markdown_keeps_program_text_from_becoming_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = SAVED.read_text(encoding="utf-8")
    saved = saved.replace('"worker-1"', json.dumps(HOSTILE_NAME)).replace(
        '"out":"worker-1 wants the lock at t=0.0s\\nworker-1 holds the lock\\n"', f'"out":{json.dumps(HOSTILE_OUTPUT)}'
    )
    assert HOSTILE_NAME[:5] in json.loads(saved.splitlines()[1])["new"][1]["name"]
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_text(saved, encoding="utf-8")
    status, out, _err = export(capsys, "--markdown", "-", src=hostile)
    assert status == 0
    assert "\x1b" not in out and "\x07" not in out
    outside_fences, fence = [], None
    for line in out.splitlines():
        if fence is None and line.startswith("```"):
            fence = re.match(r"`+", line)[0]  # type: ignore[index]
        elif fence is not None and line == fence:
            fence = None
        elif fence is None:
            outside_fences.append(line)
    assert fence is None  # every block closes where it should, not inside the program's output
    prose = "\n".join(outside_fences)
    assert f"``{inert(HOSTILE_NAME)}``" in prose  # the name itself, whole, as a code span
    assert not [line for line in outside_fences if line.startswith("#") and not line.startswith(("# Walk", "## "))]
    prose = prose.replace(f"``{inert(HOSTILE_NAME)}``", "")  # the code spans: nothing in them is read
    for opening in (r"<img", r"<script", r"\[click", r"\*bold", r"`code", r"http:"):
        assert not re.search(r"(?<!\\)" + opening, prose), opening  # each one escaped wherever it is
    assert "<script>alert(1)</script>" in out  # the output, verbatim, inside its fence


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "say what to write"),
        (["--markdown", "-", "--frames", "0"], "numbered from 1"),
        (["--markdown", "-", "--frames", "5-2"], "runs backwards"),
        (["--markdown", "-", "--frames", "x"], "'x' is not a frame number"),
        (["--markdown", "-", "--frames", "1,"], "an empty part"),
        (["--markdown", "-", "--frames", "38"], "frame 38 is beyond the last frame (37)"),
        (["--svg", "DIR", "--size", "10x2"], "--size: 10x2 is outside"),
        (["--svg", "DIR", "--size", "wide"], "--size: 'wide' is not COLUMNSxROWS"),
        (["--markdown", "FILE/walk.md"], "--markdown: no such directory"),
        (["--perfetto", "TMP"], "is a directory"),
        (["--svg", "FILE"], "--svg: FILE is not a directory"),
        (["--markdown", "-", "--perfetto", "-"], "only one of --markdown and --perfetto"),
    ],
)
def test_bad_choices_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    (tmp_path / "FILE").write_text("x", encoding="utf-8")
    places = {"DIR": str(tmp_path / "shots"), "FILE": str(tmp_path / "FILE"), "TMP": str(tmp_path)}
    args = [re.sub(r"^(DIR|FILE|TMP)", lambda m: places[m[1]], arg) for arg in args]
    status, out, err = export(capsys, *args)
    assert status == 2
    assert out == ""
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert says.replace("FILE", places["FILE"]) in err
    assert not (tmp_path / "shots").exists()  # nothing was written


def test_frame_lists_and_the_svg_cap() -> None:
    assert parse_frames(" 3 - 5 ,1,4") == [1, 3, 4, 5]
    assert chosen_indexes([1, 3], FRAMES) == [0, 2]
    assert chosen_indexes(None, MAX_SVG_FRAMES, cap=MAX_SVG_FRAMES) == list(range(MAX_SVG_FRAMES))
    with pytest.raises(ExportError, match=r"more than the 200 SVGs .* --frames 1-200"):
        chosen_indexes(None, MAX_SVG_FRAMES + 1, cap=MAX_SVG_FRAMES)


def test_a_missing_source_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = export(capsys, "--markdown", "-", src=tmp_path / "nope.py")
    assert status == 2 and len(err.splitlines()) == 1 and "no such file" in err


def test_a_trace_of_another_format_version_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    future = tmp_path / "future.jsonl"
    future.write_text(SAVED.read_text(encoding="utf-8").replace('"version":1,', '"version":99,', 1), encoding="utf-8")
    status, out, err = export(capsys, "--markdown", str(tmp_path / "walk.md"), src=future)
    assert (status, out) == (2, "")
    assert len(err.splitlines()) == 1 and "version" in err and "Traceback" not in err
    assert not (tmp_path / "walk.md").exists()


def test_an_existing_output_is_replaced_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "walk.md"
    out.write_text("old notes\n", encoding="utf-8")
    assert export(capsys, "--markdown", str(out), "--frames", "1")[0] == 0
    assert out.read_text(encoding="utf-8").startswith("# Walkthrough of `04_lock_contention.py`")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["walk.md"]  # no temporary file left behind


def test_a_link_or_a_device_is_written_through_not_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("old\n", encoding="utf-8")
    link = tmp_path / "latest.md"
    link.symlink_to(notes)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    read: list[bytes] = []
    reader = threading.Thread(target=lambda: read.append(fifo.read_bytes()), daemon=True)
    reader.start()
    status, _out, err = export(capsys, "--markdown", str(link), "--perfetto", str(fifo), "--frames", "1")
    reader.join(10)
    assert status == 0, err
    assert link.is_symlink() and notes.read_text(encoding="utf-8").startswith("# Walkthrough")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still the pipe: `/dev/null` or `/dev/stdout` stay what they are
    assert json.loads(read[0])["traceEvents"]


# -- end to end -----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_program_is_recorded_then_exported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SRC as a program: recorded with the record options, then written as a saved trace would be."""
    program = tmp_path / "sleepy.py"
    program.write_text(
        "import asyncio\nasync def nap(n):\n    await asyncio.sleep(n)\n"
        "async def main():\n    await asyncio.gather(nap(1), nap(2))\nasyncio.run(main())\n",
        encoding="utf-8",
    )
    walk, events = tmp_path / "walk.md", tmp_path / "trace.json"
    status, _out, err = export(capsys, "--markdown", str(walk), "--perfetto", str(events), "--seed", "3", src=program)
    assert status == 0, err
    slices = [e for e in json.loads(events.read_text(encoding="utf-8"))["traceEvents"] if e["ph"] == "X"]
    headings = [h for h in sections(walk.read_text(encoding="utf-8")) if h.startswith("Frame ")]
    assert len(slices) == len(headings) > 0
    assert max(e["ts"] + e["dur"] for e in slices) == pytest.approx(2e6)  # two seconds of virtual time
    assert "seed 3" in walk.read_text(encoding="utf-8")
