"""Provides the dfs strategy: every schedule within a bound of deviations, the fewest first, each once.

**The tree.** A schedule is a list of answers, one per decision (tui.engine.schedule);
0 is the default's. A schedule's parent is itself with its last deviation (its last
non-zero answer) set back to 0, so the default run (no deviation) is the root, and the
children of a run are `schedule[:p] + [a]`, replayed and then the defaults, for each
decision p after its last deviation and each answer a other than 0 that p could take:
another candidate for who runs (1 to n-1), or, for a slice, a cut at its 1st, 2nd, ...
switch point, up to MAX_CUT. Every schedule with d deviations within those bounds has
exactly one parent, with d - 1: walking the tree level by level tries each one once,
and all with d - 1 deviations before any with d (iterative preemption bounding, as in
CHESS: most concurrency bugs need one to three). `--depth` is the bound.

**The order**, the same on every machine and with any `--jobs`: by level; within a level,
by round (round 1: every other candidate, and the cut at the 1st switch point; round k: the
cut at the k-th, where the cut at the (k-1)-th was reached), then by the parent's own
place, then by decision. Schedule i of a search is the i-th of that order; a round is run
side by side, and the next is made only from the results of the ones before it, in their
order, so -j changes how fast, never what.

**The reduction, and why it is sound.** A slice cut at its k-th switch point whose
slice ended before reaching it (it blocked, finished, or another process went first)
counts its switch points down to the same end, instruction for instruction, as a cut at
the (k+1)-th would: the engine is deterministic, and the two runs are one, bit for bit
(the kernel reports such cuts: the summary's `cuts_unreached`). So a cut one point
further is tried only where the last one was reached; a slice with m switch points is
cut at m + 1 points at most, not MAX_CUT. Nothing else is pruned: the reduction only ever
skips a schedule whose run is one already tried, so no behaviour is lost, seen or unseen.

What is *not* done, and why. Reordering only slices that touch different resources (the
usual partial-order reduction) would be unsound here: the engine sees locks, queues and
events, never the program's plain memory, so two slices that touch no common resource may
still read and write one global (a lost update does exactly that); and a lock taken and
released within one slice leaves no mark in the trace at all. Merging runs whose frames
are equal (state caching) would be unsound too: a cut that switched nothing still changes
how the engine adds up its CPU charges, so two runs with equal frames can differ in the
last bits of the clock between them, and a program that read the clock there holds
different values, which a later decision may expose. Equal frames are not equal states.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.engine.settings import Settings
from tui.explore.runs import RunResult, run_schedule

if TYPE_CHECKING:
    from tui.explore.search import Search

MAX_CUT = 8
"""A slice is cut at its 1st to 8th switch point at most: a loop's turn has a few, so every
place in a loop's body is some slice's cut; a point past the slice's end is never tried."""


@dataclass(frozen=True)
class Trial:
    """One schedule of the tree: the answers to replay, and where it came from."""

    answers: tuple[int, ...]
    """Replayed, then the defaults: its last answer is its last deviation (none for the root)."""
    position: int = -1
    """The decision of its last deviation (-1: the root)."""

    @property
    def last_answer(self) -> int:
        """Its last deviation: a switch point for a slice, a candidate's index for who runs (0: the root)."""
        return self.answers[-1] if self.answers else 0


@dataclass(frozen=True)
class Tried:
    """A trial and its run: a parent of the next level."""

    trial: Trial
    result: RunResult


def round_one(parent: Tried) -> Iterator[Trial]:
    """The first answers of each decision after the parent's last deviation: every other
    candidate for who runs, and a cut at the 1st switch point for a slice."""
    answers, counts = parent.trial.answers, parent.result.candidate_counts
    for position in range(len(answers), len(counts)):
        prefix = (*answers, *(0,) * (position - len(answers)))  # the defaults the parent ran with
        count = counts[position]
        if count == 0:
            yield Trial((*prefix, 1), position)
        else:
            for answer in range(1, count):
                yield Trial((*prefix, answer), position)


def _cut_further(tried: Tried, reduction: bool) -> Trial | None:
    """The same slice cut one switch point later, unless the slice ended before this cut (the
    next would make this very run again) or MAX_CUT is reached; None for a choice of who runs."""
    trial, counts = tried.trial, tried.result.candidate_counts
    if not 0 <= trial.position < len(counts) or counts[trial.position] != 0:
        return None  # the root, or a choice of who runs
    if trial.last_answer >= MAX_CUT or (reduction and trial.position in tried.result.cuts_unreached):
        return None
    return Trial((*trial.answers[:-1], trial.last_answer + 1), trial.position)


