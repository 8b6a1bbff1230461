"""Provides the visual vocabulary: colours per task, glyphs and styles per state.

Every state has an ASCII glyph as well as a colour, so nothing depends on
colour (NO_COLOR, 16-colour terminals) or on a glyph a terminal font lacks.
"""

from __future__ import annotations

from functools import lru_cache

from rich.cells import cell_len, get_character_cell_size, set_cell_size
from rich.style import Style

from tui.trace.model import STATE_CODES

ACTOR_COLORS = (
    "cyan",
    "magenta",
    "green",
    "yellow",
    "blue",
    "red",
    "bright_cyan",
    "bright_magenta",
    "bright_green",
    "bright_yellow",
    "bright_blue",
    "bright_red",
)

STATE_GLYPHS = {
    "running": "#",
    "ready": "=",
    "wait": "-",
    "sleep": "~",
    "blocked": "!",
    "done": " ",
    "failed": "x",
    "cancelled": " ",
    "runaway": "@",
    "preempted": "=",
    "loop": ":",
}
"""One character per state, used by the timeline and next to state names."""

STATE_STYLES = {
    "running": Style(color="bright_white", bold=True, reverse=True),
    "ready": Style(color="yellow"),
    "wait": Style(color="red"),
    "sleep": Style(color="blue"),
    "blocked": Style(color="magenta", bold=True),
    "done": Style(color="green"),
    "failed": Style(color="red", bold=True),
    "cancelled": Style(color="bright_black"),
    "runaway": Style(color="red", bold=True, reverse=True),
    "preempted": Style(color="yellow"),
    "loop": Style(dim=True),
}

OUTCOME_STYLES = {
    "completed": Style(color="green", bold=True),
    "exception": Style(color="red", bold=True),
    "deadlock": Style(color="red", bold=True),
    "frame-limit": Style(color="yellow", bold=True),
    "runaway": Style(color="yellow", bold=True),
    "memory": Style(color="yellow", bold=True),
    "thread-limit": Style(color="yellow", bold=True),
    "process-limit": Style(color="yellow", bold=True),
    "decision": Style(color="cyan", bold=True),
    "crashed": Style(color="red", bold=True),
    "error": Style(color="red", bold=True),
}

CODE_GLYPHS = {code: STATE_GLYPHS.get(name, "?") for name, code in STATE_CODES.items()}
CODE_STYLES = {code: STATE_STYLES.get(name, Style()) for name, code in STATE_CODES.items()}


def shorten(name: str, width: int) -> str:
    """Fit a name in `width` cells keeping both ends: `ThreadPool~0_2`, so siblings stay distinct.

    Widths are terminal cells, not characters: `漢` takes two, a combining accent none.
    """
    if cell_len(name) <= width:
        return name
    head = (width - 1) // 2
    return _first_cells(name, head) + "~" + _last_cells(name, width - 1 - head)


def _first_cells(text: str, width: int) -> str:
    """The longest start of `text` that fits in `width` cells (counting per character, so never too long)."""
    used = 0
    for end, char in enumerate(text):
        used += get_character_cell_size(char)
        if used > width:
            return text[:end]
    return text


def _last_cells(text: str, width: int) -> str:
    """The longest end of `text` that fits in `width` cells (counting per character, so never too long)."""
    used = 0
    start = len(text)
    while start > 0:
        size = get_character_cell_size(text[start - 1])
        if used + size > width:
            break
        used += size
        start -= 1
    while start < len(text) and get_character_cell_size(text[start]) == 0:
        start += 1  # an accent or joiner whose base character was cut off
    return text[start:]


def pad(text: str, width: int) -> str:
    """`text` with spaces after it up to `width` cells: what `f"{text:<{width}}"` does for ASCII."""
    return text + " " * max(0, width - cell_len(text))


def clip(text: str, width: int, ellipsis: str = "...") -> str:
    """`text` cut to at most `width` cells, ending in `ellipsis` when something was cut."""
    if cell_len(text) <= width:
        return text
    return _first_cells(text, max(0, width - cell_len(ellipsis))) + ellipsis


def fit(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` cells (a column of a table), with no ellipsis."""
    return set_cell_size(text, width)


@lru_cache(maxsize=8192)
def actor_color(actor_id: str) -> str:
    """A stable colour per actor: tasks by number, threads from the end of the palette."""
    digits = "".join(ch for ch in actor_id if ch.isdigit())
    number = int(digits) if digits else 0
    if actor_id.startswith("Th"):
        return "white" if number == 1 else ACTOR_COLORS[-(number % len(ACTOR_COLORS)) - 1]
    return ACTOR_COLORS[(number - 1) % len(ACTOR_COLORS)]


def legend() -> list[tuple[str, str]]:
    """(glyph, state) pairs for a legend line."""
    return [
        ("#", "running"),
        ("=", "ready"),
        ("-", "waiting"),
        ("~", "sleeping"),
        ("!", "blocked"),
        (":", "in a loop"),
        ("x", "failed"),
        ("@", "runaway"),
    ]
