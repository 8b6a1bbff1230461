"""Round-number ticks for the timeline's time axis."""

from __future__ import annotations

from itertools import pairwise

import pytest

from tui.render.ticks import time_ticks


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
