"""Provides OutputView: what the program printed up to the current frame."""

from __future__ import annotations

from bisect import bisect_right

from rich.text import Text

from tui.render.inert import inert
from tui.viewmodel import FrameView
from tui.widgets.lineview import LineView


class OutputView(LineView):
    """stdout in plain text, stderr in red; the lines printed by the current frame stand out."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._lines: list[tuple[int, str, str]] = []
        self._line_frames: list[int] = []
        self._seen = 0
        self._trace_id = 0

    def _sync(self, view: FrameView) -> None:
        """Split new output into lines once; a trace only ever grows."""
        if id(view.trace) != self._trace_id:
            self._trace_id, self._seen = id(view.trace), 0
            self._lines, self._line_frames = [], []
        output = view.trace.output
        for index, stream, text in output[self._seen :]:
            for line in text.rstrip("\n").split("\n"):
                self._lines.append((index, stream, inert(line)))  # printed text must not drive the terminal
                self._line_frames.append(index)
        self._seen = len(output)

    def show(self, view: FrameView) -> None:
        self._sync(view)
        count = bisect_right(self._line_frames, view.index)
        lines = self._lines

        def row(position: int) -> Text:
            index, stream, line = lines[position]
            style = "red" if stream == "err" else ""
            if index == view.index:
                style += " bold"
            return Text(line, style=style.strip())

        current = count > 0 and self._line_frames[count - 1] == view.index
        self.set_rows(count, row, 120, key=(self._trace_id, count, current))
        if count:
            # After the new height is laid out, or the scroll is clamped to the old one.
            self.call_after_refresh(self.scroll_to_row, count - 1)
