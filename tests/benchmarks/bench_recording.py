"""Benchmark: full recording vs CPython's own loop, and memory per recorded frame.

Run:  .venv/bin/python tests/benchmarks/bench_recording.py              (this Python)
      .venv/bin/python tests/benchmarks/bench_recording.py --versions   (every tested CPython found here)
      ... --versions --python /work/venv312/bin/python   (another interpreter, e.g. a venv's; may be repeated)

Prints ratios measured in this one run (never asserted by the test suite;
these machines are noisy). Targets (issue 11): asyncio recording within 2.5x
of CPython's own loop, thread hand-offs within 3x, CPU-bound threads within
4x; and (the engine issue) under 300 bytes of memory per frame. With
--versions, each tested CPython installed (pyenv's) runs the same
benchmark in turn, and a table of all of them ends the output.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORKLOAD = HERE / "workload_asyncio.py"
THREADS = HERE / "workload_threads.py"
CPU_THREADS = HERE / "workload_cpu_threads.py"
REPO = HERE.parents[1]
TINY = HERE / "workload_tiny.py"


def timed(command: list[str], stdout: int | object = subprocess.DEVNULL) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=stdout, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def children_peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def main() -> dict[str, float]:
    """Run every measure on this Python, print it, and return the figures."""
    figures: dict[str, float] = {}
    python = sys.executable
    print(f"CPython {platform.python_version()}")
    cli = [python, "-m", "tui", "trace", "--json", "--max-frames", "100000000"]

    baseline = min(timed([python, str(WORKLOAD)]) for _ in range(3))
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as out:
        trace_path = out.name
    recorded = []
    for _ in range(3):
        with open(trace_path, "wb") as sink:
            recorded.append(timed([*cli, str(WORKLOAD)], stdout=sink))
    recording = min(recorded)
    size = os.path.getsize(trace_path)
    with open(trace_path, "rb") as handle:
        frames = sum(1 for _ in handle) - 1

    print(f"workload: {WORKLOAD.name}, {frames:,} frames, {size / frames:.0f} bytes of JSON per frame")
    print(f"CPython's own loop:        {baseline:6.2f} s (best of 3)")
    print(f"concur-tui trace --json:   {recording:6.2f} s (best of 3)")
    print(f"recording / CPython:       {recording / baseline:6.2f}x   (target: within 2.5x)")
    figures["asyncio_ratio"] = recording / baseline

    # Memory of the viewer's model of the trace (what the TUI holds).
    from tui.trace.model import Trace

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    trace = Trace()
    with open(trace_path, encoding="utf-8") as handle:
        for line in handle:
            trace.add_line(line)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    print(f"Trace model in memory:     {held / len(trace):6.0f} bytes per frame   (target: under 300)")
    figures["bytes_per_frame"] = held / len(trace)
    del trace
    os.unlink(trace_path)

    # A thread-heavy workload: what matters is thread switches per second of wall time.
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as out:
        threads_trace = out.name
    thread_base = min(timed([python, str(THREADS)]) for _ in range(3))
    with open(threads_trace, "wb") as sink:
        thread_time = timed([*cli, str(THREADS)], stdout=sink)
    with open(threads_trace, "rb") as handle:
        switches = sum(1 for line in handle if b'"k":"thread"' in line)
    os.unlink(threads_trace)
    print(f"threads workload: {THREADS.name}, {switches:,} thread switches recorded")
    print(f"CPython's own threads:     {thread_base:6.2f} s")
    print(f"concur-tui trace --json:   {thread_time:6.2f} s   ({thread_time / thread_base:.1f}x; target: within 3x)")
    print(f"switches per second:       {switches / thread_time:8,.0f} of wall time")
    figures["threads_ratio"] = thread_time / thread_base
    figures["switches_per_second"] = switches / thread_time

    # CPU-bound threads: every bytecode of the program's own code is counted.
    cpu_base = min(timed([python, str(CPU_THREADS)]) for _ in range(3))
    cpu_time = timed([*cli, str(CPU_THREADS)])
    print(f"CPU-bound threads: {CPU_THREADS.name} (4 threads x 1,000,000 iterations)")
    print(f"CPython's own threads:     {cpu_base:6.2f} s")
    print(f"concur-tui trace --json:   {cpu_time:6.2f} s   ({cpu_time / cpu_base:.1f}x; target: within 4x)")
    figures["cpu_ratio"] = cpu_time / cpu_base

    # Growth of the recording process itself: peak RSS of the full run minus a tiny run.
    TINY.write_text("import asyncio\nasyncio.run(asyncio.sleep(0))\n") if not TINY.exists() else None
    env = dict(os.environ, PYTHONHASHSEED="0")
    record = [python, "-m", "tui.engine.recording", "--out-fd", "1"]
    tiny_peak = peak_of([*record, str(TINY)], env)
    full_peak = peak_of([*record, "--max-frames", "100000000", str(WORKLOAD)], env)
    growth = max(0, full_peak - tiny_peak) * 1024
    print(f"recording process growth:  {growth / frames:6.0f} bytes per frame (peak RSS, streaming)")
    figures["growth_per_frame"] = growth / frames
    return figures


def tested_pythons() -> list[tuple[str, str]]:
    """(minor version, interpreter) for every tested CPython found here that can run concur-tui: each
    `--python PATH` given (a venv's, say), this one, then pyenv's. pyenv's bare interpreters lack the
    project's dependencies (rich): each candidate is asked to import them, and one that cannot is
    named and skipped, so give a venv's with --python."""
    from tui.engine.cpython import TESTED

    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    given = [sys.argv[i + 1] for i, arg in enumerate(sys.argv[:-1]) if arg == "--python"]
    candidates = [*given, sys.executable]
    for major, minor in sorted(TESTED):
        candidates += [str(path) for path in sorted(root.glob(f"{major}.{minor}.*/bin/python3"))[-1:]]
    found: dict[str, str] = {}
    probe = "import sys, rich; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"
    for python in candidates:
        done = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"skipped {python}: it cannot import rich (give a venv's interpreter with --python)", file=sys.stderr)
            continue
        version = done.stdout.strip()
        if tuple(map(int, version.split("."))) in TESTED:
            found.setdefault(version, python)
    return sorted(found.items())


