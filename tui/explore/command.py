"""Provides the `concur-tui explore` command: its options, its progress bar and its report."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.engine import settings
from tui.explore.runs import RunResult
from tui.explore.search import DEFAULT_DEPTH, STRATEGIES, Found, Progress, Search, explore
from tui.schedule_file import Schedule, replay_settings, source_hash

EXIT_NONE_FOUND = 0
EXIT_FOUND = 1
EXIT_USAGE = 2
MAX_BUDGET = 1_000_000
BAR_WIDTH = 24


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser(
        "explore",
        help="search schedules of FILE for a deadlock or an uncaught exception (a failed assert among them)",
        description="Record FILE under many schedules (who takes the GIL, where a slice ends) and report the"
        " first that fails, shrunk to the fewest deviations from the default schedule."
        " Exit 1: a failure was found (its schedule saved to --out); 0: none within the budget; 2: bad usage.",
    )
    parser.add_argument("file", help="a Python file or a bundled scenario's name")
    parser.add_argument("--budget", type=_count("--budget"), default=100, help="schedules to try (default 100)")
    parser.add_argument(
        "--strategy",
        choices=STRATEGIES,
        default="pct",
        help="pct (probabilistic concurrency testing, the default), random (a random walk) or dfs (every"
        " schedule with 0 deviations from the default, then 1, 2, ... up to --depth)",
    )
    parser.add_argument(
        "--depth",
        type=_count("--depth"),
        default=DEFAULT_DEPTH,
        help="PCT's depth; for dfs, the most deviations from the default schedule (default 3)",
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=_count("--jobs"),
        default=None,
        help="recordings at once (default 1; with --cluster, the cluster's worker threads)",
    )
    parser.add_argument(
        "--cluster",
        metavar="tcp://HOST:PORT",
        help="record the schedules on the workers of the Dask scheduler there (pip install concur-tui[cluster])",
    )
    parser.add_argument(
        "--out", metavar="S.json", help="where to save a failing schedule (default: FILE's name.schedule.json)"
    )
    settings.add_arguments(parser)


def _count(option: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} needs a whole number, not {text!r}") from None
        if not 1 <= value <= MAX_BUDGET:
            raise argparse.ArgumentTypeError(f"{option} must be from 1 to {MAX_BUDGET:,}: {text}")
        return value

    return parse


def _progress_bar(budget: int) -> Progress | None:
    """A one-line bar on stderr when it is a terminal (a log gets only the report)."""
    if not sys.stderr.isatty():
        return None

    def show(tried: int, distinct: int, seconds: float) -> None:
        filled = BAR_WIDTH * tried // budget
        rate = tried / seconds if seconds > 0 else 0.0
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        sys.stderr.write(f"\r[{bar}] {tried}/{budget} schedules, {distinct} distinct, {rate:.1f}/s ")
        sys.stderr.flush()

    return show


def run(args: argparse.Namespace, path: str, options: settings.Settings) -> int:
    if args.cluster is None:
        search = Search(path, options, args.budget, args.strategy, options.seed, args.jobs or 1, args.depth)
        found = _explore(search, args.budget)
    else:
        from tui.explore import cluster

        try:
            if args.strategy not in cluster.STRATEGIES:
                raise cluster.ClusterError(f"--cluster runs {' and '.join(cluster.STRATEGIES)} only")
            connected = cluster.connect(args.cluster, path)
        except cluster.ClusterError as exc:
            print(f"concur-tui explore: {exc}", file=sys.stderr)
            return EXIT_USAGE
        try:
            jobs = args.jobs or connected.threads
            search = Search(
                path, options, args.budget, args.strategy, options.seed, jobs, args.depth, pool=connected.executor
            )
            found = _explore(search, args.budget)
        except cluster.failures() as exc:  # e.g. a worker of another version that joined after connect
            print(f"concur-tui explore: {cluster.describe(exc, args.cluster)}", file=sys.stderr)
            return EXIT_USAGE
        finally:
            connected.close()
    described = f"{args.strategy}{_bound(args.strategy, args.depth)}, seed {options.seed}"
    if found.failing is None:
        name = Path(path).name
        if 1 < found.tried < args.budget:  # dfs tried every schedule within its bound
            print(
                f"No failure in any of the {found.tried} schedules of {name} within {args.depth}"
                f" deviation{'s' * (args.depth != 1)} from the default ({described}): {found.distinct} distinct runs."
            )
        elif found.tried < args.budget:
            print(
                f"No failure: {name} has one schedule only (no point where a real runtime could order it"
                " otherwise: one thread, or coroutines alone, whose ready queue is FIFO), and it did not fail."
            )
        else:
            print(f"No failure in {found.tried} schedules of {name} ({described}): {found.distinct} distinct runs.")
        return EXIT_NONE_FOUND
    out = args.out or f"{Path(path).stem}.schedule.json"
    _save(found.failing, path, options, out)
    print(_paragraph(found, path, described, out))
    return EXIT_FOUND


def _explore(search: Search, budget: int) -> Found:
    progress = _progress_bar(budget)
    found = explore(search, progress)
    if progress is not None:
        sys.stderr.write("\n")
    return found


def _bound(strategy: str, depth: int) -> str:
    if strategy == "pct":
        return f", depth {depth}"
    return f", up to {depth} deviation{'s' * (depth != 1)}" if strategy == "dfs" else ""


def _save(failing: RunResult, path: str, options: settings.Settings, out: str) -> None:
    Schedule(
        failing.schedule,
        os.path.basename(path),
        source_hash(path),
        failing.outcome,
        failing.failure or "",
        settings=replay_settings(options),
    ).save(out)


def _paragraph(found: Found, path: str, described: str, out: str) -> str:
    failing, first = found.failing, found.found_at
    assert failing is not None and first is not None
    deviations = failing.deviations
    shrunk = (
        f"shrunk from {first.deviations} to {deviations} deviation{'s' * (deviations != 1)} from the default schedule"
        if first.deviations != deviations
        else f"{deviations} deviation{'s' * (deviations != 1)} from the default schedule"
    )
    name = Path(path).name
    return (
        f"Found a failure in schedule {first.index + 1} of {found.tried} tried ({described};"
        f" {found.distinct} distinct runs): {failing.failure}. The schedule, {shrunk}, is saved to {out};"
        f" step through it with `concur-tui {name} --schedule {out}`."
    )
