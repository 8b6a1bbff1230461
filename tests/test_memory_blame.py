"""The viewer's memory guard names the line of the thread that was running, from faulthandler's stacks."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Any

from tui.sources import allocating_line

PROGRAM = """\
def spin(started, stop):
    started.set()
    while not stop.is_set():
        pass
def wait_here(park, log):
    return park(log)
"""
ENGINE = """\
import faulthandler
def park(log):
    return faulthandler.dump_traceback(log, all_threads=True)
"""


def _compiled(source: str, filename: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


def _dump(program: str, engine: str) -> str:
    """faulthandler's stacks of every thread, taken while one thread spins in `program` (line 3 or 4) and
    this one waits in `program` (line 6) below the frame of `engine` that writes the dump."""
    code, parked = _compiled(PROGRAM, program), _compiled(ENGINE, engine)
    started, stop = threading.Event(), threading.Event()
    worker = threading.Thread(target=code["spin"], args=(started, stop))
    worker.start()
    started.wait()
    try:
        with tempfile.TemporaryFile("w+") as log:
            code["wait_here"](parked["park"], log)
            log.seek(0)
            return log.read()
    finally:
        stop.set()
        worker.join()


def test_the_running_thread_is_named_not_a_parked_one_the_signal_landed_on(tmp_path: Path) -> None:
    program, engine = str(tmp_path / "prog.py"), str(tmp_path / "engine" / "kernel.py")
    log = _dump(program, engine)
    # The dump's current thread is in the program too (line 6), but parked below the engine's frame.
    assert 'prog.py", line 6' in log[log.index("Current thread") :]
    assert allocating_line(log, program, parked_in=str(tmp_path / "engine")) in ("prog.py:3", "prog.py:4")


def test_with_no_thread_running_outside_the_engine_the_current_threads_line_is_named(tmp_path: Path) -> None:
    program, engine = str(tmp_path / "prog.py"), str(tmp_path / "engine" / "kernel.py")
    log = _dump(program, engine)
    # Seen with every folder as the engine's, each thread counts as parked: the current thread is the fallback.
    assert allocating_line(log, program, parked_in="") == "prog.py:6"
    assert allocating_line(log, str(tmp_path / "absent.py")) == "?"
