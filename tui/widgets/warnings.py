"""Provides WarningsView: the run's warnings (tui.trace.lints), each one a way to its frames."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from weakref import WeakKeyDictionary

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Click
from textual.message import Message

from tui.render.inert import inert
from tui.trace.lints import LintWarning, lints, summary
from tui.trace.model import Trace
from tui.viewmodel import FrameView
from tui.widgets.lineview import LineView

_FOUND: WeakKeyDictionary[Trace, list[LintWarning]] = WeakKeyDictionary()
"""Per complete trace, its warnings: one pass over its frames, made once."""


def warnings_of(trace: Trace) -> list[LintWarning] | None:
    """The warnings of a complete trace (computed once), or None while it is still coming in."""
    if not trace.complete:
        return None
    found = _FOUND.get(trace)
    if found is None:
        found = _FOUND[trace] = lints(trace)
    return found


def next_frame(warning: LintWarning, cursor: int) -> int | None:
    """The warning's first frame after `cursor`, else its first: Enter walks through them and goes round."""
    later = [index for index in warning.frames if index > cursor]
    if later:
        return later[0]
    return warning.frames[0] if warning.frames else None


def warning_text(warning: LintWarning, program: str, *, selected: bool = False, here: bool = False) -> Text:
    """One warning: `> kind  file:line` then its message and frames; program text inert, never markup."""
    text = Text(">" if here else " ", style="bold")
    text.append(f" {warning.kind}", style="bold yellow")
    text.append(f"  {inert(warning.where or program)}", style="cyan")
    text.append("\n   " + inert(warning.message))
    frames = ", ".join(str(index + 1) for index in warning.frames[:10])
    more = len(warning.frames) - 10
    if frames:
        text.append(f"\n   frames {frames}" + (f" and {more} more" if more > 0 else ""), style="dim")
    if selected:
        text.stylize("reverse")
    return text


def warnings_text(trace: Trace, cursor: int = -1, selected: int | None = None) -> list[Text]:
    """The panel's content as Texts, one per warning after a summary line (what tests and the widget read)."""
    found = warnings_of(trace)
    if found is None:
        return [Text(f"Warnings are listed once the recording is complete ({len(trace)} frames so far).", style="dim")]
    program = inert(str(trace.header.get("file") or "the program"))
    head = Text(summary(found).capitalize(), style="bold" if found else "bold green")
    if found:
        head.append("  (Enter: the next frame of the selected one)", style="dim")
    texts = [head]
    for number, warning in enumerate(found):
        texts.append(warning_text(warning, program, selected=number == selected, here=cursor in warning.frames))
    return texts


class WarningsView(LineView):
    """The warnings of the run on screen; Up/Down pick one, Enter (or a click) goes to its next frame."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "select(-1)", "Previous warning", show=False),
        Binding("down", "select(1)", "Next warning", show=False),
        Binding("enter", "go", "Go to its next frame", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

    @dataclass
    class Seek(Message):
        """The user asked for a warning's frame: go to this frame (0-based)."""

        index: int

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.selected: int | None = None
        """The warning picked (its position in the list), if any."""
        self._view: FrameView | None = None
        self._rows: list[int] = []
        """Per row on screen, the warning it belongs to (-1: the summary line)."""

    def on_resize(self) -> None:
        # LineView's own on_resize runs too: Textual calls the handler of every class in the MRO.
        if self._view is not None:
            self.show(self._view)

    def show(self, view: FrameView) -> None:
        self._view = view
        width = max(20, self.scrollable_content_region.width - 1)
        lines: list[Text] = []
        rows: list[int] = []
        for number, text in enumerate(warnings_text(view.trace, view.index, self.selected)):
            wrapped = text.wrap(self.app.console, width)
            lines.extend(wrapped)
            rows.extend([number - 1] * len(wrapped))
        self._rows = rows
        key = (id(view.trace), view.trace.complete, view.index, self.selected, width)
        self.set_rows(len(lines), lines.__getitem__, width, key=key)

    def _warnings(self) -> list[LintWarning]:
        return (warnings_of(self._view.trace) or []) if self._view is not None else []

    def action_select(self, step: int) -> None:
        found = self._warnings()
        if not found:
            return
        position = 0 if self.selected is None else max(0, min(self.selected + step, len(found) - 1))
        self.selected = position
        if self._view is not None:
            self.show(self._view)
        if position + 1 in self._rows:
            self.scroll_to_row(self._rows.index(position + 1))

    def action_go(self) -> None:
        found = self._warnings()
        if self.selected is None or not 0 <= self.selected < len(found) or self._view is None:
            return
        index = next_frame(found[self.selected], self._view.index)
        if index is not None:
            self.post_message(self.Seek(index))

    def on_click(self, event: Click) -> None:
        row = int(self.scroll_y) + event.y
        if 0 <= row < len(self._rows) and self._rows[row] >= 0:
            self.selected = self._rows[row]
            self.action_go()
