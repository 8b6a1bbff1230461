"""The source panel's marker fit, one pass over the names, gives what trying every count would."""

from __future__ import annotations

import random

from rich.cells import cell_len

from tui.render.marks import MarkFit, _names_in


def _every_count_tried(room: int, names: list[str]) -> MarkFit | None:
    """The obvious answer: the largest count whose names and `+N` fit."""
    for count in range(len(names), 0, -1):
        rest = len(names) - count
        if cell_len(", ".join(names[:count]) + (f" +{rest}" if rest else "")) <= room:
            return MarkFit(0, names[:count], rest)
    return None


def test_the_one_pass_fit_is_the_largest_count_that_fits() -> None:
    rng = random.Random(7)
    pieces = ["a", "bb", "界", "é", "worker-", "x" * 12]
    for _ in range(5000):
        names = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 40))]
        room = rng.randint(0, 90)
        expected = _every_count_tried(room, names)
        if expected is not None:
            assert _names_in(room, names) == expected, (room, names)


def test_a_thousand_names_on_one_line_fit_in_one_pass() -> None:
    names = [f"worker-{n}" for n in range(1000)]
    fitted = _names_in(40, names)
    assert fitted.names == names[:3] and fitted.rest == 997
    assert cell_len(", ".join(fitted.names) + fitted.suffix) <= 40
