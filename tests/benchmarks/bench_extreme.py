"""Benchmark: programs at extreme sizes, 200,000 tasks in one step and 20,000 threads.

Run:  .venv/bin/python tests/benchmarks/bench_extreme.py              (this Python)
      .venv/bin/python tests/benchmarks/bench_extreme.py --versions   (every tested CPython found here)

Prints figures measured in this one run, side by side (never asserted by the test suite;
these machines are noisy): the seconds `concur-tui trace --json` takes to reach the frame
limit (100,000 frames) on 200,000 tasks made in one step, and the time of 20,000 threads
recorded vs the same program under plain CPython. Targets from issue 9: the tasks end at
the frame limit in seconds (not as a runaway), the threads within 3x of CPython.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TASKS = HERE / "workload_many_tasks.py"
THREADS = HERE / "workload_many_threads.py"


def timed(command: list[str]) -> tuple[float, str]:
    """Wall seconds of one run, and its stdout."""
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=False)
    return time.perf_counter() - started, done.stdout


def outcome_of(trace: str) -> str:
    return json.loads(trace.strip().splitlines()[-1])["summary"]["outcome"]


def main() -> dict[str, float]:
    """Run both measures on this Python, print them, and return the figures."""
    python = sys.executable
    print(f"CPython {platform.python_version()}")
    cli = [python, "-m", "tui", "trace", "--json"]

    seconds, trace = timed([*cli, str(TASKS)])
    print(f"200,000 tasks in one step: {seconds:6.2f} s to the end, outcome {outcome_of(trace)} (target: frame-limit)")

    # One after the other, plain first: the machine's load moves both alike within one run.
    plain, _ = timed([python, str(THREADS)])
    recorded, trace = timed([*cli, str(THREADS)])
    print(f"20,000 threads, CPython:   {plain:6.2f} s")
    print(f"20,000 threads, recorded:  {recorded:6.2f} s, outcome {outcome_of(trace)}")
    print(f"recorded / CPython:        {recorded / plain:6.2f}x   (target: within 3x)")
    return {"tasks_seconds": seconds, "threads_plain": plain, "threads_recorded": recorded}


def every_version() -> None:
    """The benchmark under each tested CPython in turn, then one table of all of them."""
    sys.path.insert(0, str(HERE))
    from bench_recording import figures_of_every_version

    rows = figures_of_every_version(__file__)
    print("\n| CPython | 200,000 tasks to the frame limit | 20,000 threads recorded vs CPython |")
    print("|---|---|---|")
    for version, f in rows:
        ratio = f["threads_recorded"] / f["threads_plain"]
        print(
            f"| {version} | {f['tasks_seconds']:.1f} s | {f['threads_recorded']:.1f} s vs "
            f"{f['threads_plain']:.1f} s = {ratio:.1f}x |"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    from bench_recording import run_benchmark

    run_benchmark(main, every_version)
