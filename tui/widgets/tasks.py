"""Provides TaskTable (one row per task and thread), TaskDetail (await chain and history) and TaskPanel (both)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Click
from textual.message import Message

from tui.render.columns import Column, fit_widths
from tui.render.cut import cut_keeping
from tui.render.inert import inert
from tui.render.styles import STATE_GLYPHS, STATE_STYLES, actor_color, fit, pad, shorten
from tui.trace.narrate import sleep_end
from tui.trace.state import Actor, World
from tui.trace.waits import holders, wait_now
from tui.viewmodel import FrameView
from tui.widgets.lineview import LineView
from tui.widgets.taskorder import TaskArrangement

STATE_WORDS = {
    "wait": "waiting",
    "sleep": "sleeping",
    "ready": "ready",
    "blocked": "blocked",
    "done": "done",
    "failed": "failed",
    "cancelled": "cancelled",
    "running": "running",
    "loop": "in loop",
    "runaway": "runaway",
    "preempted": "preempted",
}


TABLE_GLYPHS = {**STATE_GLYPHS, "done": "+", "cancelled": "/"}
"""In the table an ended actor keeps a glyph; the timeline leaves its lane blank instead."""


def state_cell(actor: Actor, width: int = 12) -> Text:
    """`- waiting`, `~ sleeping`...: a glyph and a word, so colour is never needed (the glyph alone when narrow)."""
    state = actor.state
    glyph = TABLE_GLYPHS.get(state, "?")
    word = STATE_WORDS.get(state, state)
    return Text(pad(f"{glyph} {word}" if width >= 12 else glyph, width), style=STATE_STYLES.get(state, ""))


def key_of(actor: Actor, world: World) -> str | None:
    """The part of the detail that must stay in view when it is cut: who holds what it waits for, else its name."""
    resource = world.resources.get(actor.on) if actor.on and actor.state in ("wait", "blocked") else None
    if resource is None:
        return None
    return holders(world, resource) or resource.name


def detail_of(actor: Actor, world: World) -> str:
    """What the actor is doing, in words: what it waits on, when it wakes, how it ended."""
    if actor.state in ("wait", "blocked"):
        words = wait_now(world, actor) or f"waits for {actor.on}"
        return words.removeprefix("waits for ")
    if actor.state == "sleep" and actor.until is not None:
        return f"sleeping {sleep_end(actor.until)}"
    if actor.state == "done":
        return f"returned {actor.result}" if actor.result not in (None, "None") else "finished"
    if actor.state == "failed":
        return actor.error or "raised"
    if actor.state == "cancelled":
        return "cancelled"
    if actor.state == "ready" and actor.eager and not actor.steps:
        return "starts eagerly, now (not queued)"  # its first step runs inside its creator's
    if actor.state == "ready":
        return "in the ready queue" if actor.kind == "task" else "runnable"
    if actor.state == "loop":
        return "runs the event loop"
    return ""


Row = tuple[str, bool, str, bool, str, str, str, str, bool, tuple[int, ...]]
"""What a row of the task table shows: id, running, name, dim, state, detail, place, count, selected, widths."""

NAME, STATE, DETAIL, PLACE, COUNT = range(5)


def column_widths(width: int, longest_name: int, count_width: int) -> list[int]:
    """The widths of the name, state, detail, place and count columns (each with the space after it).

    The least important shrink first: the step count goes, then the state's word
    (its glyph stays), the place, the name down to 8 cells; the detail (what it
    waits on) comes last and takes whatever room is left.
    """
    name = min(16, max(8, longest_name)) + 1
    columns = [
        Column(range(name, 8, -1), priority=3),
        Column((12, 2), priority=1),
        Column(range(18, 9, -1), priority=4),
        Column((9, 0), priority=2),  # `line 123`; a place in another file is cut
        Column((count_width, 0), priority=0),
    ]
    widths = fit_widths(columns, width - 1)  # the first cell marks the actor that just ran
    widths[DETAIL] = max(widths[DETAIL], width - 1 - sum(widths) + widths[DETAIL])
    return widths


class TaskTable(LineView):
    """Tasks, then threads, in creation order; up/down select one, enter shows its detail."""

    BINDINGS = [
        *LineView.BINDINGS[2:],
        Binding("up", "select(-1)", "Previous task", show=False),
        Binding("down", "select(1)", "Next task", show=False),
    ]

    @dataclass
    class Selected(Message):
        """The user picked a task or thread."""

        actor_id: str

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.actor_ids: list[str] = []
        self.selected: str | None = None
        self.arrangement = TaskArrangement()
        """Which tasks are rows, in what order (f, F); the screen sets it, then shows the view again."""
        self.total = 0
        """Tasks and threads at this frame, shown or not."""
        self._frame: int | None = None
        """The frame shown last: a new one brings its running actor's row into view."""

    def show(self, view: FrameView) -> None:
        every = view.actors()
        self.total = len(every)
        actors = self.arrangement.apply(every)
        self.actor_ids = [a.id for a in actors]
        self.selected = selected = view.selected
        running = view.world.running
        world = view.world
        trace = view.trace
        scenario = trace.header.get("file")
        width = self.scrollable_content_region.width or 80
        threads_cpu = any(actor.kind == "thread" and actor.cpu for actor in actors)
        longest = max((len(actor.name) for actor in actors), default=0)
        widths = tuple(column_widths(width, longest, 7 if threads_cpu else 5))
        places: dict[tuple[int, ...], str] = {}

        def place(actor_at: list[int]) -> str:
            """`line 40` in the scenario itself, `file:line` elsewhere."""
            for sid in reversed(actor_at):
                site = trace.site(sid)
                if site is not None:
                    return f"line {site[1]}" if site[0] == scenario else inert(f"{site[0]}:{site[1]}")
            return "-"

        shown: dict[int, Row] = {}

        def row_key(index: int) -> Row:
            """Everything row `index` shows: rows whose key is unchanged are not rendered again."""
            cells = shown.get(index)
            if cells is None:
                actor = actors[index]
                at = tuple(actor.at)
                where = places.get(at)
                if where is None:
                    where = places[at] = place(actor.at)
                count = f"{actor.cpu * 1000:>5.0f}ms" if actor.kind == "thread" and actor.cpu else f"{actor.steps:>5}"
                cells = shown[index] = (
                    actor.id,
                    actor.id == running,
                    actor.name,
                    actor.internal or actor.ended,
                    actor.state,
                    cut_keeping(inert(detail_of(actor, world)), widths[DETAIL] - 1, key_of(actor, world)),
                    where,
                    count,
                    actor.id == selected,
                    widths,
                )
            return cells

        def row(index: int) -> Text:
            actor_id, is_running, name, dim, _state, detail, where, count, is_selected, widths = row_key(index)
            text = Text()
            text.append(">" if is_running else " ", style="bold")
            # Columns are measured in cells, so wide and combining characters keep them aligned.
            style = actor_color(actor_id) + (" dim" if dim else "")
            text.append(pad(shorten(inert(name), widths[NAME] - 1), widths[NAME]), style=style)
            text.append_text(state_cell(actors[index], widths[STATE]))
            text.append(pad(detail, widths[DETAIL]))
            if widths[PLACE]:
                text.append(fit(where, widths[PLACE]), style="dim")
            if widths[COUNT]:
                text.append(f"{count:>{widths[COUNT]}}", style="dim")
            if is_selected:
                text.stylize("reverse")
            return text

        self.set_rows(len(actors), row, 120, row_key=row_key)
        if view.index != self._frame:
            self._frame = view.index
            self._scroll_to_running(running)
            # Again once laid out: rows that bring the scrollbar can be scrolled to only after the layout pass.
            self.call_after_refresh(self._scroll_to_running, running)

    def _scroll_to_running(self, running: str | None) -> None:
        """Bring the row of the actor that just ran into view, scrolling as little as it takes.

        Only the view moves: the selection stays where the user put it (Up/Down go on from it),
        and a step that shows the same frame again leaves the user's own scrolling alone.
        """
        if running in self.actor_ids:
            self.scroll_to_row(self.actor_ids.index(running))

    def action_select(self, step: int) -> None:
        if not self.actor_ids:
            return
        position = self.actor_ids.index(self.selected) + step if self.selected in self.actor_ids else 0
        position = max(0, min(position, len(self.actor_ids) - 1))
        self.scroll_to_row(position)
        self.post_message(self.Selected(self.actor_ids[position]))

    def on_click(self, event: Click) -> None:
        index = int(self.scroll_y) + event.y
        if 0 <= index < len(self.actor_ids):
            self.post_message(self.Selected(self.actor_ids[index]))