def run_trial(path: str, options: Settings, answers: tuple[int, ...], index: int) -> RunResult:
    """Record `path` replaying `answers` (then the defaults); in a worker process of the search.

    A long list of answers goes through a file of its own: it would not fit in argv."""
    inline = "replay:" + ",".join(map(str, answers))
    if len(inline) < 200:
        return run_schedule(path, options, inline, index)
    handle, name = tempfile.mkstemp(prefix="concur-tui-dfs-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump({"schedule": list(answers)}, file)
        result = run_schedule(path, options, f"replay:@{name}", index)
    finally:
        os.unlink(name)
    return result


class _Rounds:
    """Runs rounds of trials in order, on one core or a pool, numbering them as a one-job search would."""

    def __init__(self, search: Search, pool: Callable[[], AbstractContextManager[Executor]], stack: ExitStack) -> None:
        self.search = search
        self._pool = pool
        self._stack = stack
        self._executor: Executor | None = None
        self.next_index = 0
        self.failed = False

    def run(self, trials: list[Trial]) -> Iterator[tuple[Trial, RunResult]]:
        """Each trial of the round with its result, in index order; none past the budget, none
        started past a failure (the ones before it finish: one of them may fail too)."""
        trials = trials[: max(0, self.search.budget - self.next_index)]
        first, self.next_index = self.next_index, self.next_index + len(trials)
        if self.search.jobs <= 1 or len(trials) <= 1:
            for offset, trial in enumerate(trials):
                result = run_trial(self.search.path, self.search.options, trial.answers, first + offset)
                yield trial, result
                if result.failure is not None:
                    self.failed = True
                    return
            return
        yield from self._side_by_side(trials, first)

    def _side_by_side(self, trials: list[Trial], first: int) -> Iterator[tuple[Trial, RunResult]]:
        if self._executor is None:
            self._executor = self._stack.enter_context(self._pool())
        search, executor = self.search, self._executor
        pending: dict[Future[RunResult], tuple[Trial, int]] = {}
        """Each trial submitted and not yet seen, with its index."""
        ended: dict[int, tuple[Trial, RunResult]] = {}
        submitted = 0
        failure: int | None = None
        shown = first
        while True:
            while len(pending) < 2 * search.jobs and submitted < len(trials) and failure is None:
                trial = trials[submitted]
                future = executor.submit(run_trial, search.path, search.options, trial.answers, first + submitted)
                pending[future] = (trial, first + submitted)
                submitted += 1
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                trial, _ = pending.pop(future)
                result = future.result()
                ended[result.index] = (trial, result)
                if result.failure is not None and (failure is None or result.index < failure):
                    failure = result.index
            if failure is not None:
                # By index, not by state: an executor may cancel a running task too (Dask's does).
                later = [future for future, (_, index) in pending.items() if index > failure and future.cancel()]
                for future in later:
                    del pending[future]
            while shown in ended:  # in index order: what a one-job search would have seen, so far
                yield ended.pop(shown)
                shown += 1
        self.failed = failure is not None
        for index in sorted(ended):  # past a failure: run by then, and reported (explore keeps the lowest)
            yield ended.pop(index)


def dfs_results(search: Search, pool: Callable[[], AbstractContextManager[Executor]]) -> Iterator[RunResult]:
    """Every schedule of the tree within `search.depth` deviations, level by level, until the
    budget, the first failure or the tree's end; `pool` makes the executor for `--jobs`."""
    with ExitStack() as stack:
        rounds = _Rounds(search, pool, stack)
        parents: list[Tried] = []
        for trial, result in rounds.run([Trial(())]):
            yield result
            parents.append(Tried(trial, result))
        for _level in range(search.depth):
            if rounds.failed or not parents:
                return
            level: list[Tried] = []
            trials = [trial for parent in parents for trial in round_one(parent)]
            while trials and not rounds.failed:
                ran: list[Tried] = []
                for trial, result in rounds.run(trials):
                    yield result
                    ran.append(Tried(trial, result))
                level.extend(ran)
                trials = [further for tried in ran if (further := _cut_further(tried, search.reduction))]
            parents = level
