"""Provides the `concur-tui lint` command: a run's warnings (tui.trace.lints), one line each, and its exit status."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from tui.engine import settings
from tui.render.inert import inert
from tui.trace.lints import KINDS, LintWarning, lints, summary
from tui.trace.model import Trace, load_lines
from tui.trace.schema import Summary

EXIT_NONE = 0
EXIT_WARNED = 1
FRAMES_SHOWN = 10
"""Frames named per warning; the rest are counted ("and 12 more")."""


class _Source(Protocol):
    """A recording or a saved trace (tui.sources): its lines, then its summary."""

    summary: Summary | None

    def lines(self) -> Iterator[str]: ...


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    kinds = "; ".join(f"{kind}: {meaning}" for kind, meaning in KINDS.items())
    parser = commands.add_parser(
        "lint",
        help="record FILE (or read a saved trace) and list what deserves a warning",
        description="Record FILE, or read a saved trace, and print one line per warning:"
        " `file:line: kind: message (frames ...)`, frames counted from 1 as on screen."
        f" Kinds: {kinds}. Exit 1: warnings; 0: none; 2: bad usage.",
    )
    parser.add_argument("file", help="a Python file, a bundled lesson's name, or a saved trace")
    settings.add_arguments(parser)


def frames_shown(frames: Iterable[int]) -> str:
    """`frames 3, 12, 40`: numbered from 1, as the app and the listing number them; the first ten, then a count."""
    numbers = [str(index + 1) for index in frames]
    if not numbers:
        return ""
    shown = ", ".join(numbers[:FRAMES_SHOWN])
    more = len(numbers) - FRAMES_SHOWN
    word = "frame" if len(numbers) == 1 else "frames"
    return f"{word} {shown}" + (f" and {more} more" if more > 0 else "")


def warning_line(warning: LintWarning, program: str) -> str:
    """One warning as `file:line: kind: message (frames ...)`, made inert: it names the program's things."""
    where = warning.where or program
    frames = frames_shown(warning.frames)
    return inert(f"{where}: {warning.kind}: {warning.message}" + (f" ({frames})" if frames else ""))


def run(source: _Source, name: str) -> tuple[int, Summary]:
    """Print `source`'s warnings to stdout and a one-line count to stderr; the exit status and the run's summary.

    A program that could not even start (outcome "error", no frame) prints nothing: its summary says why.
    """
    trace: Trace = load_lines(source.lines())
    if trace.outcome == "error" and not len(trace):
        return EXIT_NONE, trace.summary or {}  # nothing ran: the caller says why, as bad usage
    found = lints(trace)
    program = str(trace.header.get("file") or name)
    for warning in found:
        print(warning_line(warning, program))
    outcome = trace.outcome or "crashed"
    ran = f"the run ended: {outcome}" if outcome != "completed" else "the run completed"
    print(f"concur-tui lint: {summary(found)} ({ran}, {len(trace)} frames)", file=sys.stderr)
    return (EXIT_WARNED if found else EXIT_NONE), trace.summary or {}
