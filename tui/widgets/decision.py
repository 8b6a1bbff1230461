"""Provides DecisionBar: scheduler mode's question, the answers to pick from, and what each branch came to.

The bar only shows and reports: a key per answer (1-9), or an answer selected
and Enter, posts `Picked`; `j` posts `Picked` with `who_only` (slices run
their interval until the next choice of who runs). The screen records the
run again from the answer (tui.screens.scheduler).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.render.decision import Answer

HINT = "1-9 or Enter: pick · j: on to the next choice of who runs · u: undo · w: save the schedule · S: leave"


class DecisionBar(Vertical):
    """Docked above the footer while scheduler mode is on."""

    DEFAULT_CSS = """
    DecisionBar {
        height: auto;
        max-height: 14;
        display: none;
        border-top: heavy $accent;
        padding: 0 1;
    }
    DecisionBar.-shown {
        display: block;
    }
    DecisionBar > #decision-question {
        height: auto;
    }
    DecisionBar > OptionList, DecisionBar > OptionList:focus {
        height: auto;
        max-height: 9;
        border: none;
        padding: 0;
    }
    """

    BINDINGS = [
        *(Binding(str(n), f"pick({n - 1})", f"Pick {n}", show=False) for n in range(1, 10)),
        Binding("j", "pick_who_only", "Next who", show=False),
    ]

    class Picked(Message):
        """The person answered: the engine's `answer`, and whether slices should stop asking for a while."""

        def __init__(self, answer: int, who_only: bool = False) -> None:
            super().__init__()
            self.answer = answer
            self.who_only = who_only

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._answers: list[Answer] = []

    def compose(self) -> ComposeResult:
        yield Static(id="decision-question")
        yield OptionList(id="decision-answers")

    @property
    def answers(self) -> list[Answer]:
        return list(self._answers)

    def ask(self, question: str, answers: list[Answer], tried: dict[int, str]) -> None:
        """Show a decision: its question, and its answers (`tried`: answer -> what that branch came to)."""
        self._answers = answers
        text = Text(question, style="bold")
        text.append(f"\n{HINT}", style="dim")
        self.query_one("#decision-question", Static).update(text)
        options = self.query_one(OptionList)
        options.clear_options()
        for number, answer in enumerate(answers, 1):
            label = Text(f"{number}. ", style="bold")
            label.append(answer.label)
            if answer.answer in tried:
                label.append(f"  [tried: {tried[answer.answer]}]", style="dim")
            options.add_option(Option(label))
        options.highlighted = 0 if answers else None
        options.disabled = False

    def say(self, text: str, *, style: str = "") -> None:
        """No decision to take (recording, or the run ended): one line instead of the answers."""
        self._answers = []
        self.query_one("#decision-question", Static).update(Text(text, style=style))
        options = self.query_one(OptionList)
        options.clear_options()
        options.disabled = True

    def focus_answers(self) -> None:
        self.query_one(OptionList).focus()

    def action_pick(self, index: int) -> None:
        if 0 <= index < len(self._answers):
            self.post_message(self.Picked(self._answers[index].answer))

    def action_pick_who_only(self) -> None:
        if self._answers:
            self.post_message(self.Picked(0, who_only=True))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_pick(event.option_index)
