"""The `trace` listing's oracle: the listing as it was first built, every line read into a whole Trace."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

import pytest
from rich.console import Console
from rich.text import Text

from tui.render.inert import inert
from tui.render.listing import LineSource, _print_output, frame_line, print_listing, print_summary
from tui.trace.model import Trace, TraceFormatError


class LinesOnly:
    """A source with `lines()` and nothing else: the listing checks every line itself."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines

    def lines(self) -> Iterator[str]:
        yield from self._lines


def listing_through_a_trace(lines: Iterable[str], console: Console) -> None:
    """Each line added to a Trace; each frame's line drawn from it (`state_at`), printed through Rich."""
    trace = Trace()
    for line in lines:
        try:
            trace.add_line(line)
        except TraceFormatError as exc:
            console.print(Text(f"bad trace line: {inert(str(exc))}", style="red"))
            continue
        if trace.summary is None:
            index = len(trace) - 1
            console.print(frame_line(trace, index))
            _print_output(console, trace.frame(index))
    print_summary(console, trace.summary or {"outcome": "crashed"})


def plain_console() -> Console:
    """What the CLI's console is when stdout is a file or a pipe: nothing styled."""
    return Console(file=io.StringIO(), soft_wrap=True, highlight=False)


def colour_console() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", soft_wrap=True, highlight=False)


def text_of(console: Console) -> str:
    file = console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


def expected_listing(lines: Iterable[str], console: Console | None = None) -> str:
    console = console or plain_console()
    listing_through_a_trace(lines, console)
    return text_of(console)


def streamed_plain(source: LineSource, monkeypatch: pytest.MonkeyPatch) -> str:
    """print_listing as the CLI calls it (no console given) with stdout a file: the plain path."""
    stdout = io.StringIO()
    monkeypatch.setattr("sys.stdout", stdout)
    print_listing(source)
    return stdout.getvalue()
