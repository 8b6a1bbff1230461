"""Traces cross CPython versions: one recorded on any supported version opens and steps on any other.

`tests/data/traces/` holds lessons recorded on 3.11, 3.12 and 3.13 (regenerate
with `concur-tui trace LESSON --json > tests/data/traces/LESSON-py3XX.jsonl`
under each version); every test here reads all of them, whichever Python
runs the suite. The last test records with each *other* CPython installed
on the machine and compares with this one's recording.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SCENARIOS, record
from pilot_helpers import wait_recorded

import tui
from tui.app import ConcurApp
from tui.trace.model import load, load_lines
from tui.trace.narrate import narrate
from tui.trace.state import World
from tui.widgets.status import StatusBar

TRACES = Path(__file__).resolve().parents[1] / "data" / "traces"
SAVED = sorted(TRACES.glob("*.jsonl"))
REPO = Path(tui.__file__).resolve().parents[1]


def recorded_on(path: Path) -> str:
    """'3.12' for LESSON-py312.jsonl."""
    digits = re.search(r"-py3(\d+)\.jsonl$", path.name)
    assert digits, path.name
    return f"3.{digits[1]}"


def test_traces_of_every_supported_version_are_here() -> None:
    assert {recorded_on(path) for path in SAVED} == {"3.11", "3.12", "3.13"}


@pytest.mark.parametrize("path", SAVED, ids=[p.stem for p in SAVED])
def test_a_trace_from_any_version_folds_and_narrates_here(path: Path) -> None:
    trace = load(str(path))
    assert trace.header["python"].startswith(recorded_on(path) + ".")
    assert trace.summary is not None and trace.summary["outcome"] == "completed"
    assert len(trace) == trace.summary["frames"] > 5
    world = World()
    for frame in trace.frames():
        before = world.snapshot()
        world.apply(frame)
        sentence = narrate(frame, world, before)
        assert sentence.endswith(".") and "None" not in sentence.replace("'None'", "")
    final = trace.state_at(len(trace) - 1)
    assert all(actor.ended for actor in final.tasks())
    picked = [0, len(trace) // 2, len(trace) - 1]
    assert [trace.state_at(i).index for i in picked] == picked


def status(app: ConcurApp) -> str:
    return str(app.main.query_one(StatusBar).render())


def in_the_app(path: Path) -> Any:
    """The lock lesson's traces open in the app in the fast run too: a pilot test that starts no process.
    The other lessons' take as long each (about 0.7 s) and show nothing more there, so they are slow."""
    marks = () if path.name.startswith("04_lock_contention-") else pytest.mark.slow
    return pytest.param(path, id=path.stem, marks=marks)


@pytest.mark.parametrize("path", [in_the_app(path) for path in SAVED])
async def test_a_trace_from_any_version_opens_and_steps_in_the_app(path: Path) -> None:
    app = ConcurApp(path, saved=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_recorded(pilot, app)
        total = len(app.main.trace)
        assert total == app.main.trace.summary["frames"]
        assert app.main.cursor == 0 and f"frame 1/{total}" in status(app)
        await pilot.press("right", "right", "right")
        assert app.main.cursor == 3 and f"frame 4/{total}" in status(app)
        await pilot.press("left")
        assert app.main.cursor == 2
        await pilot.press("end")
        assert f"frame {total}/{total}" in status(app) and "completed" in status(app)


def other_pythons() -> dict[str, Path]:
    """Interpreters of the other supported minor versions on this machine (pyenv's), by version."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found: dict[str, Path] = {}
    for candidate in sorted(root.glob("3.1[1-3].*/bin/python3")):
        minor = ".".join(candidate.parts[-3].split(".")[:2])
        if minor != f"3.{sys.version_info.minor}":
            found[minor] = candidate
    return found


@pytest.mark.slow
@pytest.mark.parametrize("lesson", ["04_lock_contention.py", "13_run_in_executor.py"])
def test_another_pythons_recording_opens_here_and_matches_this_ones(lesson: str, tmp_path: Path) -> None:
    pythons = other_pythons()
    if not pythons:
        pytest.skip("no other CPython 3.11-3.13 is installed here")
    here = record(SCENARIOS / lesson)
    for version, python in pythons.items():
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONHASHSEED="0")
        done = subprocess.run(
            [str(python), "-m", "tui.engine.recording", str(SCENARIOS / lesson), "--out-fd", "1"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        there = load_lines(done.stdout.splitlines())
        assert there.header["python"].startswith(version + ".")
        assert there.summary["outcome"] == here.summary["outcome"] == "completed"
        # The same lesson schedules the same way on every version.
        assert there.summary["stdout"] == here.summary["stdout"]
        assert [f["a"] for f in there.frames()] == [f["a"] for f in here.frames()]
