"""Round-number ticks for the timeline's axes, and labels that are shown whole or not at all."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from tui.render.ticks import axis_cells, frame_ticks, time_ticks
from tui.widgets.timeline import frame_window


def test_ticks_are_round_and_evenly_placed() -> None:
    assert time_ticks(2.0, 86) == [(0, "0.0s"), (21, "0.5s"), (43, "1.0s"), (64, "1.5s")]


@pytest.mark.parametrize(
    ("end", "columns", "labels"),
    [
        (0.257, 86, ["0ms", "50ms", "100ms", "150ms", "200ms"]),
        (3600.0, 60, ["0s", "1000s", "2000s", "3000s"]),
        (0.000012, 40, ["0µs", "5µs", "10µs"]),
    ],
)
def test_the_unit_follows_the_scale(end: float, columns: int, labels: list[str]) -> None:
    assert [label for _, label in time_ticks(end, columns)] == labels


@pytest.mark.parametrize("end", [0.001, 0.37, 1.0, 2.5, 17.0, 999.0])
@pytest.mark.parametrize("columns", [20, 57, 86, 140])
def test_labels_never_overlap_or_run_off_the_edge(end: float, columns: int) -> None:
    ticks = time_ticks(end, columns)
    assert ticks and ticks[0] == (0, ticks[0][1])
    for (left, label), (right, _) in pairwise(ticks):
        assert left + len(label) + 1 < right
    last_column, last_label = ticks[-1]
    assert last_column + len(last_label) + 1 <= columns


def test_an_empty_span_has_a_single_zero_tick() -> None:
    assert time_ticks(0.0, 30) == [(0, "0s")]
    assert time_ticks(1.0, 0) == []


def _runs(cells: list[str], cursor: int | None) -> list[tuple[int, str]]:
    """(column, text) of every run of non-blank cells, the cursor's column counted as blank."""
    row = "".join(" " if column == cursor else cell for column, cell in enumerate(cells))
    return [(match.start(), match.group()) for match in re.finditer(r"\S+", row)]


@pytest.mark.parametrize("count", [1, 9, 10, 11, 19, 20, 29, 37, 99, 100, 101, 250, 1005, 10_003, 100_000])
def test_every_frame_label_shown_is_whole(count: int) -> None:
    for width in range(1, 150, 1 if count < 200 else 7):
        for cursor in sorted({0, 1, count // 3, count // 2, count - 2, count - 1} & set(range(count))):
            frames = frame_window(cursor, count, width)
            column_of_cursor = frames.index(cursor)
            cells = axis_cells(frame_ticks(frames), len(frames), column_of_cursor)
            assert len(cells) == len(frames)
            for column, run in _runs(cells, column_of_cursor):
                # "|20" exactly where frame 20 is: never "|2" cut at the edge, never two labels run together.
                assert run == f"|{frames[column] + 1}" and (frames[column] + 1) % 10 == 0, (count, width, cursor, run)


@pytest.mark.parametrize("end", [0.0004, 0.01, 0.3, 1.0, 7.5, 60.0, 3600.0, 86_400.0])
def test_every_time_label_shown_is_whole(end: float) -> None:
    for columns in range(1, 150):
        ticks = dict(time_ticks(end, columns))
        for cursor in (None, 0, columns // 2, columns - 1):
            for column, run in _runs(axis_cells(ticks.items(), columns, cursor), cursor):
                assert run == "|" + ticks[column], (end, columns, cursor, run)


def test_a_label_that_would_run_off_the_edge_is_dropped_not_cut() -> None:
    assert "".join(axis_cells([(0, "10"), (10, "20")], 12)) == "|10         "
    assert "".join(axis_cells([(0, "10"), (10, "20")], 13)) == "|10       |20"


def test_a_label_under_the_cursor_or_into_the_previous_one_is_dropped() -> None:
    assert "".join(axis_cells([(0, "10"), (3, "20")], 8)) == "|10     "
    assert "".join(axis_cells([(0, "10"), (4, "20")], 8)) == "|10 |20 "
    assert "".join(axis_cells([(0, "10"), (4, "20")], 8, cursor=5)) == "|10     "
