"""Provides ScenarioPicker: choose a bundled lesson, or type the path of your own program."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tui import scenarios
from tui.render.inert import inert
from tui.render.styles import pad


class ScenarioPicker(ModalScreen[Path | None]):
    """The bundled lessons with their one-line summaries, and a path box; or, in a served session, only the
    served programs and no path box (a viewer opens nothing else on the server)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, only: list[scenarios.Scenario] | None = None) -> None:
        super().__init__()
        self.only = only
        """The served programs, the only ones to offer (no path box), or None for the bundled lessons."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            if self.only is not None:
                yield Label("Open a served program (Enter)", id="question")
            else:
                yield Label("Open a lesson (Enter), or type a path below", id="question")
            options = []
            for scenario in self.only if self.only is not None else scenarios.bundled():
                label = Text()
                label.append(pad(inert(scenario.name), 28), style="bold")
                label.append(inert(scenario.title))
                options.append(Option(label, id=str(scenario.path)))
            yield OptionList(*options, id="lessons")
            if self.only is None:
                yield Input(placeholder="path/to/your_program.py", id="path")
            yield Label("", id="problem")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.dismiss(Path(event.option.id))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.only is not None:
            return  # no path box in a served session: nothing typed is ever opened
        given = event.value.strip()
        path = scenarios.resolve(given) if given else None
        if path is None or not path.is_file():
            self.query_one("#problem", Label).update(Text(f"No such file: {inert(repr(given))}"))  # not markup
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