def figures_of_every_version(script: str) -> list[tuple[str, dict]]:
    """Run `script --figures` under each tested CPython in turn, showing its output; each one's figures."""
    rows = []
    for version, python in tested_pythons():
        print(f"\n=== CPython {version}: {python}", flush=True)
        env = dict(os.environ, PYTHONPATH=str(REPO))
        done = subprocess.run([python, script, "--figures"], env=env, stdout=subprocess.PIPE, text=True, check=False)
        *shown, last = done.stdout.strip().splitlines()
        print("\n".join(shown))
        rows.append((version, json.loads(last)))
    return rows


def every_version() -> None:
    """The benchmark under each tested CPython in turn, then one table of all of them."""
    rows = figures_of_every_version(__file__)
    print("\n| CPython | asyncio recording | threads hand-offs | switches/s | CPU-bound threads | bytes/frame |")
    print("|---|---|---|---|---|---|")
    for version, f in rows:
        print(
            f"| {version} | {f['asyncio_ratio']:.1f}x | {f['threads_ratio']:.1f}x | {f['switches_per_second']:,.0f} "
            f"| {f['cpu_ratio']:.1f}x | {f['bytes_per_frame']:.0f} |"
        )


def peak_of(command: list[str], env: dict[str, str]) -> int:
    """Peak RSS (KiB) of one child process, read with GNU time's %M."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True
    )
    return int(done.stderr.strip().splitlines()[-1])


def run_benchmark(main: Callable[[], dict[str, Any]], every_version: Callable[[], None]) -> None:
    """A benchmark script's command line: `--versions` (every tested CPython, one table),
    `--figures` (this CPython, as JSON: how figures_of_every_version reads each run), or plain."""
    if "--versions" in sys.argv:
        every_version()
    elif "--figures" in sys.argv:
        print(json.dumps(main()))
    else:
        main()


if __name__ == "__main__":
    run_benchmark(main, every_version)
