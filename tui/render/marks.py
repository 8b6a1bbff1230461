"""Provides fit_marks: how a marked source line (`code  <- worker-1, worker-2`) fits its panel.

The names are the point of the marker, so they are the last thing cut: the
code gives way first (down to MIN_CODE cells, then further for a first
name up to NAME_CELLS wide), then the names after the first become `+2`,
and a first name too wide alone keeps both its ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len

from tui.render.styles import shorten

MARKER = "  <- "
"""Between a line's code and the names of the tasks stopped on it."""
MIN_CODE = 8
"""Cells of code a marked line keeps while its names need the room."""
NAME_CELLS = 16
"""The first name is kept whole up to this width, whatever the code loses for it (the task table's too)."""


@dataclass(frozen=True)
class MarkFit:
    code: int
    """Cells of the code kept (all of it when it fits)."""
    names: list[str]
    """The names shown, in order (the first possibly shortened)."""
    rest: int
    """Names left out, shown as `+N`."""

    @property
    def suffix(self) -> str:
        return f" +{self.rest}" if self.rest else ""


def fit_marks(room: int, code: int, names: Sequence[str]) -> MarkFit:
    """Fit `code` cells of code and the `names` after the marker into `room` cells (0: unknown, cut nothing)."""
    shown = list(names)
    names_fit = room - cell_len(MARKER) - code
    if room <= 0 or _joined_cells(shown, names_fit) <= names_fit:
        return MarkFit(code, shown, 0)
    names_room = max(min(NAME_CELLS, cell_len(shown[0])), room - cell_len(MARKER) - MIN_CODE)
    fitted = _names_in(names_room, shown)
    used = cell_len(MARKER) + cell_len(", ".join(fitted.names) + fitted.suffix)
    return MarkFit(min(code, max(0, room - used)), fitted.names, fitted.rest)


def _joined_cells(names: list[str], room: int) -> int:
    """The cells of `", ".join(names)`, counted only until they pass `room` (then some number past it):
    a line a thousand tasks wait on need not be measured to its end to know it does not fit."""
    joined = -2
    for name in names:
        joined += 2 + cell_len(name)
        if joined > room:
            return joined
    return max(0, joined)


def _names_in(room: int, names: list[str]) -> MarkFit:
    """The most names (then `+N`) that fit `room`: one pass, each count's width from the one before
    (a line a thousand tasks wait on is redrawn at every step)."""
    best = 0
    joined = -2  # cells of ", ".join(names[:count]), before the first name
    for count, name in enumerate(names, 1):
        joined += 2 + cell_len(name)
        if joined > room:
            break  # the names only grow from here, and no `+N` is shorter than nothing
        rest = len(names) - count
        if joined + (len(f" +{rest}") if rest else 0) <= room:
            best = count
    if best:
        return MarkFit(0, names[:best], len(names) - best)
    if cell_len(names[0]) <= room:
        return MarkFit(0, names[:1], 0)  # no room to say how many more: the first name matters most
    return MarkFit(0, [shorten(names[0], room)], 0)
