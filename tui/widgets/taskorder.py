"""Provides TaskArrangement: which tasks the task table shows (a name filter) and in what order.

A thousand tasks do not fit on a screen: the table can be narrowed to the
tasks whose name holds a text (`f`) and sorted another way (`F`). Only the
table's rows change; the timeline and every other panel still show all.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.trace.state import Actor

ORDERS = ("created", "name", "state", "steps")
"""The orders `F` cycles through, the first one the table's own (tasks, then threads, as created)."""

STATE_ORDER = {
    state: rank
    for rank, state in enumerate(
        ("running", "ready", "preempted", "blocked", "wait", "sleep", "loop", "runaway", "failed", "cancelled", "done")
    )
}
"""`state` order: what can run first, what has ended last."""


@dataclass(frozen=True)
class TaskArrangement:
    """A case-insensitive name filter ("" shows every task) and one of ORDERS."""

    text: str = ""
    order: str = ORDERS[0]

    def apply(self, actors: list[Actor]) -> list[Actor]:
        """The rows to show, from the actors in creation order (returned as given when nothing is set)."""
        shown = actors
        if self.text:
            needle = self.text.lower()
            shown = [actor for actor in actors if needle in actor.name.lower()]
        if self.order == "name":
            shown = sorted(shown, key=lambda actor: actor.name.lower())
        elif self.order == "state":
            shown = sorted(shown, key=lambda actor: STATE_ORDER.get(actor.state, len(STATE_ORDER)))
        elif self.order == "steps":
            shown = sorted(shown, key=lambda actor: -actor.steps)
        return shown

    def next_order(self) -> TaskArrangement:
        return TaskArrangement(self.text, ORDERS[(ORDERS.index(self.order) + 1) % len(ORDERS)])

    def filtered(self, text: str) -> TaskArrangement:
        return TaskArrangement(text, self.order)

    def describe(self, shown: int, total: int) -> str:
        """`Tasks: 3 of 40, name contains "worker", by name` (the text is the user's: show it inert)."""
        which = f'{shown} of {total}, name contains "{self.text}"' if self.text else f"all {total}"
        return f"Tasks: {which}, in {self.order} order"
