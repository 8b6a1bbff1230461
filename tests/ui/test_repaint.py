"""Rows a step leaves alone keep their rendered strips: what is kept is always what a fresh render shows.

The lock lesson is opened from its saved trace (no process), stepped through
frame by frame and back, with a task selected too, and after every move each
list panel's visible rows, as the screen paints them (kept strips where the
row keys say nothing changed), are compared with the same rows rendered anew.
"""

from __future__ import annotations

from pathlib import Path

from pilot_helpers import wait_recorded
from rich.text import Text

from tui.app import ConcurApp
from tui.widgets.lineview import LineView

SAVED = Path(__file__).resolve().parents[1] / "data" / "traces" / "04_lock_contention-py311.jsonl"


def _painted(view: LineView) -> list[str]:
    return [strip.text for strip in (view.render_line(y) for y in range(view.scrollable_content_region.height))]


def _fresh(view: LineView) -> list[str]:
    view._cache.clear()
    return _painted(view)


async def _check_every_panel(app: ConcurApp) -> None:
    for view in app.main.query(LineView):
        if view.display and view.scrollable_content_region.height:
            kept = _painted(view)
            assert kept == _fresh(view), (type(view).__name__, app.main.cursor)


async def test_kept_rows_are_the_rows_a_fresh_render_shows() -> None:
    app = ConcurApp(SAVED, saved=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        total = len(app.main.trace)
        for _ in range(total - 1):
            await pilot.press("right")
            await _check_every_panel(app)
        await pilot.press("down", "down")  # select a task: its row and its detail change
        for _ in range(total - 1):
            await pilot.press("left")
            await _check_every_panel(app)
        for index in (total - 1, 3, total // 2, 0):
            app.main.seek(index)
            await pilot.pause()
            await _check_every_panel(app)


async def test_a_view_without_row_keys_renders_every_row_again() -> None:
    app = ConcurApp(SAVED, saved=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        lesson = app.main.query_one("#lesson", LineView)
        _painted(lesson)
        assert lesson._cache
        lesson.set_rows(2, lambda index: Text(f"row {index}"))
        assert not lesson._cache  # without row keys nothing rendered before is kept
        assert [row.rstrip() for row in _painted(lesson)[:3]] == ["row 0", "row 1", ""]
