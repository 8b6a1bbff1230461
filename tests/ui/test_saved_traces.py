"""A saved trace is known by its content, opens without its source or any code run, and `s` writes one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pilot_helpers import notifications, wait_recorded, wait_until

from tui import cli
from tui.app import ConcurApp
from tui.screens.prompt import PromptScreen
from tui.sources import is_saved_trace
from tui.widgets.lineview import LineView

pytestmark = pytest.mark.slow  # they record a program

PROGRAM = """\
import asyncio

async def worker(name, lock):
    async with lock:
        print(name, "has the lock")
        await asyncio.sleep(0.1)

async def main():
    lock = asyncio.Lock()
    await asyncio.gather(*(worker(f"w{n}", lock) for n in range(3)))

asyncio.run(main())
"""


def _trace_json(program: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> bytes:
    assert cli.main(["trace", str(program), "--json"]) == 0
    return capsysbinary.readouterr().out


def _screen_text(app: ConcurApp) -> list[list[str]]:
    """What every panel paints (rows as text), in order."""
    return [
        [view.render_line(y).text for y in range(view.scrollable_content_region.height)]
        for view in app.main.query(LineView)
        if view.display
    ]


async def _every_frame(app: ConcurApp, pilot) -> list[list[list[str]]]:
    shown = []
    for index in range(len(app.main.trace)):
        app.main.seek(index)
        await pilot.pause()
        shown.append(_screen_text(app))
    return shown


async def test_a_saved_trace_reopens_identically_with_its_source_deleted(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    program = tmp_path / "locks.py"
    program.write_text(PROGRAM, encoding="utf-8")
    saved = tmp_path / "run"  # no extension: known by its content
    saved.write_bytes(_trace_json(program, capsysbinary))
    assert is_saved_trace(str(saved)) and not is_saved_trace(str(program))

    live = ConcurApp(program)
    async with live.run_test(size=(160, 48)) as pilot:
        await wait_recorded(pilot, live)
        recorded = await _every_frame(live, pilot)

    program.unlink()
    reopened = ConcurApp(saved, saved=True)
    async with reopened.run_test(size=(160, 48)) as pilot:
        await wait_recorded(pilot, reopened)
        assert reopened.main.recording is not None and not hasattr(reopened.main.recording, "process")
        assert await _every_frame(reopened, pilot) == recorded
        assert len(recorded) > 5


def test_the_cli_opens_a_saved_trace_by_content_and_refuses_another_version_in_one_line(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    program = tmp_path / "locks.py"
    program.write_text(PROGRAM, encoding="utf-8")
    lines = _trace_json(program, capsysbinary).decode().splitlines()
    saved = tmp_path / "run.txt"
    saved.write_text("\n".join(lines) + "\n")
    opened: dict[str, object] = {}

    def start_app(
        path: Path,
        options: object,
        *,
        saved: bool,
        recording: object,
        watch: bool,
        start_at: int | None,
        only: object = None,
        pick: bool = False,
    ) -> int:
        assert only is None and not pick, "a program opened on the command line is no served session"
        opened.update(path=path, saved=saved, recording=recording, watch=watch, start_at=start_at)
        return 0

    monkeypatch.setattr("tui.app.run_app", start_app)
    assert cli.main([str(saved)]) == 0
    assert opened == {"path": saved, "saved": True, "recording": None, "watch": False, "start_at": None}
    assert cli.main([str(saved), "--start-at", "3"]) == 0
    assert opened["start_at"] == 3

    first = json.loads(lines[0])
    first["trace"]["version"] = 99
    newer = tmp_path / "newer"
    newer.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    assert cli.main([str(newer)]) == cli.EXIT_USAGE
    err = capsysbinary.readouterr().err.decode()
    assert err.count("\n") == 1 and "version 99 is not supported" in err


async def test_s_saves_the_trace_as_trace_json_writes_it(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    program = tmp_path / "locks.py"
    program.write_text(PROGRAM, encoding="utf-8")
    expected = _trace_json(program, capsysbinary)
    app = ConcurApp(program)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_recorded(pilot, app)
        await pilot.press("s")
        assert isinstance(app.screen, PromptScreen)
        target = tmp_path / "mine.jsonl"
        app.screen.query_one("#answer").value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, target.exists, "the trace saved")
        assert any("Saved the trace" in note for note in notifications(app))
    assert target.read_bytes() == expected  # the same program, recorded again: the same bytes
