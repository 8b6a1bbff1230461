"""Provides SourceView: the scenario's code with each live task's current line marked."""

from __future__ import annotations

from dataclasses import dataclass

from rich.syntax import Syntax
from rich.text import Text
from textual.binding import Binding
from textual.events import Click
from textual.message import Message

from tui.render.inert import inert
from tui.render.marks import MARKER, fit_marks
from tui.render.styles import actor_color
from tui.trace.state import ENDED_STATES, Actor
from tui.viewmodel import FrameView
from tui.widgets.lineview import LineView

GUTTER = 5
"""Cells of a row before its marker: the line number and the breakpoint mark (a click there toggles it)."""
BREAK_MARK = "●"


class SourceView(LineView):
    """`=>` marks the line where the actor that just ran stopped; `->` other tasks; `!!` a raise.

    A red `●` after a line number is a line breakpoint. The source cursor
    (Up/Down when focused, which also scroll the code a line, or a click on
    the code) picks the line `x` toggles; until it is moved, it is the `=>` line.
    """

    BINDINGS = [
        *LineView.BINDINGS[2:],
        Binding("up", "move_cursor(-1)", "Line up", show=False),
        Binding("down", "move_cursor(1)", "Line down", show=False),
    ]

    @dataclass
    class ToggleBreakpoint(Message):
        """The user asked to set or clear the breakpoint on `line` (a click on its number)."""

        line: int

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._source_key: tuple[str, int] | None = None
        self._code_lines: list[Text] = []
        self.marks: dict[int, list[Actor]] = {}
        self.current_line: int | None = None
        self.raise_line: int | None = None
        self.breakpoint_lines: frozenset[int] = frozenset()
        """Lines with a breakpoint (the screen sets them, then shows the view again)."""
        self.moved_cursor: int | None = None
        """The line the user put the source cursor on, or None: it follows the `=>` line."""

    @property
    def cursor_line(self) -> int | None:
        """The line under the source cursor (what `x` toggles): where it was moved, else the `=>` (or `!!`)
        line, else (a loop callback ran: no line is current) the top line in view."""
        line = self.moved_cursor or self.current_line or self.raise_line
        if line is None and self.row_count:
            line = min(int(self.scroll_y) + 1, self.row_count)
        return line

    def _cursor_shown(self, number: int) -> bool:
        """Line `number`'s number is shown reversed: the cursor is on it, and it is not a marked `=>` or `!!` line."""
        return number == self.cursor_line and number not in (self.current_line, self.raise_line)

    def action_move_cursor(self, step: int) -> None:
        if not self.row_count:
            return
        start = self.cursor_line or 1
        self.moved_cursor = max(1, min(start + step, self.row_count))
        # The code scrolls a line as it always did, the cursor with it (it keeps its row on screen
        # while the code can scroll); a cursor scrolled out of view is brought back.
        self.scroll_to(y=self.scroll_y + step, animate=False)
        self.scroll_to_row(self.moved_cursor - 1)
        self.refresh_rows()

    def on_click(self, event: Click) -> None:
        line = int(self.scroll_y) + event.y + 1
        if not 1 <= line <= self.row_count:
            return
        if int(self.scroll_x) + event.x < GUTTER:
            self.post_message(self.ToggleBreakpoint(line))
        else:
            self.moved_cursor = line
            self.refresh_rows()

    def refresh_rows(self) -> None:
        """Paint the rows again (the cursor or the breakpoints moved; nothing else did)."""
        self._cache.clear()
        self.refresh()

    def _highlighted(self, source: str) -> list[Text]:
        key = (source[:64], len(source))
        if key != self._source_key:
            self._source_key = key
            self.moved_cursor = None  # another program: its cursor starts at its `=>` line
            # A string literal can hold a raw ESC; CRLF files would show a ␍ at every line end.
            source = inert(source.replace("\r\n", "\n"), multiline=True, tab_size=4)  # Syntax's tab size
            syntax = Syntax(source, "python", theme="ansi_dark", background_color="default")
            self._code_lines = list(syntax.highlight(source).split("\n", allow_blank=True))
        return self._code_lines

    def _line_of(self, view: FrameView, at: tuple[int, ...]) -> int | None:
        """The innermost line of an await chain (an actor's `at`) in the scenario file."""
        name = view.trace.header.get("file")
        for sid in reversed(at):
            site = view.trace.site(sid)
            if site is not None and site[0] == name:
                return site[1]
        return None

    def show(self, view: FrameView) -> None:
        source = view.trace.header.get("source") or ""
        lines = self._highlighted(source) if source else []
        marks: dict[int, list[Actor]] = {}
        current = raise_line = None
        running = view.world.running
        found: dict[tuple[int, ...], int | None] = {}  # each await chain's line: a thousand tasks share a few
        for actor in view.actors():
            if actor.internal:
                continue
            at = tuple(actor.at)
            line = found[at] if at in found else found.setdefault(at, self._line_of(view, at))
            if line is None:
                continue
            state = actor.state
            if state == "failed":
                raise_line = line
            if state in ENDED_STATES and actor.id != running:
                continue
            marks.setdefault(line, []).append(actor)
            if actor.id == running:
                current = line
        summary = view.trace.summary or {}
        if raise_line is None and summary.get("outcome") == "error" and summary.get("line"):
            raise_line = summary["line"]  # the syntax error
        self.marks, self.current_line, self.raise_line = marks, current, raise_line
        width = max((len(t) for t in lines), default=0) + 40
        source_key = self._source_key

        # The actors marked on each line, as a row key says them, made once per view: the key of a line
        # a thousand tasks wait on is asked for when the row is updated and again when it is painted.
        marked: dict[int, tuple[tuple[str, str, bool], ...]] = {}

        def row_key(index: int) -> tuple[object, ...]:
            """What row `index` shows: its code, its marker and the actors marked on it."""
            number = index + 1
            here = marks.get(number)
            marker = "!!" if number == raise_line else "=>" if number == current else "->" if here else ""
            who = marked.get(number) if here else ()
            if who is None:
                who = marked[number] = tuple((a.id, a.name, a.id == running) for a in here or ())
            gutter = (number in self.breakpoint_lines, self._cursor_shown(number))
            return (source_key, number, marker, running if marker == "=>" else None, who, gutter)

        def row(index: int) -> Text:
            number = index + 1
            text = Text()
            text.append(f"{number:>4}", style="reverse" if self._cursor_shown(number) else "dim")
            if number in self.breakpoint_lines:
                text.append(BREAK_MARK, style="bold red")
            else:
                text.append(" ", style="dim")
            here = marks.get(number, [])
            if number == raise_line:
                text.append("!! ", style="bold red")
            elif number == current:
                text.append("=> ", style=f"bold {actor_color(running or '')}")
            elif here:
                text.append("-> ", style=actor_color(here[0].id))
            else:
                text.append("   ")
            if not here:
                text.append_text(lines[index])
            else:
                # Who just ran is named first, the others in their order (a stable sort on "is it not").
                here = [a for a in here if a.id == running] + [a for a in here if a.id != running]
                room = self.scrollable_content_region.width - text.cell_len
                fitted = fit_marks(room, lines[index].cell_len, [inert(actor.name) for actor in here])
                code = lines[index]
                if fitted.code < code.cell_len:
                    # The code gives way to the names: its indentation first (the marker sets the row apart).
                    plain = code.plain
                    code = code[len(plain) - len(plain.lstrip(" ")) :]
                    code.truncate(fitted.code, overflow="ellipsis")
                text.append_text(code)
                text.append(MARKER, style="dim")
                for position, (actor, name) in enumerate(zip(here, fitted.names, strict=False)):
                    if position:
                        text.append(", ", style="dim")
                    style = actor_color(actor.id) + (" bold reverse" if actor.id == running else "")
                    text.append(name, style=style)
                text.append(fitted.suffix, style="dim")
            if number == current:
                text.stylize("on grey23")
            return text

        self.set_rows(len(lines), row, width, row_key=row_key)
        focus_line = current or raise_line
        if focus_line is not None:
            self.scroll_to_row(focus_line - 1)
