"""Provides LoopView: the event loop's ready queue, its timer heap, and what it will do next."""

from __future__ import annotations

import math
from functools import lru_cache

from rich.cells import cell_len
from rich.text import Text

from tui.render.columns import Column, fit_widths
from tui.render.inert import inert
from tui.render.styles import actor_color, pad, shorten
from tui.viewmodel import FrameView
from tui.widgets.lineview import LineView


def next_step(view: FrameView) -> str:
    """What the loop does after this frame, in words."""
    world = view.world
    if view.count == 0:
        return "nothing was recorded"
    if not world.tasks():
        return "no asyncio event loop in this program (see processes and GILs below)"
    running = world.actors.get(world.running or "")
    if running is not None and running.kind == "task" and running.state == "running":
        starting = [a for a in world.tasks() if a.eager and not a.steps and a.by == running.id]
        if starting:  # its step is cut in two around the eager first step of the task it made
            return f"runs {starting[-1].name}'s first step right away, inside {running.name}'s step"
        return f"goes on with {running.name}'s step"
    live = [entry for entry in world.ready if not entry[2]]
    if live:
        return f"runs {world.name(live[0][1])} (head of the ready queue)"
    if world.timers:
        when, owner, label = min(world.timers.values())
        whose = f"{world.name(owner)}'s " if owner in world.actors else ""
        if when == float("inf"):
            return f"nothing is ready, and {whose}{label} timer is due at infinity: waits forever"
        if when != when:
            return f"nothing is ready: {whose}{label} timer is due at NaN, which CPython fires at once"
        return f"nothing is ready: jumps the clock to t={when:.3f}s for {whose}{label} timer"
    if view.trace.complete and view.at_end:
        return f"nothing: the run ended ({view.outcome})"
    return "nothing is ready and no timer is set: waits for a thread (or is finished)"


def gil_lines(view: FrameView) -> list[Text]:
    """Per process: its core, which thread holds its GIL now, and who waits for it."""
    world = view.world
    threads = world.threads()
    if len(threads) <= 1 and len(world.processes) <= 1:
        return []
    lines = [Text(""), Text("Processes, cores and GILs:", style="bold")]
    running = world.actors.get(world.running or "")
    for process in world.processes.values():
        text = Text(f"  {inert(process.name)} (pid {process.pid})", style="bold")
        if not process.alive:
            text.append(f"  exited with code {process.exitcode}", style="dim")
            lines.append(text)
            continue
        mine = [t for t in threads if t.proc == process.id and not t.ended]
        if running is not None and running.proc == process.id:
            text.append("  GIL: ")
            text.append(inert(running.name), style=f"bold {actor_color(running.id)}")
            if world.core is not None:
                text.append(f"  on cpu{world.core}", style="dim")
        lines.append(text)
        waiting = [t for t in mine if t.state == "ready" and t is not running]
        if waiting:
            line = Text("    waiting for the GIL: ", style="dim")
            for position, thread in enumerate(waiting):
                if position:
                    line.append(", ")
                line.append(inert(thread.name), style=actor_color(thread.id))
            lines.append(line)
    return lines


@lru_cache(maxsize=4096)
def _shown_cells(text: str) -> int:
    """Cells `text` takes once made inert: asked of every timer's label and owner at every step."""
    return cell_len(inert(text))


TIME_WIDTH = 13
"""`  t=1.000    `: a timer's due time, with the indent before it."""


def timer_widths(width: int, longest_label: int, longest_owner: int) -> list[int]:
    """The widths of a timer row's label, owner and delay columns after its due time.

    The owner is the key: the delay goes first, then the label shrinks and
    goes, and only then is the owner's name shortened (to no fewer than 4 cells).
    """
    label = min(12, longest_label) + 1
    columns = [
        Column((*range(label, 4, -1), 0), priority=1),
        Column(range(longest_owner, min(longest_owner, 4) - 1, -1), priority=2),
        Column((14, 0), priority=0),
    ]
    return fit_widths(columns, width - TIME_WIDTH) if width > 0 else [label, longest_owner, 14]


class LoopView(LineView):
    """Ready queue in order, timers by due time, the loop's next move; then processes and GILs."""

    def show(self, view: FrameView) -> None:
        world = view.world
        head = Text("Next: ", style="bold")
        head.append(inert(next_step(view)))  # it quotes task and timer names
        top = head.wrap(self.app.console, max(20, self.scrollable_content_region.width - 1))
        ready = world.ready
        live = [entry for entry in ready if not entry[2]]
        timers = sorted(world.timers.values())
        # Rows: next (wrapped), ready header, ready entries (or "empty"), timers header, timers (or "none").
        ready_rows = max(1, len(ready))
        timer_start = len(top) + 1 + ready_rows
        count = timer_start + 1 + max(1, len(timers))
        positions = {id(entry): n for n, entry in enumerate(live, 1)}
        actors = world.actors
        label_width, owner_width, delay_width = timer_widths(
            self.scrollable_content_region.width,
            max((_shown_cells(str(label)) for _when, _owner, label in timers), default=0),
            max((_shown_cells(world.name(owner)) for _when, owner, _label in timers if owner in actors), default=0),
        )

        def row(index: int) -> Text:
            if index < len(top):
                return top[index]
            index -= len(top)
            if index == 0:
                return Text(f"Ready queue ({len(live)}):", style="bold")
            if index <= ready_rows:
                if not ready:
                    return Text("  (empty)", style="dim")
                _hid, who, cancelled = ready[index - 1]
                text = Text("  ")
                if cancelled:
                    text.append("x  ", style="dim")
                    text.append(inert(world.name(who)), style="dim strike")
                    text.append(" (cancelled, will be skipped)", style="dim")
                    return text
                text.append(f"{positions[id(ready[index - 1])]:>2}. ")
                if who in world.actors:
                    text.append(inert(world.name(who)), style=actor_color(who))
                else:
                    text.append(f"callback {inert(str(who))}", style="italic")
                return text
            index -= ready_rows + 1
            if index == 0:
                return Text(f"Timers ({len(timers)}):", style="bold")
            if not timers:
                return Text("  (none)", style="dim")
            when, owner, label = timers[index - 1]
            text = Text(f"  t={when:<9.3f}" if math.isfinite(when) else f"  t={when!r:<9}", style="cyan")
            if label_width:
                text.append(pad(shorten(inert(str(label)), label_width - 1), label_width))
            if owner in world.actors:
                text.append(pad(shorten(inert(world.name(owner)), owner_width), owner_width), style=actor_color(owner))
            if delay_width:
                delay = when - world.time
                if delay == float("inf"):
                    text.append("  (never)", style="dim")
                else:
                    text.append(f"  (in {delay:.3f}s)" if delay > 0 else "  (due now)", style="dim")
            return text

        gil = gil_lines(view)
        if gil:
            base, timer_row = count, row

            def row(index: int) -> Text:
                return timer_row(index) if index < base else gil[index - base]

            count += len(gil)
        key = (
            tuple(map(tuple, ready)),
            tuple(timers),
            world.time,
            tuple(t.plain for t in top),
            tuple(t.plain for t in gil),
        )
        self.set_rows(count, row, 80, key=key)
