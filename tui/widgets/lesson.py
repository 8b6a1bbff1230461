"""Provides LessonView: the scenario's docstring, and at the last frame the outcome explained."""

from __future__ import annotations

from rich.text import Text

from tui.render.inert import inert
from tui.render.waitgraph import wait_for_graph
from tui.trace.deviations import placed
from tui.viewmodel import FrameView
from tui.widgets.lineview import LineView


def outcome_text(view: FrameView) -> Text:
    """The final frame explains itself: the wait-for cycle, the traceback, or the limit hit."""
    summary = view.trace.summary or {}
    outcome = summary.get("outcome")
    report = summary.get("report") or {}
    text = Text()
    if outcome == "deadlock":
        text.append_text(wait_for_graph(report, view.world.name))
    elif outcome == "exception":
        text.append("The program raised:\n", style="bold red")
        raised = report.get("traceback") or f"{report.get('type')}: {report.get('message')}"
        text.append(inert(raised, multiline=True), style="red")
    elif outcome in ("runaway", "frame-limit", "memory", "thread-limit", "process-limit"):
        text.append(f"Stopped ({outcome}):\n", style="bold yellow")
        text.append(inert(str(report.get("text", "")), multiline=True))
    elif outcome in ("error", "crashed"):
        text.append("Could not record this program:\n", style="bold red")
        text.append(inert(str(summary.get("error") or report.get("text", "")), multiline=True), style="red")
        text.append("\n\nPress o to open another program, or R to record again after fixing it.")
    elif outcome == "decision":
        text.append("You are the scheduler:\n", style="bold cyan")
        text.append(
            "the run is paused where a real runtime could go more than one way. Pick an answer in the bar"
            " below; u takes the last one back; S hands the scheduling back to the default."
        )
    elif outcome == "completed":
        text.append("Completed", style="bold green")
        text.append(f" at t={summary.get('virtual_time', 0):.3f}s; main returned {inert(str(summary.get('result')))}.")
    return text


_DEVIATION_WORDS = {
    "slice": "its slice was cut short at switch point {answer} (the default runs the whole interval)",
    "gil": "it took the GIL out of turn (candidate {number} of those waiting, not the first)",
    "core": "it got the free core out of turn (candidate {number}, not the first)",
    "same-time": "its step came first among processes acting at the same instant (candidate {number})",
    "net": "a delivery it is part of came {answer} step(s) of half a latency later than the model",
}


def deviations_text(view: FrameView) -> Text:
    """How the run's schedule differs from the default (summary's `deviations`), a line each, with frames."""
    deviations = placed(view.trace)
    text = Text()
    if not deviations:
        return text
    text.append(f"How this schedule differs from the default ({len(deviations)}, * on the timeline):\n", style="bold")
    for deviation in deviations[:20]:
        other = "the answer {answer} to a decision of kind " + inert(deviation.kind)
        words = _DEVIATION_WORDS.get(deviation.kind, other)
        text.append(f"  frame {deviation.frame + 1}: ", style="magenta")
        text.append(f"{inert(view.world.name(deviation.actor))}: ")
        # Not str.format: a saved trace's kind is anybody's text, braces and all.
        words = words.replace("{answer}", str(deviation.answer)).replace("{number}", str(deviation.answer + 1))
        text.append(words + "\n")
    if len(deviations) > 20:
        text.append(f"  and {len(deviations) - 20} more\n", style="dim")
    return text


class LessonView(LineView):
    """What the lesson is about; replaced by the outcome at the end of a run that did not complete."""

    _last: FrameView | None = None

    def on_resize(self) -> None:
        # LineView's own on_resize runs too: Textual calls the handler of every class in the MRO.
        if self._last is not None:
            self.show(self._last)

    def show(self, view: FrameView) -> None:
        self._last = view
        text = Text()
        summary = view.trace.summary or {}
        if (view.at_end or view.count == 0) and summary.get("outcome"):
            text.append_text(outcome_text(view))
            text.append("\n\n")
            deviations = deviations_text(view)
            if deviations.plain:
                text.append_text(deviations)
                text.append("\n\n")
        lesson = inert(view.trace.header.get("lesson") or "", multiline=True)
        if lesson:
            title, _, body = lesson.strip().partition("\n")
            text.append(title + "\n", style="bold")
            # Reflow each paragraph to the panel's width; keep the blank lines between them.
            paragraphs = [" ".join(p.split()) for p in body.strip().split("\n\n")]
            text.append("\n\n".join(paragraphs))
        elif view.count:
            text.append("(This program has no module docstring to use as its lesson.)", style="dim")
        width = max(20, self.scrollable_content_region.width - 1)
        key = (text.plain, width)
        if key == self._key:
            return
        lines = text.wrap(self.app.console, width)
        self.set_rows(len(lines), lines.__getitem__, width, key=key)