def bytecode_lines(view: FrameView) -> list[Text]:
    """The line a preempted thread stopped in, instruction by instruction, the switch marked."""
    frame = view.frame
    op = frame.get("op") if frame is not None else None
    if frame is None or not op:
        return []
    who = inert(view.world.name(frame.get("a")))
    head = Text(f"{who} was switched out in line {op['line']}, before the marked instruction:", style="bold")
    lines = [head]
    for offset, name, argument in op["ops"]:
        here = offset == op["offset"]
        text = Text(" -> " if here else "    ", style="bold red" if here else "")
        text.append(f"{offset:>4} {name:<20} {inert(str(argument))}", style="bold" if here else "dim")
        lines.append(text)
    lines.append(Text(""))
    return lines


class TaskDetail(LineView):
    """The selected actor: its await chain (innermost last) and the frames it ran in.

    When the current frame ends with a GIL switch, the bytecode of the line
    it fell in comes first.
    """

    def show(self, view: FrameView) -> None:
        actor = view.world.actors.get(view.selected or "")
        trace = view.trace
        lines: list[Text] = bytecode_lines(view)
        if actor is None:
            lines.append(Text("Select a task (up/down in the table, or click) to see its await chain.", style="dim"))
        else:
            head = Text()
            head.append(inert(actor.name), style=f"bold {actor_color(actor.id)}")
            head.append(f" ({actor.id}, {actor.kind}", style="dim")
            if actor.coro:
                head.append(f", coroutine {inert(actor.coro)}", style="dim")
            if actor.by:
                how = "started eagerly by" if actor.eager else "created by"
                head.append(f", {how} {inert(view.world.name(actor.by))}", style="dim")
            head.append(")", style="dim")
            lines.append(head)
            lines.append(Text("Await chain (outermost first):", style="bold"))
            # Not splitlines(): it also breaks at \f, \x1c or U+2028, which Python's line numbers do not.
            source = (trace.header.get("source") or "").split("\n")
            for sid in actor.at:
                site = trace.site(sid)
                if site is None:
                    continue
                file, line, func = site
                text = Text(inert(f"  {file}:{line} in {func}"))
                if file == trace.header.get("file") and 0 < line <= len(source):
                    text.append(f"   {inert(source[line - 1].strip())}", style="dim")
                lines.append(text)
            if not actor.at:
                lines.append(Text("  (not suspended in the program's own code)", style="dim"))
            history = [i for i in trace.frames_of(actor.id) if i <= view.index]
            lines.append(
                Text(f"History ({len(history)} frame{'s' if len(history) != 1 else ''} so far):", style="bold")
            )
            for index in history[-200:]:
                frame = trace.frame(index)
                where = trace.where(frame.get("at", []))
                summary = frame.get("wait") or frame.get("error") or frame.get("st", "")
                text = Text(f"  #{index + 1:<6} t={frame['t']:<8.3f} {inert(str(summary))}")
                if where:
                    text.append(f"  {inert(where)}", style="dim")
                if index == view.index:
                    text.stylize("reverse")
                lines.append(text)
        self.set_rows(len(lines), lines.__getitem__, 100, key=tuple(line.plain for line in lines))


class TaskPanel(Vertical):
    """The tasks panel: the task table over the selected actor's detail, shown together."""

    DEFAULT_CSS = """
    TaskPanel > TaskTable {
        height: 2fr;
    }

    TaskPanel > TaskDetail {
        height: 1fr;
        border-top: solid $primary-darken-2;
    }
    """

    def compose(self) -> ComposeResult:
        yield TaskTable()
        yield TaskDetail(id="detail")

    def show(self, view: FrameView) -> None:
        self.query_one(TaskTable).show(view)
        self.query_one(TaskDetail).show(view)
