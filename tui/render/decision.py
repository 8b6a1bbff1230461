"""Provides the words for the decision a scheduler-mode run stopped at: its question and its answers.

A run recorded under an `ask` policy (tui.engine.schedule.Ask) ends at the
next decision that is a real choice, with the decision in its summary. The
app's scheduler bar and the `trace` listing both say it in these words, so a
person reads the same question wherever they meet it. Names come from the
program and are made inert here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tui.render.inert import inert
from tui.trace.schema import AskedDecision

Names = Callable[[str | None], str]
"""An actor id to the name the program gave it (tui.trace.state.World.name)."""


@dataclass(frozen=True)
class Answer:
    """One answer a person can give: the engine's answer, and what it means."""

    answer: int
    """What the policy is told (an index into the candidates, or a slice's switch points)."""
    label: str


_QUESTIONS = {
    "gil": "The GIL is free. Which of these threads takes it next? (the OS picks on CPython)",
    "core": "A core fell free. Which of these processes runs on it? (the OS scheduler picks on CPython)",
    "same-time": "These processes act at the same instant on different cores. Whose step comes first?",
    "net": (
        "The step being run sends on the network (or connects). The model's latency is exact; a real"
        " network's is not. When does this delivery arrive? (never before what went ahead of it)"
    ),
}


def _who(actor: str, name: Names) -> str:
    shown = inert(name(actor))
    return actor if shown == actor else f"{actor} {shown}"


def question(decision: AskedDecision, name: Names) -> str:
    """The decision as one sentence."""
    kind = decision.get("kind", "")
    if kind == "slice":
        thread = (decision.get("candidates") or ["?"])[0]
        waiting = decision.get("waiting") or []
        others = (
            "waiting for the GIL now: " + ", ".join(_who(actor, name) for actor in waiting)
            if waiting
            else "no other thread waits for the GIL yet; a switch point offers it only if one does by then"
        )
        return f"{_who(thread, name)} takes the GIL. When does it offer it to the others? ({others})"
    return _QUESTIONS.get(kind, f"The run stopped at a decision of kind {inert(kind)!r}.")


def answers(decision: AskedDecision, name: Names) -> list[Answer]:
    """The answers, the default (what concur-tui does when nobody asks) first, each actor named."""
    if decision.get("kind") == "slice":
        return [
            Answer(0, "after its switch interval of CPU work, as CPython most often does (the default)"),
            Answer(1, "at its next switch point (a call, a loop's next turn, a function's start)"),
        ]
    if decision.get("kind") == "net":
        return [
            Answer(index, delay + ("" if index else " (the model's latency: the default)"))
            for index, delay in enumerate(decision.get("candidates", []))
        ]
    return [
        Answer(index, _who(actor, name) + ("" if index else " (first in line: the default)"))
        for index, actor in enumerate(decision.get("candidates", []))
    ]
