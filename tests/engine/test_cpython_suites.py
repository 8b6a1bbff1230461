"""CPython's own asyncio tests pass unchanged when their loop is ours.

The suites of the running CPython (futures, tasks, eager task factory,
locks, queues, task groups, timeouts, wait_for, PEP 492, runners: each
version's own copy, so each version is judged by its own tests). They run
twice: with SimEventLoop as the default loop in a plain interpreter, and
inside the recording process, where every primitive is probed and every
step recorded; there, the few tests that need a subprocess, a signal or wall
time passing by itself are left out (NOT_RECORDED in the data file says why).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import record

pytest.importorskip("test.test_asyncio.test_locks", reason="this Python was built without its test suite")

SUITES = Path(__file__).resolve().parents[1] / "data" / "cpython_asyncio_suites.py"

STANDALONE = """
import asyncio, runpy, sys
import tui.engine
from tui.engine.aio.loop import SimEventLoop
created = []
original_init = SimEventLoop.__init__
def counting_init(self, *args, **kwargs):
    created.append(1)
    original_init(self, *args, **kwargs)
SimEventLoop.__init__ = counting_init
# test modules reset the policy in tearDownModule; the default must be ours too
asyncio.DefaultEventLoopPolicy = tui.engine.SimEventLoopPolicy
asyncio.set_event_loop_policy(tui.engine.SimEventLoopPolicy())
sys.argv = [sys.argv[0]]
try:
    runpy.run_path(sys.argv[0] if False else {suites!r}, run_name="__main__")
finally:
    print(f"sim_loops={{len(created)}}")
"""


@pytest.mark.slow
def test_cpython_asyncio_suites_pass_on_the_standalone_loop() -> None:
    code = STANDALONE.format(suites=str(SUITES))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert "failures=0 errors=0" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    ran = int(done.stdout.split("ran=")[1].split()[0])
    loops = int(done.stdout.split("sim_loops=")[1].split()[0])
    assert ran >= 1000
    # Every test that asks asyncio for a loop gets a SimEventLoop (hundreds of
    # them); the rest drive asyncio's own test loop or a mock, by design.
    assert loops >= 400


@pytest.mark.slow
def test_cpython_asyncio_suites_pass_inside_the_recording_process() -> None:
    # A long stretch of tests that use asyncio's own test loop records no frame:
    # give the "step" of running them more wall time than a program's.
    trace = record(SUITES, max_frames=5_000_000, step_timeout=300, program_args=("--recorded",))
    assert trace.summary["outcome"] == "completed", trace.summary["stdout"][-6000:]
    assert "failures=0 errors=0" in trace.summary["stdout"]
    ran = int(trace.summary["stdout"].split("ran=")[1].split()[0])
    assert ran >= 1000
    assert len(trace) > 20_000
