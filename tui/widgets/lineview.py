"""Provides LineView: a scrolling list that renders only the rows on screen."""

from __future__ import annotations

from collections.abc import Callable

from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.render.inert import inert


class LineView(ScrollView, can_focus=True, inherit_bindings=False):
    """Rows come from a callback, asked only for visible rows, so 1,000 tasks cost what 30 do.

    Only vertical keys are bound: left/right/home/end step through frames everywhere.
    """

    BINDINGS = [
        Binding("up", "scroll_up", "Up", show=False),
        Binding("down", "scroll_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

    DEFAULT_CSS = """
    LineView {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._count = 0
        self._row: Callable[[int], Text] = lambda _index: Text()
        self._cache: dict[int, Strip] = {}
        self._width = 0
        self._key: object = None
        self._base_style = self.rich_style if self.is_attached else None

    @property
    def row_count(self) -> int:
        return self._count

    def set_rows(self, count: int, row: Callable[[int], Text], width: int = 0, key: object = None) -> None:
        """Replace the content: `count` rows, each rendered on demand by `row(index)`.

        A `key` that equals the previous one means nothing changed: no repaint.
        """
        if key is not None and key == self._key and count == self._count:
            self._row = row
            return
        self._key = key
        self._base_style = self.rich_style
        self._count = count
        self._row = row
        self._cache.clear()
        self._width = width
        # Rows are cut to the panel's width (with an ellipsis): no horizontal scrolling.
        size = Size(self.scrollable_content_region.width, count)
        if size != self.virtual_size:
            self.virtual_size = size  # a layout pass: only when the row count really changes
        self.refresh()

    def on_resize(self) -> None:
        self._cache.clear()
        self._key = None
        self.virtual_size = Size(self.scrollable_content_region.width, self._count)

    def row_text(self, index: int) -> Text:
        """The Text of row `index` (what tests and snapshots read)."""
        return self._row(index)

    def plain_rows(self) -> list[str]:
        return [self._row(i).plain for i in range(self._count)]

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.scrollable_content_region.width
        base = self._base_style or self.rich_style
        if index >= self._count:
            return Strip.blank(width, base)
        strip = self._cache.get(index)
        if strip is None:
            text = self._row(index)
            text.no_wrap = True
            text.overflow = "ellipsis"
            text.truncate(width, overflow="ellipsis")
            # Views make program text inert where they build rows (so columns line up); this is
            # the backstop that keeps anything they missed from reaching the terminal.
            segments = [Segment(inert(line), style) for line, style, _ in text.render(self.app.console, end="")]
            strip = self._cache[index] = Strip(segments).apply_style(base)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def scroll_to_row(self, index: int, *, center: bool = False) -> None:
        """Bring row `index` into view (centred if asked), without animation."""
        height = max(1, self.scrollable_content_region.height)
        top = int(self.scroll_y)
        if center:
            target = max(0, index - height // 2)
        elif index < top:
            target = index
        elif index >= top + height:
            target = index - height + 1
        else:
            return
        self.scroll_to(y=target, animate=False)
