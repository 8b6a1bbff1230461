"""Provides SourceView: the scenario's code with each live task's current line marked."""

from __future__ import annotations

from rich.syntax import Syntax
from rich.text import Text

from tui.render.inert import inert
from tui.render.marks import MARKER, fit_marks
from tui.render.styles import actor_color
from tui.trace.state import Actor
from tui.viewmodel import FrameView
from tui.widgets.lineview import LineView


class SourceView(LineView):
    """`=>` marks the line where the actor that just ran stopped; `->` other tasks; `!!` a raise."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._source_key: tuple[str, int] | None = None
        self._code_lines: list[Text] = []
        self.marks: dict[int, list[Actor]] = {}
        self.current_line: int | None = None
        self.raise_line: int | None = None

    def _highlighted(self, source: str) -> list[Text]:
        key = (source[:64], len(source))
        if key != self._source_key:
            self._source_key = key
            # A string literal can hold a raw ESC; CRLF files would show a ␍ at every line end.
            source = inert(source.replace("\r\n", "\n"), multiline=True, tab_size=4)  # Syntax's tab size
            syntax = Syntax(source, "python", theme="ansi_dark", background_color="default")
            self._code_lines = list(syntax.highlight(source).split("\n", allow_blank=True))
        return self._code_lines

    def _line_of(self, view: FrameView, actor: Actor, found: dict[tuple[int, ...], int | None]) -> int | None:
        """The actor's innermost line in the scenario file (`found`: the answers so far, by await chain)."""
        at = tuple(actor.at)
        if at in found:
            return found[at]
        name = view.trace.header.get("file")
        line = None
        for sid in reversed(at):
            site = view.trace.site(sid)
            if site is not None and site[0] == name:
                line = site[1]
                break
        found[at] = line
        return line

    def show(self, view: FrameView) -> None:
        source = view.trace.header.get("source") or ""
        lines = self._highlighted(source) if source else []
        marks: dict[int, list[Actor]] = {}
        current = raise_line = None
        running = view.world.running
        found: dict[tuple[int, ...], int | None] = {}
        for actor in view.actors():
            if actor.internal:
                continue
            line = self._line_of(view, actor, found)
            if line is None:
                continue
            if actor.state == "failed":
                raise_line = line
            if actor.ended and actor.id != running:
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

        def row_key(index: int) -> tuple[object, ...]:
            """What row `index` shows: its code, its marker and the actors marked on it."""
            number = index + 1
            here = marks.get(number)
            marker = "!!" if number == raise_line else "=>" if number == current else "->" if here else ""
            who = tuple((a.id, a.name, a.id == running) for a in here) if here else ()
            return (source_key, number, marker, running if marker == "=>" else None, who)

        def row(index: int) -> Text:
            number = index + 1
            text = Text()
            text.append(f"{number:>4} ", style="dim")
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
                here = sorted(here, key=lambda actor: actor.id != running)  # who just ran is named first
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
