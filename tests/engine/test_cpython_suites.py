"""CPython's own asyncio tests pass unchanged when their loop is ours.

These are IsolatedAsyncioTestCase suites (locks, queues, task groups,
timeouts, wait_for). They run twice: with SimEventLoop as the default loop
in a plain interpreter, and inside the recording process, where every
primitive is probed and every step recorded.
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
from tui.engine.loop import SimEventLoop
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
    assert ran >= 150
    assert loops >= ran  # every test ran on a SimEventLoop, none on the stock loop


@pytest.mark.slow
def test_cpython_asyncio_suites_pass_inside_the_recording_process() -> None:
    trace = record(SUITES, max_frames=5_000_000)
    assert trace.summary["outcome"] == "completed", trace.summary.get("report")
    assert "failures=0 errors=0" in trace.summary["stdout"]
    assert len(trace) > 1000
