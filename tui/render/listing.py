"""Provides the readable `concur-tui trace` listing: one line per frame, then the outcome.

The listing streams: each frame is folded into one World as it arrives and
narrated from it, with as much of the world before the frame as narrate()
reads (narrate.what_before: for most frames nothing, or the resources the
frame sets). No frame is parsed twice (a source that checks its lines hands
over their records: `records()`), and no state is rebuilt from a keyframe.
When nothing is styled (stdout is a file or a pipe) the lines are plain text,
the very characters Rich would write, joined and written in batches;
otherwise each line is a rich Text, styled as before.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, Protocol, TextIO, cast

from rich.console import Console
from rich.text import Text

from tui.render.decision import answers, question
from tui.render.inert import inert
from tui.render.styles import pad, shorten
from tui.trace.check import LineCheck
from tui.trace.model import Trace, TraceFormatError
from tui.trace.narrate import narrate, what_before
from tui.trace.schema import Frame, Report, Summary
from tui.trace.state import World

OUTCOME_STYLES = {
    "completed": "bold green",
    "exception": "bold red",
    "deadlock": "bold red",
    "frame-limit": "bold yellow",
    "runaway": "bold yellow",
    "memory": "bold yellow",
    "thread-limit": "bold yellow",
    "process-limit": "bold yellow",
    "crashed": "bold red",
    "error": "bold red",
    "decision": "bold cyan",
}


class LineSource(Protocol):
    """A live recording or a saved trace: anything that yields trace lines (the listing never starts one)."""

    def lines(self) -> Iterator[str]: ...


class CheckedSource(LineSource, Protocol):
    """A source that checks its lines itself and hands over each one's record (tui.sources' two do)."""

    def records(self) -> Iterator[tuple[str, dict[str, Any] | None]]: ...


OUTPUT_GUTTER = "         │ "
"""What starts a line the program printed, under its frame."""

FLUSH_SECONDS = 0.1
"""A plain listing writes what it has at least this often while frames arrive (a reader may be watching)."""

FLUSH_LINES = 4096
"""...and at least every this many lines."""


@lru_cache(maxsize=4096)
def _who(name: str) -> str:
    """The name column: 16 cells and a space."""
    return pad(shorten(inert(name), 16), 16) + " "


def who_ran(frame: Frame, world: World) -> str:
    """The name of the frame's actor (as the program named it, not inert), or `loop` for a loop callback."""
    actor = frame.get("a", "")
    return world.name(actor) if actor != "cb" else "loop"


def _parts(frame: Frame, index: int, world: World, before: World | None) -> tuple[str, str, str, str]:
    """The four columns of a frame's line: number, time, who, narration (each inert; styled by the caller)."""
    return (
        f"{index + 1:>6} ",  # frames count from 1 on screen, as in the app
        f"t={frame['t']:8.3f}s ",
        _who(who_ran(frame, world)),
        inert(narrate(frame, world, before)),
    )


def _styled(parts: tuple[str, str, str, str]) -> Text:
    number, when, who, narration = parts
    line = Text()
    line.append(number, style="dim")
    line.append(when, style="cyan")
    line.append(who, style="bold")
    line.append(narration)
    return line


def frame_line(trace: Trace, index: int) -> Text:
    """`  12  t=1.000s  worker-1  <narration>` for frame `index`.

    Names and narration come from the program, so they pass through `inert()`:
    stdout may be a terminal.
    """
    before = trace.state_at(index - 1) if index else None
    return _styled(_parts(trace.frame(index), index, trace.state_at(index), before))


def _printed(frame: Frame) -> Iterator[tuple[str, str]]:
    """Each line the frame's program printed, inert, with its style ("" for stdout, "red" for stderr)."""
    for text, style in ((frame.get("out"), ""), (frame.get("err"), "red")):
        if text:
            for printed in text.rstrip("\n").split("\n"):
                yield inert(printed), style


def _print_output(console: Console, frame: Frame) -> None:
    for printed, style in _printed(frame):
        console.print(Text(OUTPUT_GUTTER, style="dim") + Text(printed, style=style))


def print_summary(console: Console, summary: Summary, world: World | None = None) -> None:
    outcome = summary.get("outcome", "?")
    head = Text("outcome: ", style="bold") + Text(inert(outcome), style=OUTCOME_STYLES.get(outcome, "bold"))
    head.append(f"   frames: {summary.get('frames', 0)}   virtual time: {summary.get('virtual_time', 0.0):.3f}s")
    if summary.get("result") is not None:
        head.append(f"   result: {inert(str(summary['result']))}")
    console.print(head)
    if summary.get("error"):
        console.print(Text(inert(str(summary["error"]), multiline=True), style="red"))
    report: Report = summary.get("report") or {}
    if summary.get("error") and report.get("text") == summary.get("error"):
        report = cast(Report, {key: value for key, value in report.items() if key != "text"})  # said once is enough
    traceback = report.get("traceback")
    if traceback:
        console.print(Text(inert(traceback.rstrip("\n"), multiline=True), style="red"))
    elif report.get("message"):
        console.print(Text(inert(f"{report.get('type', 'Error')}: {report['message']}", multiline=True), style="red"))
    elif report.get("text"):
        text = inert(str(report["text"]), multiline=True)
        console.print(Text(text, style="red" if outcome != "frame-limit" else "yellow"))
    decision = summary.get("decision")
    if outcome == "decision" and decision is not None:
        name = (world or World()).name
        console.print(Text("asks: " + question(decision, name), style="cyan"))
        for number, answer in enumerate(answers(decision, name), 1):
            console.print(Text(f"  {number}. {answer.label}"))


