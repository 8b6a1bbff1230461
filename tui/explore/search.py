"""Provides explore(): schedules tried in turn (on J cores), the first failure shrunk.

Determinism: schedule i of a search is named by (strategy, seed, i) alone
(for dfs, by the results of the schedules before it: tui.explore.dfs),
and the failure reported is the one of the lowest i, whichever worker ends
first; so the same FILE, seed and budget give the same result with any
number of jobs.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field

from tui.engine.settings import Settings
from tui.explore.dfs import dfs_results
from tui.explore.runs import RunResult, run_schedule

STRATEGIES = ("pct", "random", "dfs")
DEFAULT_DEPTH = 3
"""PCT's depth: most concurrency bugs need one to three orderings forced (two priority changes)."""
MAX_SHRINK_RUNS = 200
"""A shrink tries one deviation at a time; it stops here, keeping what it has."""


Pool = Callable[[int], Executor]
"""Starts an executor for a search's schedules, given how many run at once (--jobs)."""


@dataclass(frozen=True)
class Search:
    """What to search: the program, its settings, and how."""

    path: str
    options: Settings
    budget: int
    strategy: str = "pct"
    seed: int = 0
    jobs: int = 1
    depth: int = DEFAULT_DEPTH
    """PCT's depth; dfs's bound: the most deviations from the default schedule it tries."""
    reduction: bool = True
    """dfs: skip the schedules known to repeat a run already tried (tui.explore.dfs); False tries each."""
    pool: Pool | None = field(default=None, compare=False, repr=False)
    """What runs schedules side by side, given --jobs (explore --cluster's: a Dask cluster's); None: this
    machine (one job in this process, more in a ProcessPoolExecutor). It is given
    `submit(run_schedule, path, options, policy, index)` and nothing else."""


def process_pool(jobs: int) -> Executor:
    # Spawned, not forked: this process has run a recording already, and a fork would copy
    # the locks its threads (the memory guard's) might hold at that instant.
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))


@dataclass(frozen=True)
class Found:
    """A search's end: the failure it found (shrunk) or None, and what it saw on the way."""

    failing: RunResult | None
    found_at: RunResult | None
    """The failing run as the search met it, before shrinking."""
    tried: int
    distinct: int


Progress = Callable[[int, int, float], None]
"""Called after each schedule: (schedules tried, distinct runs, seconds since the start)."""


def _derived(seed: int, index: int) -> int:
    """Schedule `index` of a search with `seed`: a number of its own, the same on every machine."""
    digest = hashlib.sha256(f"{seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


def policy_for(search: Search, index: int, steps: int) -> str:
    derived = _derived(search.seed, index)
    if search.strategy == "pct":
        return f"pct:{derived}:{search.depth}:{max(1, steps)}"
    return f"walk:{derived}"


def _decisions_in_a_run(search: Search) -> int:
    """PCT places its priority changes among a run's decisions: a first run (a walk) counts them."""
    probe = run_schedule(search.path, search.options, f"walk:{_derived(search.seed, -1)}", -1)
    return len(probe.schedule)


def explore(search: Search, progress: Progress | None = None) -> Found:
    """Try up to `search.budget` schedules; the first failure (by index) is shrunk and returned."""
    started = time.monotonic()
    steps = _decisions_in_a_run(search) if search.strategy == "pct" else 1
    digests: dict[int, str] = {}
    failing: RunResult | None = None
    for result in _results(search, steps):
        digests[result.index] = result.digest
        if result.failure is not None and (failing is None or result.index < failing.index):
            failing = result
        if progress is not None:
            progress(len(digests), len(set(digests.values())), time.monotonic() - started)
    if failing is None:
        return Found(None, None, len(digests), len(set(digests.values())))
    # Only what a one-job search would have seen counts: the same report with any -j.
    seen = [digest for index, digest in digests.items() if index <= failing.index]
    return Found(shrink(search, failing), failing, failing.index + 1, len(set(seen)))


def _results(search: Search, steps: int) -> Iterator[RunResult]:
    """Each schedule's result, as it ends; none is started past a failure already found.

    The first runs alone: a run that asked no decision at all (one thread, or
    coroutines alone, whose ready queue is FIFO) is the program's only one,
    whatever the policy, and the search ends there.
    """
    if search.strategy == "dfs":
        yield from dfs_results(search, lambda: (search.pool or process_pool)(search.jobs))
        return
    first = run_schedule(search.path, search.options, policy_for(search, 0, steps), 0)
    yield first
    if first.failure is not None or not first.schedule:
        return
    if search.jobs <= 1 and search.pool is None:
        for index in range(1, search.budget):
            result = run_schedule(search.path, search.options, policy_for(search, index, steps), index)
            yield result
            if result.failure is not None:
                return
        return
    with (search.pool or process_pool)(search.jobs) as pool:
        pending: dict[Future[RunResult], int] = {}
        """Each schedule submitted and not yet seen, with its index."""
        next_index = 1
        first_failure: int | None = None
        while True:
            while len(pending) < 2 * search.jobs and next_index < search.budget and first_failure is None:
                policy = policy_for(search, next_index, steps)
                pending[pool.submit(run_schedule, search.path, search.options, policy, next_index)] = next_index
                next_index += 1
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                del pending[future]
                result = future.result()
                if result.failure is not None and (first_failure is None or result.index < first_failure):
                    first_failure = result.index
                yield result
            if first_failure is not None:
                # Runs of a lower index may still fail first: they finish; the others go. By index, not
                # by state: Dask's executor cancels a running task too, and promises no order of running.
                for future, index in list(pending.items()):
                    if index > first_failure and future.cancel():
                        del pending[future]


@contextmanager
def _schedule_files() -> Iterator[Callable[[list[int]], str]]:
    """Policies replaying a list of answers, each through a file (a long list would not fit in argv)."""
    with tempfile.TemporaryDirectory(prefix="concur-tui-shrink-") as folder:
        count = 0

        def replay(answers: list[int]) -> str:
            nonlocal count
            count += 1
            path = os.path.join(folder, f"{count}.json")
            with open(path, "w", encoding="utf-8") as file:
                json.dump({"schedule": answers}, file)
            return f"replay:@{path}"

        yield replay


def shrink(search: Search, failing: RunResult) -> RunResult:
    """The same failure with the fewest deviations found: each non-default answer set back to the
    default in turn, kept where the failure stays. The result's schedule is what its run answered."""
    best = failing
    runs = 0
    with _schedule_files() as replay:
        position = 0
        while position < len(best.schedule) and runs < MAX_SHRINK_RUNS:
            if best.schedule[position] == 0:
                position += 1
                continue
            trial = [*best.schedule[:position], 0, *best.schedule[position + 1 :]]
            result = run_schedule(search.path, search.options, replay(trial))
            runs += 1
            if result.kind == best.kind and result.deviations < best.deviations:
                best = result
            else:
                position += 1
        # The shrunk schedule, as its own run answered it, replayed once more from a clean file:
        # the saved schedule must give this failure by itself.
        final = run_schedule(search.path, search.options, replay(best.schedule))
    return final if final.kind == best.kind else best
