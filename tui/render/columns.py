"""Provides Column and fit_widths: a table's columns shrink by priority to the width there is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """A column of a table: the widths it can be shown in, widest first, and how soon it gives up room.

    `(6, 0)` is shown whole or not at all; `range(17, 8, -1)` takes any width
    down to 9. Widths include the space that separates it from the next column.
    """

    widths: Sequence[int]
    priority: int
    """The lower, the sooner it shrinks: the least important column goes first."""


def fit_widths(columns: Sequence[Column], room: int) -> list[int]:
    """Each column's width, together at most `room` where the columns' smallest widths allow it.

    The least important column takes its next smaller width until the table
    fits or it is as small as it goes; only then does the next one shrink.
    A column keeps its widest width while the table fits.
    """
    chosen = [0] * len(columns)
    total = sum(column.widths[0] for column in columns)
    for position in sorted(range(len(columns)), key=lambda p: columns[p].priority):
        widths = columns[position].widths
        while total > room and chosen[position] < len(widths) - 1:
            total -= widths[chosen[position]] - widths[chosen[position] + 1]
            chosen[position] += 1
    return [column.widths[index] for column, index in zip(columns, chosen, strict=True)]
