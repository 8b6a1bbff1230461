"""Shared helpers: record a scenario (in its own process, as users do) and fold its trace."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tui.scenarios import bundled_dir
from tui.sources import Recording, Settings
from tui.trace.model import Trace, load_lines

pytest_plugins = ("pytester", "process_guard")  # process_guard: a test that starts a process must be marked slow

SCENARIOS = bundled_dir()


def record(
    path: str | Path, *, seed: int = 0, max_frames: int = 100_000, step_timeout: float = 10.0, **settings: Any
) -> Trace:
    """Record a program through the real recording process and return its folded trace.

    Other keyword arguments are settings (`switch_interval=`, `cores=`...), see tui.engine.settings.
    """
    options = Settings(seed=seed, max_frames=max_frames, step_timeout=step_timeout, **settings)
    return load_lines(Recording(str(path), options).lines())


@pytest.fixture
def record_source(tmp_path: Path):
    """record_source(code, **options) writes `code` to a file and records it."""

    def _record(source: str, name: str = "scenario.py", **options: object) -> Trace:
        path = tmp_path / name
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return record(path, **options)  # type: ignore[arg-type]

    return _record


def run_with_python(path: str | Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a program as `python FILE` under this very CPython: the oracle a recording is compared with."""
    return subprocess.run(
        [sys.executable, str(path), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=Path(path).parent,
        env=dict(os.environ, PYTHONHASHSEED="0"),
    )


@pytest.fixture
def python_output(tmp_path: Path):
    """python_output(code) runs `code` with plain `python` (this CPython) and returns its stdout lines."""

    def _run(source: str, name: str = "plain.py") -> list[str]:
        path = tmp_path / name
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        done = run_with_python(path)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.splitlines()

    return _run


def without_addresses(text: str) -> str:
    """Output with object addresses (`at 0x7f...`) masked: they differ between any two runs."""
    return re.sub(r"0x[0-9a-f]+", "0x?", text)


def recorded_and_plain(record_source, tmp_path: Path, source: str) -> tuple[Trace, subprocess.CompletedProcess[str]]:
    """Record `source`, then run the same file under plain `python`: the recording and its oracle."""
    trace = record_source(source)
    return trace, run_with_python(tmp_path / "scenario.py")


def run_recorded(main, *, max_frames: int = 100_000):
    """Run `main()` on a SimEventLoop in this process with an in-memory recorder.

    Returns (main's result, frames as dicts). No patches are installed, so this
    checks the loop and recorder alone; `record()` checks the whole recording process.
    """
    import json

    from tui.engine.aio.loop import SimEventLoop
    from tui.engine.clock import VirtualClock
    from tui.engine.recording.recorder import Recorder
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


def instructions_run(function, *args, callees: bool = False) -> int:
    """How many bytecode instructions `function(*args)` runs in its own frame, on this CPython.

    The oracle for the CPU cost model (each instruction of the program's code
    costs the same), counted the plainest way each version offers: one event
    per instruction. Instruction counts differ between versions (3.13 fuses
    some instructions), so tests ask this rather than hard-coding them.
    With `callees`, the Python functions it calls are counted too (library
    code the program calls costs time).
    """
    import sys

    code = function.__code__
    count = 0
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is None:  # 3.11: sys.settrace opcode events

        def trace(frame, event, arg):
            nonlocal count
            if frame.f_code is not code and not callees:
                return None
            frame.f_trace_opcodes = True
            frame.f_trace_lines = False
            if event == "opcode":
                count += 1
            return trace

        sys.settrace(trace)
        try:
            function(*args)
        finally:
            sys.settrace(None)
        return count
    tool = next(t for t in range(6) if monitoring.get_tool(t) is None)
    monitoring.use_tool_id(tool, "tests")

    def instruction(code_object, offset):
        nonlocal count
        count += 1

    monitoring.register_callback(tool, monitoring.events.INSTRUCTION, instruction)
    if callees:
        monitoring.set_events(tool, monitoring.events.INSTRUCTION)
    else:
        monitoring.set_local_events(tool, code, monitoring.events.INSTRUCTION)
    try:
        function(*args)
    finally:
        if callees:
            monitoring.set_events(tool, 0)
        else:
            monitoring.set_local_events(tool, code, 0)
        monitoring.register_callback(tool, monitoring.events.INSTRUCTION, None)
        monitoring.free_tool_id(tool)
    return count
