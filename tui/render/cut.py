"""Provides cut_keeping: a phrase cut to a width that keeps its key part (a name) in view.

"lock (Lock#1) held by worker-1, 2nd in line" in 17 cells is not "lock (Lock#1) h…"
but "…held by worker-1": the descriptive parts go first, then the words before the key.
"""

from __future__ import annotations

import re

from rich.cells import cell_len

from tui.render.styles import clip, shorten

ELLIPSIS = "…"

DESCRIPTIVE = (
    re.compile(r"^(?:in the|waits for|sleeping|runs the) "),  # "in the ready queue" -> "ready queue"
    re.compile(r" \([^()\s]*#\d+\)"),  # " (Lock#1)": a resource's id next to its name
    re.compile(r", \d+\w\w in line$"),  # the place in line
)
"""What a phrase can lose and still say the same thing, in the order it is given up."""


def cut_keeping(text: str, width: int, key: str | None = None) -> str:
    """`text` in at most `width` cells, with `key` (a part of it: an owner's name) whole if it can be.

    Descriptive parts are dropped first; if the key is still cut off, the
    words before it go (`…by worker-1`), and what follows it; a key of
    several names wider than `width` keeps the first (`worker-1 +2`), and a
    single name both its ends. Without a key, the end is cut.
    """
    if cell_len(text) <= width:
        return text
    for descriptive in DESCRIPTIVE:
        shorter = descriptive.sub("", text, count=1)
        if shorter and (key is None or key in shorter or key not in text):
            text = shorter
        if cell_len(text) <= width:
            return text
    start = text.find(key) if key else -1
    if key is None or start < 0 or cell_len(text[: start + len(key)]) < width:
        return clip(text, width, ELLIPSIS)  # the key, if any, ends before the cut
    words = text[:start].split(" ")
    while words and cell_len(ELLIPSIS + " ".join(words) + key) > width:
        words.pop(0)
    kept = " ".join(words) + key
    if cell_len(ELLIPSIS + kept) <= width:
        return ELLIPSIS + kept
    first, *others = key.split(", ")
    if others and cell_len(f"{first} +{len(others)}") <= width:
        return f"{first} +{len(others)}"  # several holders: the first by name, the others counted
    return shorten(key, width)
