"""`concur-tui FILE --schedule S.json`: the app replays a found schedule with the settings it was found with.

Run in this process with the app replaced (no recording is started); the
replay itself, frame for frame, is tests/test_explore.py's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tui import cli
from tui.schedule_file import Schedule, source_hash
from tui.screens.main import AT_THE_END

PROGRAM = "import threading\nprint(threading.active_count())\n"


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def run_app(path: str, options: Any, *, watch: bool = False, start_at: int | None = None) -> int:
        calls.append({"path": path, "options": options, "watch": watch, "start_at": start_at})
        return 0

    monkeypatch.setattr(cli, "run_app", run_app)
    return calls


def saved_schedule(tmp_path: Path, program: Path, **settings: Any) -> Path:
    out = tmp_path / "found.json"
    Schedule([0, 3, 1], program.name, source_hash(program), "deadlock", "deadlock, cycle: ...", settings=settings).save(
        out
    )
    return out


def test_the_app_opens_at_the_failing_frame_with_the_schedules_settings(
    tmp_path: Path, opened: list[dict[str, Any]]
) -> None:
    program = tmp_path / "prog.py"
    program.write_text(PROGRAM, encoding="utf-8")
    schedule = saved_schedule(tmp_path, program, preempt="any", cores=2, seed=5, program_args=["x"])
    assert cli.main([str(program), "--schedule", str(schedule)]) == 0
    [call] = opened
    options = call["options"]
    assert options.policy == f"replay:@{schedule}"
    assert (options.preempt, options.cores, options.seed, options.program_args) == ("any", 2, 5, ("x",))
    assert call["start_at"] == AT_THE_END  # the last frame: where the run fails
    assert call["watch"] is False  # an edit would make the schedule another program's


def test_an_edited_program_refuses_its_schedule_in_one_line(
    tmp_path: Path, opened: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    program = tmp_path / "prog.py"
    program.write_text(PROGRAM, encoding="utf-8")
    schedule = saved_schedule(tmp_path, program)
    program.write_text(PROGRAM + "print('edited')\n", encoding="utf-8")
    assert cli.main([str(program), "--schedule", str(schedule)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"concur-tui: {schedule} was made for another version of prog.py: the source has changed since"]
    assert not opened


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"format": "concur-tui-schedule", "version": 9}', "schedule format version 9"),
        ('{"format": "something else"}', "not a concur-tui schedule file"),
        ('{"format": "concur-tui-schedule", "version": 1, "schedule": [-1]}', "list of whole numbers from 0"),
        ("[1, 2]", "not a concur-tui schedule file"),
    ],
)
def test_a_malformed_schedule_file_is_bad_usage(
    tmp_path: Path, opened: list[dict[str, Any]], capsys: pytest.CaptureFixture[str], text: str, problem: str
) -> None:
    program = tmp_path / "prog.py"
    program.write_text(PROGRAM, encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    assert cli.main([str(program), "--schedule", str(bad)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and problem in err[0], err
    assert not opened
