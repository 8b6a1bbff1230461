"""Provides PromptScreen: ask for one value (a frame number, a time), check it, or cancel."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class PromptScreen(ModalScreen[str | None]):
    """A one-line question; Enter answers, Escape cancels, a bad answer says why."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, placeholder: str, check: Callable[[str], str | None], *, value: str = "") -> None:
        super().__init__()
        self.question = question
        self.placeholder = placeholder
        self.check = check
        """Returns an error message for a bad answer, or None."""
        self.value = value
        """The answer already typed when the question opens (the last search, a default label)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(self.question), id="question")
            yield Input(value=self.value, placeholder=self.placeholder, id="answer")
            yield Label("Enter to go, Escape to cancel", id="problem")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        problem = self.check(event.value.strip())
        if problem:
            self.query_one("#problem", Label).update(Text(problem))  # an answer is echoed as text, not markup
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
