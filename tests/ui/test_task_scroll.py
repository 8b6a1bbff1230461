"""In a task table longer than its panel, the actor that just ran is always on screen; the selection stays put.

The executor lesson is opened from its saved trace (no process) in a
terminal so small that its table shows 5 of its 9 rows.
"""

from __future__ import annotations

from pathlib import Path

from pilot_helpers import wait_recorded

from tui.app import ConcurApp
from tui.widgets.tasks import TaskTable

SAVED = Path(__file__).resolve().parents[1] / "data" / "traces" / "13_run_in_executor-py311.jsonl"


def visible_rows(table: TaskTable) -> range:
    top = int(table.scroll_y)
    return range(top, top + table.scrollable_content_region.height)


async def test_each_frame_scrolls_the_running_actors_row_into_view() -> None:
    app = ConcurApp(SAVED, saved=True)
    async with app.run_test(size=(80, 16)) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        await pilot.press("2")
        table = app.main.query_one(TaskTable)
        scrolled = False
        for index in range(len(app.main.trace)):
            app.main.seek(index)
            await pilot.pause()
            running = app.main.view().world.running
            if running in table.actor_ids:
                assert table.actor_ids.index(running) in visible_rows(table), index
                scrolled |= table.scroll_y > 0
        assert table.row_count > table.scrollable_content_region.height > 0
        assert scrolled  # some running actor was below the first rows


async def test_stepping_keeps_the_users_selection() -> None:
    app = ConcurApp(SAVED, saved=True)
    async with app.run_test(size=(80, 16)) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        await pilot.press("2", "down")
        table = app.main.query_one(TaskTable)
        first = table.actor_ids[0]
        assert app.main.selected == first
        for _ in range(len(app.main.trace) - 1):
            await pilot.press("right")
            assert app.main.selected == first
        await pilot.press("down")  # on from the selection, wherever the view was scrolled to
        assert app.main.selected == table.actor_ids[1]
        assert 1 in visible_rows(table)
