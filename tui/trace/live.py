"""Provides LiveTrace: a trace that grows while its recording still streams in.

The recording's lines arrive on a reading thread, faster than a screen can
fold them all at once (a 100,000-frame run), so they wait in a queue and
`fold` takes them in slices that fit a time budget: the viewer stays
responsive and shows the first frames while the rest still arrive. Every
line is checked as it is folded (tui.trace.check), once; the first bad one
ends the run as `crashed`, with the good frames before it kept.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from tui.trace.codec import encode_summary
from tui.trace.model import Trace, TraceFormatError
from tui.trace.schema import Frame, Summary

Ending = Callable[[TraceFormatError, int, Frame | None], str]
"""Turns a malformed line into the run's last line, a summary: (problem, good frames, last good frame).

The recording's `malformed` (tui.sources) is one: it also stops the
process that sent the line, and words the summary as the CLI does.
"""


@dataclass(frozen=True)
class Folded:
    """What one `fold` changed."""

    frames: int
    """Frames added to the trace."""
    cut: str | None = None
    """Why the trace stops early, when this fold reached a `cut` summary (tui.trace.format)."""


@dataclass(frozen=True)
class _Broken:
    """The stream itself failed (the pipe could not be read): the run ends where the trace has got to."""

    error: str


def malformed_summary(problem: TraceFormatError, frames: int, last: Frame | None = None) -> str:
    """The default Ending, for a stream that no process sends: `crashed`, saying which line was bad."""
    where = f"after frame {frames}" if frames else "before its first frame"
    return encode_summary(
        {"outcome": "crashed", "frames": frames, "error": f"the trace sent a malformed line {where}: {problem}"}
    )


class LiveTrace:
    """A Trace fed line by line from any thread, folded in time-boxed slices on one thread.

    `feed` and `fail` may be called from the reading thread while `fold` runs
    on the viewer's: the queue between them is a deque, whose appends and
    pops are atomic.
    """

    def __init__(self, ending: Ending = malformed_summary, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.trace = Trace()
        self.problem: str | None = None
        """What was wrong with the line that ended the run early, if one did."""
        self._ending = ending
        self._clock = clock
        self._pending: deque[str | _Broken] = deque()
        self._closed = False

    # -- the reading side (any thread) ----------------------------------------------------

    def feed(self, line: str) -> None:
        """Queue one line of the trace (str, no newline), to be checked and folded by `fold`."""
        if not self._closed:
            self._pending.append(line)

    def fail(self, error: str) -> None:
        """The stream broke before its summary: once folded, the run ends as `crashed` with `error`."""
        if not self._closed:
            self._pending.append(_Broken(error))

    def close(self) -> None:
        """Nothing more is wanted (the viewer records again or quits): lines fed from now on are dropped."""
        self._closed = True
        self._pending.clear()

    @property
    def closed(self) -> bool:
        """The reading thread's cue to stop reading."""
        return self._closed

    # -- the folding side (one thread) ----------------------------------------------------

    @property
    def pending(self) -> int:
        """Lines queued but not folded yet."""
        return len(self._pending)

    @property
    def finished(self) -> bool:
        """The whole run is in: its summary is folded and nothing waits."""
        return self.trace.complete and not self._pending

    @property
    def summary(self) -> Summary | None:
        return self.trace.summary

    @property
    def outcome(self) -> str | None:
        return self.trace.outcome

    def fold(self, budget: float) -> Folded:
        """Fold queued lines into the trace for at most about `budget` seconds (at least one line)."""
        trace = self.trace
        pending = self._pending
        before = len(trace)
        cut: str | None = None
        deadline = self._clock() + budget
        while pending and self._clock() < deadline:
            item = pending.popleft()
            if trace.complete:
                continue  # nothing follows a summary (the recording's own checks say so too)
            try:
                if isinstance(item, _Broken):
                    trace.add_line(encode_summary({"outcome": "crashed", "frames": len(trace), "error": item.error}))
                else:
                    trace.add_line(item)
            except TraceFormatError as exc:
                self._end(exc)
            if trace.cut and cut is None:
                cut = trace.cut
        return Folded(len(trace) - before, cut)

    def _end(self, problem: TraceFormatError) -> None:
        """A line that is not a good frame ends the run here, with the frames so far."""
        trace = self.trace
        self.problem = str(problem)
        last = trace.frame(len(trace) - 1) if len(trace) else None
        trace.add_line(self._ending(problem, len(trace), last))
        self._pending.clear()
