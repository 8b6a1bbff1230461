"""The streamed `trace` listing says exactly what the listing built from a whole Trace says, byte for byte.

`print_listing` folds each frame as it arrives, narrates it from a World and
as little of the world before it as narrate() reads (narrate.what_before), and
writes plain text itself when nothing is styled. The oracle here is the
listing as it was first built: every line read into a Trace, each frame's line
from `state_at`, printed through Rich. No process is started: the traces are
saved ones (tests/data/traces, tests/data/listing) and broken copies of them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from listing_helpers import (
    LinesOnly,
    colour_console,
    expected_listing,
    listing_through_a_trace,
    plain_console,
    streamed_plain,
    text_of,
)
from rich.console import Console

from tui.render import listing
from tui.render.listing import print_listing
from tui.sources import SavedTrace

DATA = Path(__file__).resolve().parent / "data"
SAVED = sorted((DATA / "traces").glob("*.jsonl")) + sorted((DATA / "listing").glob("*.jsonl"))


def expected(path: Path, console: Console) -> str:
    return expected_listing(SavedTrace(str(path)).lines(), console)


@pytest.mark.parametrize("path", SAVED, ids=lambda path: path.stem)
def test_the_plain_listing_is_the_listing_of_the_whole_trace(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    want = expected(path, plain_console())
    assert want.count("\n") > 10
    assert streamed_plain(SavedTrace(str(path)), monkeypatch) == want


@pytest.mark.parametrize("path", SAVED, ids=lambda path: path.stem)
def test_the_coloured_listing_is_the_listing_of_the_whole_trace(path: Path) -> None:
    console = colour_console()
    print_listing(SavedTrace(str(path)), console)
    assert "\x1b[" in text_of(console)
    assert text_of(console) == expected(path, colour_console())


@pytest.mark.parametrize("path", SAVED[:3], ids=lambda path: path.stem)
def test_a_source_without_records_is_listed_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = list(SavedTrace(str(path)).lines())
    assert streamed_plain(LinesOnly(lines), monkeypatch) == expected(path, plain_console())


def test_the_plain_path_writes_text_not_rich_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    printed: list[object] = []
    monkeypatch.setattr(Console, "print", lambda self, *objects, **options: printed.append(objects))
    out = streamed_plain(SavedTrace(str(SAVED[0])), monkeypatch)
    assert out.count("\n") > 10
    assert len(printed) == 1  # the summary, and only it, goes through Rich


def test_the_saved_sources_records_are_their_lines_parsed() -> None:
    for path in SAVED:
        source = SavedTrace(str(path))
        records = list(source.records())
        assert [line for line, _record in records] == list(SavedTrace(str(path)).lines())
        assert all(record == json.loads(line) for line, record in records)


def broken_copies(tmp_path: Path) -> dict[str, Path]:
    """A saved trace spoiled the ways a file can be: each one still lists (the frames before the damage)."""
    lines = (DATA / "traces" / "04_lock_contention-py311.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    frames, summary = lines[:-1], lines[-1]
    bad = json.loads(frames[5])
    bad["t"] = "soon"
    variants = {
        "junk-after-the-summary": [*lines, "not json\n"],
        "a-second-summary": [*lines, summary],
        "a-bad-field": [*frames[:5], json.dumps(bad) + "\n", *frames[6:], summary],
        "no-summary": frames,
        "cut-mid-line": [*frames, summary[: len(summary) // 2]],
        "blank-lines": [frames[0], "\n", *frames[1:4], "   \n", *frames[4:], summary],
        "empty": [],
        "frames-out-of-order": [frames[0], frames[2], frames[1], *frames[3:], summary],
    }
    paths = {}
    for name, content in variants.items():
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(content), encoding="utf-8")
        paths[name] = path
    return paths


def test_broken_files_are_listed_as_through_a_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, path in broken_copies(tmp_path).items():
        want = expected(path, plain_console())
        assert "outcome: " in want, name
        assert streamed_plain(SavedTrace(str(path)), monkeypatch) == want, name
        # Every line handed over unchecked (a lines-only source): the listing's own check says the same.
        assert streamed_plain(LinesOnly(list(SavedTrace(str(path)).lines())), monkeypatch) == want, name


def test_bad_lines_from_a_lines_only_source_are_said_where_they_were(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = list(SavedTrace(str(SAVED[0])).lines())
    given = [*lines[:3], "not json", lines[3], '{"summary": {"outcome": "completed", "frames": 1}}', *lines[4:]]
    want_console = plain_console()
    listing_through_a_trace(iter(given), want_console)
    want = text_of(want_console)
    assert want.count("bad trace line: ") >= 2
    assert streamed_plain(LinesOnly(given), monkeypatch) == want


def test_program_output_is_inert_and_under_its_frame(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lines = (DATA / "traces" / "04_lock_contention-py311.jsonl").read_text(encoding="utf-8").splitlines()
    frame = json.loads(lines[3])
    frame["out"] = "first\x1b]0;title\x07\nsecond\tcol\n"
    frame["err"] = "oops\x9b2J\n"
    lines[3] = json.dumps(frame, ensure_ascii=False)
    path = tmp_path / "printed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = streamed_plain(SavedTrace(str(path)), monkeypatch)
    assert out == expected(path, plain_console())
    assert "         │ first␛]0;title␇\n         │ second  col\n         │ oops\\x9b2J\n" in out
    assert "\x1b" not in out and "\x07" not in out


def test_a_slow_stream_is_written_as_it_comes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines are written in batches, but never held longer than FLUSH_SECONDS while frames keep coming."""
    lines = list(SavedTrace(str(SAVED[0])).lines())
    stdout = io.StringIO()
    seen: list[int] = []

    class Watched(LinesOnly):
        def lines(self) -> Iterator[str]:
            for line in self._lines:
                seen.append(stdout.getvalue().count("\n"))
                yield line

    clock = iter(float(tick) for tick in range(10_000))
    monkeypatch.setattr(listing.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr("sys.stdout", stdout)
    print_listing(Watched(lines))
    assert seen[-1] >= len(lines) - 3  # each frame was out before the next line was read (the clock runs fast)
