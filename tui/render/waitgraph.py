"""Provides the wait-for graph of a deadlock as text: the cycle drawn top to bottom."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from tui.render.inert import inert
from tui.render.styles import actor_color
from tui.trace.schema import Report


def wait_for_graph(report: Report, name_of: Any) -> Text:
    """Draw the cycle (actor, resource, actor, ...) with ASCII arrows, then the other waits.

    `name_of(id)` gives the program's own names, shown inert.
    """
    text = Text()

    def name(actor_or_resource: str) -> str:
        return inert(name_of(actor_or_resource))

    cycle: list[str] = report.get("cycle") or []
    if cycle:
        text.append("Wait-for cycle: nobody in it can ever go on\n\n", style="bold red")
        for position in range(0, len(cycle) - 1, 2):
            actor, resource = cycle[position], cycle[position + 1]
            holder = cycle[position + 2]
            text.append("  ")
            text.append(name(actor), style=f"bold {actor_color(actor)}")
            text.append("\n    |  waits for ")
            text.append(name(resource), style="bold")
            text.append(", held by\n    v\n")
            if position + 2 == len(cycle) - 1:
                text.append("  ")
                text.append(name(holder), style=f"bold {actor_color(holder)}")
                text.append("   <- back to the start: a cycle\n")
    else:
        text.append("Deadlock: everyone is waiting and nothing can wake them\n", style="bold red")
    others = [w for w in report.get("waits", ()) if w["actor"] not in cycle[::2]]
    if others:
        text.append("\nAlso waiting:\n", style="bold")
        for wait in others:
            text.append("  ")
            text.append(inert(wait["name"]), style=actor_color(wait["actor"]))
            text.append(f" {inert(wait['wait'])}")
            at = wait.get("at")
            if at:
                text.append(f"  ({inert(at)})", style="dim")
            text.append("\n")
    return text
