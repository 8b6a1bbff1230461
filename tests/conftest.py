"""Shared helpers: record a scenario (in its own process, as users do) and fold its trace."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from tui.recording import Recording, RecordOptions
from tui.scenarios import bundled_dir
from tui.trace.model import Trace, load_lines

SCENARIOS = bundled_dir()


def record(
    path: str | Path, *, seed: int = 0, max_frames: int = 100_000, step_timeout: float = 10.0, **settings: Any
) -> Trace:
    """Record a program through the real recording process and return its folded trace.

    Other keyword arguments are settings (`switch_interval=`, `cores=`...), see tui.engine.settings.
    """
    options = RecordOptions(seed=seed, max_frames=max_frames, step_timeout=step_timeout, **settings)
    return load_lines(Recording(str(path), options).lines())


@pytest.fixture
def record_source(tmp_path: Path):
    """record_source(code, **options) writes `code` to a file and records it."""

    def _record(source: str, name: str = "scenario.py", **options: object) -> Trace:
        path = tmp_path / name
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return record(path, **options)  # type: ignore[arg-type]

    return _record


def run_recorded(main, *, max_frames: int = 100_000):
    """Run `main()` on a SimEventLoop in this process with an in-memory recorder.

    Returns (main's result, frames as dicts). No patches are installed, so this
    checks the loop and recorder alone; `record()` checks the whole recording process.
    """
    import json

    from tui.engine.clock import VirtualClock
    from tui.engine.loop import SimEventLoop
    from tui.engine.recorder import Recorder
    from tui.engine.sites import Sites

    lines: list[str] = []
    clock = VirtualClock()
    recorder = Recorder(lines.append, clock, Sites(main.__code__.co_filename), max_frames=max_frames)
    loop = SimEventLoop(clock=clock, recorder=recorder)
    try:
        result = loop.run_until_complete(main())
    finally:
        loop.close()
    return result, [json.loads(line) for line in lines]
