"""SVG snapshots of the main screen: a lock, a deadlock and an exception, at 80x24 and 160x48.

Regenerate after an intended change with `pytest tests/snapshots --snapshot-update`
and look at the SVGs before committing them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pilot_helpers import wait_recorded

from tui.app import ConcurApp
from tui.scenarios import bundled_dir

DATA = Path(__file__).resolve().parents[1] / "data"
# The exception case shows CPython's own traceback, and 3.13 underlines the call
# that failed with ~ and ^ where 3.11 and 3.12 print no marks for this program:
# its snapshots are kept per traceback style.
TRACEBACK_STYLE = "py313" if sys.version_info >= (3, 13) else "py311"
CASES = {
    "lock": (bundled_dir() / "04_lock_contention.py", ["g", "1", "3", "enter"]),  # three waiters queued
    "deadlock": (bundled_dir() / "11_deadlock.py", ["end", "5"]),  # the final frame, lesson/outcome panel
    f"exception-{TRACEBACK_STYLE}": (DATA / "order_pipeline.py", ["end", "5"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("case", list(CASES))
def test_main_screen(snap_compare, case: str, size: tuple[int, int]) -> None:
    """The stepping screen of each case, at a small and a large terminal."""
    path, keys = CASES[case]
    app = ConcurApp(path)

    async def recorded(pilot) -> None:
        await wait_recorded(pilot, app)
        await pilot.press(*keys)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=recorded)
