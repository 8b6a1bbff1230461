"""Benchmark: `concur-tui explore` on the bundled buggy lessons (issue 13, item 5).

Run:  .venv/bin/python tests/benchmarks/bench_explore.py [--seeds N] [--budget N] [--jobs J]
      ... --versions   (every tested CPython found here, then one table)

Prints figures measured in this one run (never asserted by the test suite;
these machines are noisy):

- schedules per second, one recording at a time, on each lesson, and on
  lesson 18 (200,000 updates a thread: seconds a schedule, and no failure to
  find, as it prints its count rather than asserting it);
- schedules until the first failure, for each strategy (pct, random, dfs)
  and for plain random (`--policy random:SEED`: who runs picked at random,
  every slice its whole interval, what a seeded run gives without a search),
  on the same budget, over N seeds: the median (of the seeds that found it)
  and how many seeds found it;
- whether the default strategy (pct, seed 0) finds each lesson's failure
  within 100 schedules.

The lost-update lesson stands in for lesson 18 with workload_lost_update.py,
the same bug with three updates a thread.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench_recording import figures_of_every_version, run_benchmark  # this script's directory is on sys.path

from tui.engine.settings import Settings
from tui.explore.runs import run_schedule
from tui.explore.search import Search, explore, policy_for

HERE = Path(__file__).resolve().parent
LESSONS = HERE.parents[1] / "scenarios"
PROGRAMS = {
    "lost update": HERE / "workload_lost_update.py",
    "lock-order deadlock (19)": LESSONS / "19_thread_deadlock.py",
    "check-then-act (23)": LESSONS / "23_check_then_act.py",
}
HEAVY = ("lost update (18)", LESSONS / "18_lost_update.py")
STRATEGIES = ("pct", "random", "dfs")
PLAIN = "plain random"
RATE_RUNS = 10
HEAVY_RUNS = 2


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per strategy (default 5)")
    parser.add_argument("--budget", type=int, default=100, help="schedules per search (default 100)")
    parser.add_argument("--jobs", type=int, default=2, help="recordings at once while searching (default 2)")
    parser.add_argument("--versions", action="store_true", help="every tested CPython, then one table")
    parser.add_argument("--figures", action="store_true", help="print the figures as JSON last (for --versions)")
    return parser.parse_args()


def schedules_per_second(path: Path, runs: int) -> float:
    """PCT's schedules of `path`, recorded one after another, as a one-job search does."""
    search = Search(str(path), Settings(), runs)
    started = time.perf_counter()
    for index in range(runs):
        run_schedule(search.path, search.options, policy_for(search, index, 50), index)
    return runs / (time.perf_counter() - started)


def until_failure(path: Path, strategy: str, seed: int, budget: int, jobs: int) -> int | None:
    """How many schedules the search tried up to its first failure (None: none within the budget)."""
    if strategy == PLAIN:
        for index in range(budget):
            policy = f"random:{seed * 1_000_003 + index}"
            if run_schedule(str(path), Settings(seed=seed), policy, index).failure is not None:
                return index + 1
        return None
    found = explore(Search(str(path), Settings(seed=seed), budget, strategy, seed, jobs))
    return None if found.found_at is None else found.found_at.index + 1


def main() -> dict[str, Any]:
    args = options()
    figures: dict[str, Any] = {}
    print(f"CPython {sys.version.split()[0]}; budget {args.budget}, seeds 0-{args.seeds - 1}, --jobs {args.jobs}")
    print("\nschedules per second (PCT, one recording at a time):")
    for name, path in [*PROGRAMS.items(), HEAVY]:
        rate = schedules_per_second(path, HEAVY_RUNS if path == HEAVY[1] else RATE_RUNS)
        figures[f"rate {name}"] = rate
        print(f"  {name:26} {rate:6.2f}/s")

    print(f"\nschedules until the first failure (median of the seeds that found it; found by / {args.seeds} seeds):")
    for name, path in PROGRAMS.items():
        cells = []
        for strategy in (*STRATEGIES, PLAIN):
            counts = [until_failure(path, strategy, seed, args.budget, args.jobs) for seed in range(args.seeds)]
            found = [count for count in counts if count is not None]
            median = statistics.median(found) if found else None
            figures[f"{name} {strategy}"] = {"median": median, "found": len(found), "counts": counts}
            shown = f"{median:g}" if median is not None else "-"
            cells.append(f"{strategy} {shown} ({len(found)}/{args.seeds})")
        print(f"  {name:26} " + ", ".join(cells))

    print("\nfound within 100 schedules by the default strategy (pct, seed 0):")
    for name, path in PROGRAMS.items():
        count = figures[f"{name} pct"]["counts"][0] if args.budget >= 100 else until_failure(path, "pct", 0, 100, 2)
        figures[f"{name} default within 100"] = count is not None and count <= 100
        print(f"  {name:26} {'yes, schedule ' + str(count) if count is not None and count <= 100 else 'no'}")
    return figures


def every_version() -> None:
    """The benchmark under each tested CPython in turn, then one table of all of them."""
    rows = figures_of_every_version(__file__)
    names = list(PROGRAMS)
    print("\n| CPython | " + " | ".join(f"{name}: pct / random / dfs / plain" for name in names) + " |")
    print("|---|" + "---|" * len(names))
    for version, f in rows:
        cells = [
            " / ".join(str(f[f"{name} {strategy}"]["median"]) for strategy in (*STRATEGIES, PLAIN)) for name in names
        ]
        print(f"| {version} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    run_benchmark(main, every_version)
