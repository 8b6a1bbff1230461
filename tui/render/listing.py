"""Provides the readable `concur-tui trace` listing: one line per frame, then the outcome."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, cast

from rich.console import Console
from rich.text import Text

from tui.render.inert import inert
from tui.render.styles import pad, shorten
from tui.trace.model import Trace, TraceFormatError
from tui.trace.narrate import narrate
from tui.trace.schema import Frame, Report, Summary

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
}


class LineSource(Protocol):
    """A live recording or a saved trace: anything that yields trace lines (the listing never starts one)."""

    def lines(self) -> Iterator[str]: ...


def frame_line(trace: Trace, index: int) -> Text:
    """`  12  t=1.000s  worker-1  <narration>` for frame `index`.

    Names and narration come from the program, so they pass through `inert()`:
    stdout may be a terminal.
    """
    frame = trace.frame(index)
    world = trace.state_at(index)
    actor = frame.get("a", "")
    who = world.name(actor) if actor != "cb" else "loop"
    line = Text()
    line.append(f"{index + 1:>6} ", style="dim")  # frames count from 1 on screen, as in the app
    line.append(f"t={frame['t']:8.3f}s ", style="cyan")
    line.append(pad(shorten(inert(who), 16), 16) + " ", style="bold")
    line.append(inert(narrate(frame, world, trace.state_at(index - 1) if index else None)))
    return line


def _print_output(console: Console, frame: Frame) -> None:
    for text, style in ((frame.get("out"), ""), (frame.get("err"), "red")):
        if text:
            for printed in text.rstrip("\n").split("\n"):
                console.print(Text("         │ ", style="dim") + Text(inert(printed), style=style))


def print_summary(console: Console, summary: Summary) -> None:
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


def print_listing(recording: LineSource, console: Console | None = None, *, stop_before_error: bool = False) -> Summary:
    """Stream the recording's frames as readable lines; returns the summary.

    With `stop_before_error`, a program that could not even be compiled prints
    nothing here: the caller reports it on stderr.
    """
    console = console or Console(soft_wrap=True, highlight=False)
    trace = Trace()
    for line in recording.lines():
        try:
            trace.add_line(line)
        except TraceFormatError as exc:
            console.print(Text(f"bad trace line: {inert(str(exc))}", style="red"))
            continue
        if trace.summary is None:
            index = len(trace) - 1
            console.print(frame_line(trace, index))
            _print_output(console, trace.frame(index))
    summary = trace.summary or {"outcome": "crashed"}
    if not (stop_before_error and summary.get("outcome") == "error"):
        print_summary(console, summary)
    return summary
