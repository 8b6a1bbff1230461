"""Benchmark: `c` / `C` (continue to the next / previous breakpoint) on a 100,000-frame trace (issue 12).

Run:  .venv/bin/python tests/benchmarks/bench_breaks.py [--trace SAVED.jsonl] [--searches N]

workload_tui.py (1,000 tasks, about 100,000 frames) is recorded once with
`python -m tui trace workload_tui.py --json` into a saved trace (kept in the
temporary directory while the workload is unchanged, or the file given with
--trace) and loaded the way the app folds it. Then, for each set of
breakpoints (each kind, a line hit often, a line hit rarely, a line never
hit, all of them at once), `next_stop` (what `c` and `C` ask) is timed from N
random frames in each direction. The search is the whole of what `c` does
before the screen seeks; the seek's own paint is bench_tui.py's.
Target: under 100 ms. Then `/` (tui.trace.find) is timed looking for a text
no frame holds, the worst case: the whole trace is narrated, block by block,
and the screen paints between blocks, so the figure that matters there is
the longest block (no target of its own). Prints figures only: the test
suite never asserts timings.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from bench_tui import recorded_once  # this script's directory is on sys.path

from tui.trace.breaks import KINDS, Breakpoints, next_stop
from tui.trace.find import search
from tui.trace.model import Trace, load

HERE = Path(__file__).resolve().parent
WORKLOAD = HERE / "workload_tui.py"
TARGET_MS = 100.0


def saved_trace(path: Path | None) -> Path:
    """The saved 100,000-frame trace, recorded now if there is none for this workload yet."""
    return recorded_once(WORKLOAD, "breaks", path=path)


def line_of(text: str) -> int:
    """The line of workload_tui.py that holds `text`."""
    return next(n for n, line in enumerate(WORKLOAD.read_text().splitlines(), 1) if text in line)


def breakpoint_sets(trace: Trace) -> dict[str, Breakpoints]:
    often, rarely = line_of("await asyncio.sleep((number"), line_of("await asyncio.sleep(0)")
    sets = {kind: Breakpoints({kind}) for kind in KINDS}
    sets[f"line {often} (often)"] = Breakpoints(set(), {often})
    sets[f"line {rarely} (in the lock)"] = Breakpoints(set(), {rarely})
    sets["line 1 (never)"] = Breakpoints(set(), {1})
    sets["all at once"] = Breakpoints(set(KINDS), {often, rarely, 1})
    return sets


def describe(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    verdict = "ok" if ms[-1] < TARGET_MS else "OVER"
    return f"median {statistics.median(ms):7.3f} ms, max {ms[-1]:7.3f} ms  [{verdict}: target < {TARGET_MS:.0f} ms]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--trace", type=Path, help="a saved trace of about 100,000 frames (recorded if missing)")
    parser.add_argument("--searches", type=int, default=200, help="searches per direction and set (default 200)")
    args = parser.parse_args()
    path = saved_trace(args.trace)
    started = time.perf_counter()
    trace = load(str(path))
    loaded = time.perf_counter() - started
    print(f"trace: {len(trace):,} frames, {len(trace.world.actors):,} actors; loaded in {loaded:.1f} s")
    chance = random.Random(12)
    for label, points in breakpoint_sets(trace).items():
        for direction, key in ((1, "c"), (-1, "C")):
            samples = []
            found = 0
            for _ in range(args.searches):
                after = chance.randrange(len(trace))
                begun = time.perf_counter()
                stop = next_stop(trace, points, after, direction)
                samples.append(time.perf_counter() - begun)
                found += stop is not None
            print(f"{key} {label:<28} {describe(samples)}  ({found}/{args.searches} found a frame)")
    measure_find(trace)


def measure_find(trace: Trace) -> None:
    """`/` for a text in no frame: the whole trace read once, and the longest stretch between two pauses."""
    blocks = []
    started = last = time.perf_counter()
    for _step in search(trace, "a text no frame holds", len(trace) // 2):
        now = time.perf_counter()
        blocks.append(now - last)
        last = now
    total = time.perf_counter() - started
    print(
        f"/ a text in no frame: {total:.2f} s for {len(trace):,} frames in {len(blocks)} blocks; "
        f"longest block {max(blocks) * 1000:.1f} ms (the screen paints between blocks)"
    )


if __name__ == "__main__":
    main()
