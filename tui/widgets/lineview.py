"""Provides LineView: a scrolling list that renders only the rows on screen."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Offset, Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.render.inert import inert


class LineView(ScrollView, can_focus=True, inherit_bindings=False):
    """Rows come from a callback, asked only for visible rows, so 1,000 tasks cost what 30 do.

    A view that can say cheaply what a row shows (`row_key`) gets more: a row
    whose key did not change keeps its rendered strip and is not painted
    again, so a step that changes two rows of a table paints two rows.

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
        overflow-x: hidden;  /* rows are cut to the width: a scrollbar coming with the vertical one would hide a row */
    }
    """

    CACHED_ROWS = 4096
    """Rendered rows kept across updates (with row keys) before the cache starts again."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._count = 0
        self._row: Callable[[int], Text] = lambda _index: Text()
        self._row_key: Callable[[int], Hashable] | None = None
        self._cache: dict[int, tuple[Hashable, Strip]] = {}
        """Row index -> (its row key, or None without row keys; the row rendered at the panel's width)."""
        self._width = 0
        self._key: object = None
        self._base_style = self.rich_style if self.is_attached else None
        self._paint: tuple[Offset, int, Style, Console] | None = None
        """While a paint is under way: the scroll offset, the width, the style and the console, looked up once."""

    @property
    def row_count(self) -> int:
        return self._count

    def set_rows(
        self,
        count: int,
        row: Callable[[int], Text],
        width: int = 0,
        key: object = None,
        row_key: Callable[[int], Hashable] | None = None,
    ) -> None:
        """Replace the content: `count` rows, each rendered on demand by `row(index)`.

        A `key` that equals the previous one means nothing changed: no repaint.
        With `row_key(index)` (what row `index` shows, as a hashable value that
        equals the previous one exactly when the row would render the same),
        only the visible rows whose key changed are rendered and painted again.
        """
        if key is not None and key == self._key and count == self._count:
            self._row = row
            self._row_key = row_key
            return
        self._key = key
        base = self.rich_style
        keep = row_key is not None and self._row_key is not None and base == self._base_style
        self._base_style = base
        previous = self._count
        self._count = count
        self._row = row
        self._row_key = row_key
        self._width = width
        if not keep or len(self._cache) > self.CACHED_ROWS:
            self._cache.clear()
        self._set_virtual_height(count)
        if not keep:
            self.refresh()
            return
        assert row_key is not None
        top = int(self.scroll_y)
        bottom = top + self.scrollable_content_region.height
        cache = self._cache
        for index in [i for i in cache if i >= count]:
            del cache[index]
        dirty = []
        for index in range(top, min(bottom, count)):
            entry = cache.get(index)
            if entry is None or entry[0] != row_key(index):
                cache.pop(index, None)
                dirty.append(index)
        dirty.extend(range(max(top, count), min(bottom, previous)))  # rows that are gone: blank now
        for index in dirty:
            self.refresh_line(index)

    def _set_virtual_height(self, count: int) -> None:
        """The rows are cut to the panel's width (with an ellipsis), so only the height changes.

        A new height is a layout pass of the whole screen when the scrollbar
        comes or goes; when it stays (shown, or not needed, before and after)
        only the scrollbar is updated, which is all a new height changes then.
        """
        size = Size(self.scrollable_content_region.width, count)
        old = self.virtual_size
        if size == old:
            return
        height = self.scrollable_content_region.height
        shown = self.show_vertical_scrollbar
        if (
            self.is_mounted
            and size.width == old.width
            and height
            and (count > height) == (old.height > height) == shown
            and self.styles.overflow_y == "auto"
        ):
            self.set_reactive(LineView.virtual_size, size)
            self._scroll_update(size)  # Textual's: scrollbar window sizes, scroll clamped to the new height
            self.refresh()
        else:
            self.virtual_size = size

    def on_resize(self) -> None:
        self._cache.clear()
        self._key = None
        self.virtual_size = Size(self.scrollable_content_region.width, self._count)

    def row_text(self, index: int) -> Text:
        """The Text of row `index` (what tests and snapshots read)."""
        return self._row(index)

    def plain_rows(self) -> list[str]:
        return [self._row(i).plain for i in range(self._count)]

    def render_lines(self, crop: Region) -> list[Strip]:
        self._paint = self._paint_settings()
        try:
            return super().render_lines(crop)
        finally:
            self._paint = None

    def _paint_settings(self) -> tuple[Offset, int, Style, Console]:
        """What every row of a paint needs (the style walks the ancestors; the width, the layout)."""
        width = self.scrollable_content_region.width
        return self.scroll_offset, width, self._base_style or self.rich_style, self.app.console

    def render_line(self, y: int) -> Strip:
        (scroll_x, scroll_y), width, base, console = self._paint or self._paint_settings()
        index = y + scroll_y
        if index >= self._count:
            return Strip.blank(width, base)
        row_key = None if self._row_key is None else self._row_key(index)
        entry = self._cache.get(index)
        if entry is None or entry[0] != row_key:
            text = self._row(index)
            text.no_wrap = True
            text.overflow = "ellipsis"
            text.truncate(width, overflow="ellipsis")
            # Views make program text inert where they build rows (so columns line up); this is
            # the backstop that keeps anything they missed from reaching the terminal.
            segments = [Segment(inert(line), style) for line, style, _ in text.render(console, end="")]
            entry = self._cache[index] = (row_key, Strip(segments).apply_style(base))
        return entry[1].crop_extend(scroll_x, scroll_x + width, base)

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
