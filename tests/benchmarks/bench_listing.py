"""Benchmark: the readable listing (`concur-tui trace FILE`) against `concur-tui trace FILE --json`.

Run:  .venv/bin/python tests/benchmarks/bench_listing.py              (this Python)
      .venv/bin/python tests/benchmarks/bench_listing.py --versions   (every tested CPython found here)
      ... --runs 1        (one run of each instead of the best of 3)
      ... --python PATH   (with --versions: another interpreter to try, e.g. a venv's; may be repeated)

Both commands record the same program (the recording runs in its own
process either way) and write to /dev/null, so the figures compare like with
like: the time to record and show a program, as JSON Lines or as readable
lines. The target from issue 11: the listing within 2x of --json. Each
workload is also recorded once to a saved trace, and listing that file
(`concur-tui trace saved.jsonl`, nothing recorded) is timed beside writing it
back out as JSON. The runs of each pair alternate, so a noisy machine slows
both alike; the best of each is kept. Prints figures only: the test suite
never asserts timings.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_recording import run_benchmark, tested_pythons  # this script's directory is on sys.path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
WORKLOADS = (HERE / "workload_asyncio.py", HERE / "workload_threads.py")
LIMIT = ["--max-frames", "100000000"]


def runs() -> int:
    return int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 3


def timed(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the whole process tree: viewer and recording) for one run to /dev/null."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def best_of_pairs(first: list[str], second: list[str]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The best (wall, cpu) of each command, their runs alternating."""
    ones, twos = [], []
    for _ in range(runs()):
        ones.append(timed(first))
        twos.append(timed(second))
    return min(ones), min(twos)


def main() -> dict[str, float]:
    """Time every workload on this Python, print the figures, and return them."""
    python = sys.executable
    cli = [python, "-m", "tui", "trace"]
    figures: dict[str, float] = {}
    print(f"CPython {platform.python_version()} (best of {runs()}, to /dev/null)")
    for workload in WORKLOADS:
        key = workload.stem.removeprefix("workload_")
        with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as out:
            saved = out.name
        try:
            with open(saved, "wb") as sink:
                subprocess.run([*cli, str(workload), "--json", *LIMIT], stdout=sink, stderr=subprocess.DEVNULL)
            with open(saved, "rb") as handle:
                frames = sum(1 for _ in handle) - 1
            (json_wall, json_cpu), (text_wall, text_cpu) = best_of_pairs(
                [*cli, str(workload), "--json", *LIMIT], [*cli, str(workload), *LIMIT]
            )
            (saved_json, _), (saved_text, _) = best_of_pairs([*cli, saved, "--json"], [*cli, saved])
        finally:
            os.unlink(saved)
        ratio = text_wall / json_wall
        print(f"\nworkload: {workload.name}, {frames:,} frames")
        print(f"  trace FILE --json:       {json_wall:6.2f} s   (CPU {json_cpu:6.2f} s, viewer and recording)")
        print(f"  trace FILE:              {text_wall:6.2f} s   (CPU {text_cpu:6.2f} s)")
        print(f"  listing / --json:        {ratio:6.2f}x   (target: within 2x)")
        print(f"  trace saved.jsonl --json:{saved_json:6.2f} s")
        print(f"  trace saved.jsonl:       {saved_text:6.2f} s   ({frames / saved_text:,.0f} frames/s listed)")
        figures.update(
            {
                f"{key}_frames": frames,
                f"{key}_json": json_wall,
                f"{key}_listing": text_wall,
                f"{key}_ratio": ratio,
                f"{key}_saved_json": saved_json,
                f"{key}_saved_listing": saved_text,
            }
        )
    return figures


def every_version() -> None:
    """The benchmark under each usable tested CPython in turn, then one table of all of them."""
    rows = []
    passed = ["--runs", str(runs())] if "--runs" in sys.argv else []
    for version, python in tested_pythons():
        print(f"\n=== CPython {version}: {python}", flush=True)
        env = dict(os.environ, PYTHONPATH=str(REPO))
        command = [python, __file__, "--figures", *passed]
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
        *shown, last = done.stdout.strip().splitlines()
        print("\n".join(shown))
        rows.append((version, json.loads(last)))
    print("\n| CPython | asyncio --json | asyncio listing | ratio | threads --json | threads listing | ratio |")
    print("|---|---|---|---|---|---|---|")
    for version, f in rows:
        print(
            f"| {version} | {f['asyncio_json']:.1f} s | {f['asyncio_listing']:.1f} s | {f['asyncio_ratio']:.2f}x "
            f"| {f['threads_json']:.1f} s | {f['threads_listing']:.1f} s | {f['threads_ratio']:.2f}x |"
        )


if __name__ == "__main__":
    run_benchmark(main, every_version)
