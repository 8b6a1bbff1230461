"""Provides BreakScreen: asks which events stop auto-run (r) and c / C; tui.trace.breaks finds their frames."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label

from tui.trace.breaks import KINDS, Breakpoints

__all__ = ("BreakScreen", "Breakpoints")


class BreakScreen(ModalScreen[Breakpoints | None]):
    """Checkboxes for kinds of event, and line numbers of the scenario."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: Breakpoints) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Stop auto-run (r), and c / C, when...", id="question")
            for kind, label in KINDS.items():
                yield Checkbox(label, value=kind in self.current.kinds, id=f"kind-{kind}")
            yield Label("...or a task stops at one of these lines (awaits or blocks there), e.g. 12, 30:")
            yield Input(value=", ".join(map(str, sorted(self.current.lines))), id="lines")
            yield Label("", id="problem")
            yield Button("Done", id="done", variant="primary")

    def _collect(self) -> Breakpoints | None:
        kinds = {kind for kind in KINDS if self.query_one(f"#kind-{kind}", Checkbox).value}
        raw = self.query_one("#lines", Input).value.replace(",", " ").split()
        try:
            lines = {int(item) for item in raw}
        except ValueError:
            self.query_one("#problem", Label).update("Line numbers must be whole numbers, like: 12, 30")
            return None
        if any(n <= 0 for n in lines):
            self.query_one("#problem", Label).update("Line numbers start at 1")
            return None
        return Breakpoints(kinds, lines)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        chosen = self._collect()
        if chosen is not None:
            self.dismiss(chosen)

    def on_input_submitted(self) -> None:
        chosen = self._collect()
        if chosen is not None:
            self.dismiss(chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)
