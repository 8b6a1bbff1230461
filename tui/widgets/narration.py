"""Provides NarrationView: the sentence saying what the current frame did, and why."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text
from textual.widgets import Static

from tui.render.inert import inert
from tui.trace.narrate import narrate
from tui.viewmodel import FrameView


def narration_text(view: FrameView) -> Text:
    text = Text()
    if view.frame is None:
        summary = view.trace.summary
        if summary and summary.get("outcome") in ("error", "crashed"):
            text.append("Could not record this program: ", style="bold red")
            text.append(inert(str(summary.get("error") or (summary.get("report") or {}).get("text", ""))))
            text.append("  Press o to open another program, or R to record again after fixing it.", style="dim")
        else:
            text.append("Recording... the first frames appear as soon as they are made.", style="dim")
        return text
    text.append(f"#{view.index + 1} ", style="bold")
    before = view.trace.state_at(view.index - 1) if view.index > 0 else None
    text.append(inert(narrate(view.frame, view.world, before)))  # it quotes the program's names
    if view.at_end and view.outcome == "decision":
        text.append("  Paused at a decision: you pick what happens next (below).", style="bold cyan")
    elif view.at_end and view.outcome not in (None, "completed"):
        text.append(f"  Run ended: {view.outcome} (see the Lesson / outcome panel).", style="bold red")
    return text


def fit_lines(text: Text, width: int, lines: int, console: Console) -> Text:
    """`text` wrapped to `width`, cut to `lines` lines with an ellipsis if it is longer."""
    if width <= 1:
        return text
    wrapped = text.wrap(console, width)
    if len(wrapped) <= lines:
        return text
    kept = list(wrapped)[:lines]
    last = kept[-1]
    last.rstrip()
    last.truncate(width - 1)
    last.append("…")
    return Text("\n").join(kept)


class NarrationView(Static):
    """One plain-language sentence per frame, cut with "…" if it outgrows the panel."""

    _text: Text | None = None

    def show(self, view: FrameView) -> None:
        self._text = narration_text(view)
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        if self._text is None:
            return
        region = self.content_region
        self.update(fit_lines(self._text, region.width, region.height or 2, self.app.console), layout=False)
