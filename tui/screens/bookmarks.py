"""Provides BookmarkList (the bookmarks, Enter jumps to one) and `ask_label` (the question of `m`)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.render.inert import inert
from tui.screens.prompt import PromptScreen


def default_label(index: int) -> str:
    """What a bookmark is called when the user types no label: `frame 123` (counted from 1)."""
    return f"frame {index + 1}"


def ask_label(index: int, current: str | None = None) -> PromptScreen:
    """The question of `m`; it answers a label ("" for the default), or None when cancelled."""
    return PromptScreen(
        f"Bookmark frame {index + 1} as:", default_label(index), lambda _answer: None, value=current or ""
    )


class BookmarkList(ModalScreen[int | None]):
    """The bookmarks in frame order; it answers the chosen frame's index, or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, bookmarks: dict[int, str], current: int) -> None:
        super().__init__()
        self.bookmarks = bookmarks
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Bookmarks: Enter jumps, Escape closes", id="question")
            options = []
            for index, label in sorted(self.bookmarks.items()):
                text = Text()
                text.append(f"{'>' if index == self.current else ' '} #{index + 1:<7} ", style="bold")
                text.append(inert(label))  # the user's words, shown as typed: never markup
                options.append(Option(text, id=str(index)))
            yield OptionList(*options, id="bookmarks")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
