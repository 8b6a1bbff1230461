"""Provides StatusBar: scenario, `frame i/n`, virtual time, outcome, recording and run state."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.render.inert import inert
from tui.render.styles import OUTCOME_STYLES
from tui.viewmodel import FrameView


def status_text(view: FrameView, *, running: bool = False, speed: float = 0) -> Text:
    """`lock.py | frame 12/36 | t=1.000s | completed` (frames are counted from 1 on screen)."""
    trace = view.trace
    name = trace.header.get("file") or (trace.summary or {}).get("scenario") or "?"
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f" {inert(name)} ", style="bold")  # a file may be named anything, ESC included
    text.append("| ")
    text.append(f"frame {view.index + 1}/{view.count}", style="bold")
    text.append(" | ")
    text.append(f"t={view.world.time:.3f}s", style="cyan")
    text.append(" | ")
    outcome = view.outcome
    if outcome is not None:
        text.append(outcome, style=OUTCOME_STYLES.get(outcome, "bold"))
    else:
        text.append("recording...", style="yellow")
    if view.streaming and outcome is None:
        text.append(" (streaming)", style="yellow")
    if running:
        text.append(f" | running {speed:g} frame{'s' if speed != 1 else ''}/s", style="bold green")
    return text


class StatusBar(Static):
    """The one-line summary at the top; scripts and tests read `frame i/n` from it."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
    }
    """

    def show(self, view: FrameView, *, running: bool = False, speed: float = 0) -> None:
        self.update(status_text(view, running=running, speed=speed), layout=False)
