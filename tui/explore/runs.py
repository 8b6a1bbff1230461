"""Provides run_schedule(): one recording under one policy, judged by its trace.

It runs in a worker process of the search (a ProcessPoolExecutor's), so
what it returns is small and plain: the run's answers, a digest of its
frames (two runs with one digest interleaved alike), and its failure.
The digest leaves out what names the policy rather than the run (the
header's settings, the summary's answers): two schedules that differ only
in an answer that changed nothing (a slice cut at a switch point it never
reached) digest alike.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any

from tui.engine.settings import Settings
from tui.render.inert import inert
from tui.sources import Recording

FAILING_OUTCOMES = ("deadlock", "exception")
"""Outcomes that are the program's failure (the others are the tool's limits or a clean end)."""


@dataclass(frozen=True)
class RunResult:
    index: int
    """Which schedule of the search (0 for a replay)."""
    policy: str
    outcome: str
    schedule: list[int]
    """The answers the run gave at its decisions: replaying them gives this run again."""
    candidate_counts: list[int]
    """How many candidates each decision of `schedule` had (0: a slice decision, see tui.engine.schedule)."""
    cuts_unreached: tuple[int, ...]
    """The slice decisions of `schedule` whose slice ended before the switch point it was cut at."""
    digest: str
    """A hash of the frames (but the header, which names the policy): equal for equal interleavings."""
    failure: str | None
    """The failure in one line ("deadlock: ...", "exception in Th2: ..."), None when the run did not fail."""

    @property
    def kind(self) -> str | None:
        """What failed, for comparing two runs' failures while shrinking: "deadlock", "exception"
        (a thread's uncaught exception is one too, in a run whose outcome is "completed")."""
        if self.failure is None:
            return None
        return self.outcome if self.outcome in FAILING_OUTCOMES else "exception"

    @property
    def deviations(self) -> int:
        """How far from the default schedule: the answers that are not the default's (0)."""
        return sum(1 for answer in self.schedule if answer)


def _failure(summary: dict[str, Any], thread_errors: list[tuple[str, str]]) -> str | None:
    outcome = summary.get("outcome")
    report = summary.get("report") or {}
    if outcome == "deadlock":
        lines = [line.strip() for line in str(report.get("text") or "").splitlines()]
        cycle = next((line for line in lines if line.startswith("cycle:")), None)
        return inert(f"deadlock, {cycle}" if cycle else "deadlock: nothing can run again")
    if outcome == "exception":
        where = report.get("where")
        message = f"{report.get('type', '')}: {report.get('message', '')}".strip(": ")
        return inert(f"exception: {message}" + (f" at {where}" if where else ""))
    if thread_errors:
        actor, error = thread_errors[0]
        return inert(f"exception in {actor}: {error}")
    return None


def run_schedule(path: str, options: Settings, policy: str, index: int = 0) -> RunResult:
    """Record `path` under `policy` and judge the run."""
    recording = Recording(path, replace(options, policy=policy))
    digest = hashlib.sha256()
    thread_errors: list[tuple[str, str]] = []
    first = True
    for line, record in recording.records():
        if first:
            first = False  # the header names the policy: left out, so equal runs digest alike
            continue
        if record is not None and "summary" in record:
            continue  # digested below, without the answers and where the file was (a cluster may record a copy)
        digest.update(line.encode("utf-8", "backslashreplace"))
        if record is not None and record.get("k") == "thread" and record.get("st") == "failed":
            thread_errors.append((str(record.get("a")), str(record.get("error", ""))))
    summary: dict[str, Any] = dict(recording.summary or {})
    schedule = list(summary.pop("schedule", None) or [])
    counts = list(summary.pop("candidate_counts", None) or [])
    unreached = tuple(summary.pop("cuts_unreached", None) or ())
    summary.pop("deviations", None)  # the answers again, as frames: two schedules may make one run
    digested = {**summary, "scenario": None}
    digest.update(json.dumps(digested, sort_keys=True, default=str).encode("utf-8", "backslashreplace"))
    failure = _failure(summary, thread_errors)
    outcome = str(summary.get("outcome", "crashed"))
    return RunResult(index, policy, outcome, schedule, counts, unreached, digest.hexdigest(), failure)
