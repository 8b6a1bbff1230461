"""Provides time_ticks and frame_ticks (the timeline's labels) and axis_cells (the axis row, labels whole)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def _tick_step(end: float, columns: int, min_gap: int) -> float:
    """The smallest 1, 2 or 5 times a power of ten that leaves `min_gap` columns between ticks."""
    wanted = end * min_gap / columns
    power = 10.0 ** math.floor(math.log10(wanted))
    for factor in (1, 2, 5):
        if factor * power >= wanted:
            return factor * power
    return 10 * power


def _label(value: float, step: float) -> str:
    """`value` in the unit that suits the step: 0.5s, 50ms, 20µs."""
    scale, unit = (1.0, "s") if step >= 0.1 else (1e3, "ms") if step >= 1e-4 else (1e6, "µs")
    decimals = max(0, -math.floor(math.log10(step * scale) + 1e-9))
    return f"{value * scale:.{decimals}f}{unit}"


def time_ticks(end: float, columns: int, min_gap: int = 9) -> list[tuple[int, str]]:
    """(column, label) for round times from 0 to `end` seconds spread over `columns` cells.

    Column c covers the times just after c/columns of `end`, so a tick at time
    t goes in column floor(t / end * columns). Labels are at least `min_gap`
    columns apart, so they never run into each other, and a label that would
    not fit before the right edge is left out.
    """
    if end <= 0 or columns <= 0:
        return [(0, "0s")] if columns > 0 else []
    step = _tick_step(end, columns, min_gap)
    ticks = []
    count = 0
    while count * step <= end * (1 + 1e-9):
        value = count * step
        column = int(value / end * columns + 1e-9)
        label = _label(value, step)
        if column + len(label) < columns:
            ticks.append((column, label))
        count += 1
    return ticks


def frame_ticks(frames: Sequence[int]) -> list[tuple[int, str]]:
    """(column, label) for each column that shows a tenth frame (frames are numbered from 1 on screen)."""
    return [(column, str(index + 1)) for column, index in enumerate(frames) if (index + 1) % 10 == 0]


def axis_cells(ticks: Iterable[tuple[int, str]], columns: int, cursor: int | None = None) -> list[str]:
    """The cells of an axis `columns` wide, each tick written as `|label`, whole or not at all.

    A half label reads as another number (`|2` for `|20`), so a tick is left
    out when it would run past the last column, into the label before it (one
    space is kept between them), or under the cursor's `v`.
    """
    cells = [" "] * columns
    free = 0
    """The first column the next label may start at."""
    for column, label in ticks:
        tick = "|" + label
        end = column + len(tick)
        if column < free or end > columns or (cursor is not None and column <= cursor < end):
            continue
        cells[column:end] = tick
        free = end + 1
    return cells
