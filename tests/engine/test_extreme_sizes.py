"""Programs at extreme sizes end as their limits say: many tasks, many threads, and the caps.

Behaviour, not timing: the per-task work is counted (it must not grow with the number of
tasks a step made), and every run that meets a limit ends with that limit's outcome and
the program's own line. The benchmark for the times is tests/benchmarks/bench_extreme.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import run_recorded, run_with_python

import tui
from tui.engine.settings import Settings
from tui.engine.threads import kernel

ENGINE_DIR = os.path.dirname(os.path.abspath(kernel.__file__)) + os.sep

MANY_TASKS = """\
import asyncio


async def f():
    await asyncio.sleep(0)


async def main():
    await asyncio.gather(*(f() for _ in range(200_000)))


asyncio.run(main())
"""

THREAD_BOMB = """\
import threading

stop = threading.Event()
while True:
    threading.Thread(target=stop.wait).start()
"""

FORK_BOMB = """\
import multiprocessing


def bomb():
    while True:
        multiprocessing.Process(target=bomb).start()


if __name__ == "__main__":
    bomb()
"""

MANY_THREADS = """\
import threading

results = []


def f(i):
    results.append(sum(range(i % 7)) + i)


threads = [threading.Thread(target=f, args=(i,)) for i in range(20_000)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(results), sum(results), len(threading.enumerate()))
"""


def _engine_lines_run(tasks: int) -> int:
    """Lines of engine code run while one step creates `tasks` tasks and they all finish."""
    import asyncio

    async def f() -> None:
        await asyncio.sleep(0)

    async def main() -> None:
        await asyncio.gather(*(f() for _ in range(tasks)))

    count = 0

    def trace(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if not frame.f_code.co_filename.startswith(ENGINE_DIR):
            return None
        if event == "line":
            count += 1
        return trace

    sys.settrace(trace)
    try:
        run_recorded(main)
    finally:
        sys.settrace(None)
    return count


def test_creating_tasks_costs_the_same_per_task_however_many_the_step_made() -> None:
    # Each task's definition used to be looked for by scanning the step's new definitions:
    # work growing with the square of the tasks one step made.
    base = _engine_lines_run(0)
    first = _engine_lines_run(300) - base
    second = _engine_lines_run(600) - base
    assert second <= 2.05 * first, (first, second)


def _record(path: Path, *, caps: tuple[int, int] | None = None, **settings: Any) -> tuple[dict[str, Any], list[str]]:
    """Run the recording process on `path` (with lower caps, if given): its summary and frame lines."""
    options = Settings(**settings)
    read, write = os.pipe()
    if caps is None:
        command = [sys.executable, "-m", "tui.engine.recording"]
    else:
        boot = "import sys; from tui.engine.recording import main; from tui.engine.threads import kernel; "
        boot += f"kernel.MAX_THREADS, kernel.MAX_PROCESSES = {caps[0]}, {caps[1]}; main.main()"
        command = [sys.executable, "-c", boot]
    root = os.path.dirname(os.path.dirname(os.path.abspath(tui.__file__)))
    env = dict(os.environ, PYTHONPATH=root)
    with subprocess.Popen(
        [*command, str(path), "--out-fd", str(write), *options.argv()],
        pass_fds=(write,),
        cwd=path.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    ) as child:
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            lines = pipe.read().decode().splitlines()
        child.wait(timeout=120)
    return json.loads(lines[-1])["summary"], lines[:-1]


def _write(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "scenario.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


@pytest.mark.slow
def test_200_000_tasks_made_in_one_step_end_at_the_frame_limit_not_as_a_runaway(tmp_path: Path) -> None:
    summary, lines = _record(_write(tmp_path, MANY_TASKS))
    assert summary["outcome"] == "frame-limit"
    assert summary["frames"] == Settings().max_frames == len(lines)
    # The step that made them defined every one of them (and its gather), in one frame.
    made = [d for line in lines for d in json.loads(line).get("new", ()) if "task" in d]
    assert len(made) == 200_001


@pytest.mark.slow
def test_threads_started_without_end_stop_at_the_thread_cap_naming_the_line(tmp_path: Path) -> None:
    # The real cap is 25,000 threads alive at once; the same code path with a cap of 300.
    summary, _lines = _record(_write(tmp_path, THREAD_BOMB), caps=(300, kernel.MAX_PROCESSES))
    assert summary["outcome"] == "thread-limit"
    assert summary["report"]["text"] == (
        "stopped at scenario.py:5: the program had 300 threads alive at once (the thread cap)"
    )
    assert summary["threads"] == 301  # the main thread and the 300 it started


@pytest.mark.slow
def test_a_fork_bomb_stops_at_the_process_cap_with_its_own_outcome_and_exit_status(tmp_path: Path) -> None:
    path = _write(tmp_path, FORK_BOMB)
    done = subprocess.run(
        [sys.executable, "-m", "tui", "trace", str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 4, done.stderr  # a limit stopped it
    assert "outcome: process-limit" in done.stdout
    message = "stopped at scenario.py:6: the program started 128 processes, the main one included (the process cap)"
    assert message in done.stdout


def test_the_caps_leave_room_for_big_programs() -> None:
    assert kernel.MAX_THREADS > 20_000
    assert kernel.MAX_PROCESSES == 128  # P0..P127: what a trace can number (tui.trace.check)


@pytest.mark.slow
def test_20_000_threads_print_what_plain_python_prints(tmp_path: Path) -> None:
    path = _write(tmp_path, MANY_THREADS)
    summary, _lines = _record(path)
    assert summary["outcome"] == "completed"
    plain = run_with_python(path)
    assert summary["stdout"] == plain.stdout == "20000 200089995 1\n"
    assert summary["threads"] == 20_001


@pytest.mark.slow
def test_threads_that_ended_leave_threadings_shutdown_locks_as_on_cpython(tmp_path: Path) -> None:
    # 3.11 and 3.12 prune threading._shutdown_locks at each thread start; the recording
    # prunes only the locks released since, which must leave the same set.
    path = _write(
        tmp_path,
        """\
        import threading

        def f():
            pass

        threads = [threading.Thread(target=f) for _ in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        hold = threading.Event()
        last = threading.Thread(target=hold.wait)
        last.start()
        print(len(getattr(threading, "_shutdown_locks", ())))
        hold.set()
        last.join()
        """,
    )
    summary, _lines = _record(path)
    plain = run_with_python(path)
    assert summary["stdout"] == plain.stdout