CATCH_UP = 64
"""Frames the world before a frame may lag behind; further back, it is a snapshot of the world instead."""


class _Listing:
    """The listing as it streams: the fold and the output.

    `world` is the world after the last frame. narrate() also reads the world
    before a frame, but rarely all of it (narrate.what_before): only a thread
    woken or timed out needs the whole of it, which `before` keeps, folded up
    lazily (or snapshot again) when such a frame comes; most frames need the
    resources they set, or nothing.
    """

    def __init__(self, console: Console, plain: TextIO | None) -> None:
        self.console = console
        self.check = LineCheck()
        """Reads the lines as a Trace would, so bad ones are named as they always were."""
        self.world = World()
        self.before: World | None = None
        """The world before some frame, and the frames since then (`behind`); None: not kept."""
        self.behind: list[Frame] = []
        self._nothing = World()
        self.frames = 0
        self.plain = plain
        """Where plain text goes (nothing is styled), or None: each line is printed through the console."""
        self._pending: list[str] = []
        self._due = time.monotonic() + FLUSH_SECONDS

    def take(self, line: str, record: dict[str, Any] | None) -> None:
        """One line of the trace, with the record its source's check read (None: read it here)."""
        check = self.check
        if record is not None and check.summary is None and "summary" not in record:
            # The source's check read this frame in this same place: count it as read here too.
            check.number += 1
            check.frames += 1
        else:
            try:
                record = check.read(line)
            except TraceFormatError as exc:
                self.say(Text(f"bad trace line: {inert(str(exc))}", style="red"))
                return
            if record is None or "summary" in record:
                return  # a blank line, or the summary (the caller prints it once the lines are over)
        self.frame(cast(Frame, record))

    def _world_before(self, frame: Frame) -> World:
        """What narrate() reads of the world before `frame`, which is not folded yet."""
        needed = what_before(frame)
        world = self.world
        if needed == "nothing":
            return self._nothing
        if needed == "resources":
            partial = World()
            resources = world.resources
            for rid in frame.get("set") or ():
                resource = resources.get(rid)
                if resource is not None:  # a copy: the fold sets the state of the world's own in place
                    partial.resources[rid] = resource.clone(resource.gen)
            return partial
        before = self.before
        if before is None:
            before = self.before = world.snapshot()
        else:
            for behind in self.behind:
                before.apply(behind)
        self.behind.clear()
        return before

    def frame(self, frame: Frame) -> None:
        index = self.frames
        self.frames += 1
        before = self._world_before(frame) if index else None
        world = self.world
        world.apply(frame)
        if self.before is not None:
            self.behind.append(frame)
            if len(self.behind) > CATCH_UP:
                self.before = None
                self.behind.clear()
        if self.plain is None:
            self.console.print(_styled(_parts(frame, index, world, before)))
            _print_output(self.console, frame)
            return
        # The plain line is the four parts of _parts() run together, written in one f-string.
        who = _who(who_ran(frame, world))
        narration = inert(narrate(frame, world, before))
        pending = self._pending
        pending.append(f"{index + 1:>6} t={frame['t']:8.3f}s {who}{narration}\n")
        if "out" in frame or "err" in frame:
            pending.extend(f"{OUTPUT_GUTTER}{printed}\n" for printed, _style in _printed(frame))
        if len(pending) >= FLUSH_LINES or time.monotonic() >= self._due:
            self.flush()

    def say(self, text: Text) -> None:
        """A line through the console (a bad line, the summary), after the plain lines before it."""
        self.flush()
        self.console.print(text)

    def flush(self) -> None:
        if self.plain is not None and self._pending:
            self.plain.write("".join(self._pending))
            self.plain.flush()
            self._pending.clear()
        self._due = time.monotonic() + FLUSH_SECONDS

    @property
    def summary(self) -> Summary | None:
        return cast("Summary | None", self.check.summary)


def _lines_with_records(recording: LineSource) -> Iterator[tuple[str, dict[str, Any] | None]]:
    records = getattr(recording, "records", None)
    if callable(records):
        yield from cast(CheckedSource, recording).records()
        return
    for line in recording.lines():
        yield line, None


def print_listing(recording: LineSource, console: Console | None = None, *, stop_before_error: bool = False) -> Summary:
    """Stream the recording's frames as readable lines; returns the summary.

    With `stop_before_error`, a program that could not even be compiled prints
    nothing here: the caller reports it on stderr. Without a `console`, the
    listing makes one for stdout, and writes plain text itself when that
    console would style nothing.
    """
    plain: TextIO | None = None
    if console is None:
        console = Console(soft_wrap=True, highlight=False)
        if console.color_system is None and not console.record:
            plain = cast(TextIO, console.file)
    listing = _Listing(console, plain)
    take = listing.take
    try:
        for line, record in _lines_with_records(recording):
            take(line, record)
    finally:
        listing.flush()  # an interrupted listing still shows every frame it read
    summary = listing.summary or {"outcome": "crashed"}
    if not (stop_before_error and summary.get("outcome") == "error"):
        print_summary(console, summary, listing.world)
    return summary
