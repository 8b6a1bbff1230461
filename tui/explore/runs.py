"""Provides run_schedule(): one recording under one policy, judged by its trace.

It runs in a worker process of the search (a ProcessPoolExecutor's), so
what it returns is small and plain: the run's answers, a digest of its
frames (two runs with one digest interleaved alike), and its failure.
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
        if line.startswith('{"summary":'):
            continue  # digested below, but for where the file was (a cluster's worker may record a copy)
        digest.update(line.encode("utf-8", "backslashreplace"))
        if record is not None and record.get("k") == "thread" and record.get("st") == "failed":
            thread_errors.append((str(record.get("a")), str(record.get("error", ""))))
    summary: dict[str, Any] = dict(recording.summary or {})
    digest.update(json.dumps({**summary, "scenario": None}, sort_keys=True).encode("utf-8", "backslashreplace"))
    schedule = summary.get("schedule") or []
    failure = _failure(summary, thread_errors)
    return RunResult(index, policy, str(summary.get("outcome", "crashed")), list(schedule), digest.hexdigest(), failure)
