"""Provides Timeline: one swimlane per task across frames (or virtual time), the cursor marked."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.render.inert import inert
from tui.render.styles import ACTOR_COLORS, CODE_GLYPHS, CODE_STYLES, STATE_STYLES, actor_color, legend, pad, shorten
from tui.render.ticks import axis_cells, frame_ticks, time_ticks
from tui.trace.deviations import placed
from tui.trace.model import STATE_CODES, Trace
from tui.trace.state import Actor
from tui.viewmodel import FrameView

LABEL_WIDTH = 16
RUNNING = STATE_CODES["running"]
CURSOR = Style(underline=True, bold=True)
DIM = Style(dim=True)
BOLD = Style(bold=True)
DEVIATION = Style(color="magenta", bold=True)
DEVIATION_MARK = "*"
"""On the axis, above a frame a non-default answer of the run's schedule made (summary's `deviations`)."""
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


@lru_cache(maxsize=512)
def _style_for(code: int, color: str, at_cursor: bool, label: bool = False) -> Style:
    """The style of a timeline cell (cached: rows repaint on every step)."""
    if label:
        return Style(color=color)
    style = Style(color=color, reverse=True, bold=True) if code == RUNNING else CODE_STYLES.get(code, Style())
    return style + CURSOR if at_cursor else style


def frame_window(cursor: int, count: int, width: int) -> range:
    """The frames the columns show by frame: the cursor two thirds of the way across, so what comes next shows too."""
    start = max(0, min(cursor - (2 * width) // 3, count - width))
    return range(start, min(count, start + width))


class Timeline(ScrollView, can_focus=True, inherit_bindings=False):
    """Rows are actors; columns are frames around the cursor, or the whole run in virtual time."""

    BINDINGS = [
        Binding("up", "scroll_up", "Up", show=False),
        Binding("down", "scroll_down", "Down", show=False),
    ]

    by_time: reactive[bool] = reactive(False)
    """Columns are equal slices of virtual time instead of single frames."""

    @dataclass
    class Seek(Message):
        """The user clicked a column: go to this frame."""

        index: int

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._view: FrameView | None = None
        self._actors: list[Actor] = []
        """The rows' actors (the view's list: their names are made inert as their rows are drawn)."""
        self._paint: tuple[Style, int, int | None] | None = None
        """While a paint is under way: the widget's style, its width and the cursor's column (one look-up each)."""
        self.columns: list[int] = []
        """The frame index each column shows (the last frame of its time slice)."""
        self._time_span = 0.0
        self._core_rows = 0
        self._deviations: list[int] = []
        """The frames the schedule's deviations show in, sorted."""

    def show(self, view: FrameView) -> None:
        self._view = view
        self._actors = view.actors()
        self._deviations = sorted({deviation.frame for deviation in placed(view.trace)})
        # With several processes, one row per core shows which process it runs.
        self._core_rows = view.trace.core_count if len(view.world.processes) > 1 else 0
        size = Size(self.scrollable_content_region.width, len(self._actors) + self._core_rows + 2)
        if size != self.virtual_size:
            self.virtual_size = size
        self._layout_columns()
        self.refresh()

    def watch_by_time(self) -> None:
        if self._view is not None:
            self.show(self._view)

    def _layout_columns(self) -> None:
        view = self._view
        width = max(1, self.scrollable_content_region.width - LABEL_WIDTH)
        if view is None or view.count == 0:
            self.columns = []
            return
        trace = view.trace
        if self.by_time:
            end = trace.times[-1] if trace.times else 0.0
            self._time_span = end
            if end <= 0:
                self.columns = [len(trace) - 1]
                return
            self.columns = [trace.frame_at_time(end * (c + 1) / width) for c in range(width)]
            return
        self.columns = list(frame_window(view.index, len(trace), width))

    def cursor_column(self) -> int | None:
        view = self._view
        if view is None:
            return None
        if self.by_time:
            current = view.index
            for column, index in enumerate(self.columns):
                if index >= current:
                    return column
            return len(self.columns) - 1 if self.columns else None
        try:
            return self.columns.index(view.index)
        except ValueError:
            return None

    def render_lines(self, crop: Region) -> list[Strip]:
        # What every row needs is looked up once for the paint (the style walks the widget's ancestors).
        self._paint = (self.rich_style, self.scrollable_content_region.width, self.cursor_column())
        try:
            return super().render_lines(crop)
        finally:
            self._paint = None

    def render_line(self, y: int) -> Strip:
        base, width, cursor = self._paint or (self.rich_style, self.scrollable_content_region.width, None)
        view = self._view
        if view is None:
            return Strip.blank(width, base)
        if self._paint is None:
            cursor = self.cursor_column()
        if y == 0:
            return self._axis(width, cursor)
        row = y - 1 + int(self.scroll_y)
        core_row = row - len(self._actors)
        if 0 <= core_row < self._core_rows:
            return self._core_line(view, core_row, width, cursor)
        if row == len(self._actors) + self._core_rows:
            return self._legend(width)
        if row > len(self._actors):
            return Strip.blank(width, base)
        actor = self._actors[row]
        actor_id = actor.id
        codes = self._row_codes(view, actor_id)
        color = actor_color(actor_id)
        label = shorten(inert(actor.name), LABEL_WIDTH - 1)
        segments = [Segment(pad(label, LABEL_WIDTH), _style_for(RUNNING, color, False, label=True))]
        # Runs of equal cells become one segment: a row is a handful of segments, not 100.
        run_start = 0
        for column in range(1, len(codes) + 1):
            if column < len(codes) and codes[column] == codes[run_start] and column != cursor and run_start != cursor:
                continue
            code = codes[run_start]
            glyph = CODE_GLYPHS.get(code, " ") if code else " "
            segments.append(Segment(glyph * (column - run_start), _style_for(code, color, run_start == cursor)))
            run_start = column
        return Strip(segments).crop_extend(0, width, base)

    def _core_line(self, view: FrameView, core: int, width: int, cursor: int | None) -> Strip:
        """`cpu0  00111122` : which process (by number) runs on this core, bold where it ran."""
        trace = view.trace
        segments = [Segment(f"{'cpu' + str(core):<{LABEL_WIDTH}}", DIM)]
        previous = -1
        for column, index in enumerate(self.columns):
            ran = any(
                trace.cores[i] == core for i in range(max(previous + 1, index if not self.by_time else 0), index + 1)
            )
            previous = index
            owner = trace.core_owner(core, index)
            glyph = _BASE36[owner % 36] if owner >= 0 else "."
            style = Style(color=ACTOR_COLORS[owner % len(ACTOR_COLORS)], bold=ran, dim=not ran) if owner >= 0 else DIM
            if column == cursor:
                style = style + CURSOR
            segments.append(Segment(glyph, style))
        return Strip(segments).crop_extend(0, width, self.rich_style)

    def _row_codes(self, view: FrameView, actor_id: str) -> list[int]:
        """The state code of one actor in each column (RUNNING where it ran)."""
        trace = view.trace
        columns = self.columns
        if not self.by_time and columns and columns[-1] - columns[0] == len(columns) - 1:
            return _window_codes(trace, actor_id, columns[0], columns[-1] + 1)
        slot = trace._actor_slot.get(actor_id)
        column_actor = trace.actor_index
        if not self.by_time:
            return [
                RUNNING if slot is not None and column_actor[index] == slot else trace.state_code(actor_id, index)
                for index in self.columns
            ]
        codes = [trace.state_code(actor_id, index) for index in self.columns]
        # By time, a column is a slice of virtual time: it shows running wherever one of
        # the actor's steps overlaps it (a 5 ms slice of CPU covers several columns).
        span = self._time_span / max(1, len(self.columns))
        if span > 0:
            for index in trace.frames_of(actor_id):
                start, end = trace.times[index], trace.ends[index]
                first = int(start / span)
                last = max(first, int((end - 1e-12) / span))
                for column in range(first, min(last, len(codes) - 1) + 1):
                    codes[column] = RUNNING
        return codes

    def _axis(self, width: int, cursor: int | None) -> Strip:
        view = self._view
        assert view is not None
        label = "time ->" if self.by_time else "frame ->"
        columns = len(self.columns)
        ticks = time_ticks(self._time_span, columns) if self.by_time else frame_ticks(self.columns)
        cells = axis_cells(ticks, columns, cursor)
        segments = [Segment(f"{label:<{LABEL_WIDTH}}", Style(dim=True))]
        deviated = self._deviated_columns()
        for column, cell in enumerate(cells):
            if column == cursor:
                segments.append(Segment("v", BOLD))
            elif column in deviated:
                segments.append(Segment(DEVIATION_MARK, DEVIATION))
            else:
                segments.append(Segment(cell, DIM))
        return Strip(segments).crop_extend(0, width, self.rich_style)

    def _deviated_columns(self) -> set[int]:
        """The columns showing a frame a deviation made (by time: any frame of the column's slice)."""
        marks = self._deviations
        if not marks:
            return set()
        found = set()
        previous = -1
        for column, index in enumerate(self.columns):
            first = index if not self.by_time else previous + 1
            if bisect_right(marks, index) > bisect_left(marks, first):
                found.add(column)
            previous = index
        return found

    def _legend(self, width: int) -> Strip:
        segments = [Segment(" " * LABEL_WIDTH, DIM)]
        names = {"waiting": "wait", "sleeping": "sleep", "in a loop": "loop"}
        if self._deviations:  # first: the legend is cut at the panel's edge
            segments.append(Segment(DEVIATION_MARK, DEVIATION))
            segments.append(Segment(" not the default schedule  ", Style(dim=True)))
        for glyph, state in legend():
            style = STATE_STYLES.get(names.get(state, state), Style())
            segments.append(Segment(glyph, style))
            segments.append(Segment(f" {state}  ", Style(dim=True)))
        return Strip(segments).crop_extend(0, width, self.rich_style)

    def on_click(self, event: Click) -> None:
        column = event.x - LABEL_WIDTH
        if 0 <= column < len(self.columns):
            self.post_message(self.Seek(self.columns[column]))

    def on_resize(self) -> None:
        if self._view is not None:
            self.show(self._view)


def _window_codes(trace: Trace, actor_id: str, start: int, stop: int) -> list[int]:
    """The state code of one actor after each frame of start..stop-1 (RUNNING where it ran), from
    its changes of state and the frames it ran in inside the window: a row per step costs what
    changes in it, not a search per column."""
    codes: list[int] = []
    entry = trace.transitions.get(actor_id)
    if entry is None:
        codes = [0] * (stop - start)
    else:
        frames, states = entry
        before = bisect_right(frames, start) - 1  # the last change at or before the window's first frame
        code, at = (states[before] if before >= 0 else 0), start
        for position in range(before + 1, bisect_left(frames, stop)):
            changed = frames[position]
            codes += [code] * (changed - at)
            code, at = states[position], changed
        codes += [code] * (stop - at)
    ran = trace.frames_of(actor_id)
    for position in range(bisect_left(ran, start), bisect_left(ran, stop)):
        codes[ran[position] - start] = RUNNING
    return codes
