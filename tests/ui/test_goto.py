"""The go-to questions (g, t) refuse what is not a frame or a time, and say why."""

from __future__ import annotations

import pytest

from tui.screens.goto import frame_problem, parse_time, time_problem


def test_a_frame_number_counts_from_one_to_the_last_frame() -> None:
    assert frame_problem("1", 37) is None and frame_problem("37", 37) is None
    assert frame_problem("38", 37) == frame_problem("0", 37) == "There are frames 1 to 37"
    assert frame_problem("ab", 37) == frame_problem("-1", 37) == frame_problem("", 37) == "Type a frame number, like 12"
    assert frame_problem("1", 0) is None  # an empty trace: going to frame 1 is harmless


def test_a_time_is_typed_in_seconds_or_as_the_status_bar_shows_it() -> None:
    assert parse_time("1.5") == parse_time("t=1.5s") == 1.5
    assert time_problem("2") is None and time_problem("t=0.000s") is None
    assert time_problem("soon") == "Type a time in seconds, like 1.5"
    assert time_problem("-1") == "Virtual time starts at 0"
    with pytest.raises(ValueError):
        parse_time("t=")
