"""Up/Down act at once, at start and after a panel switch, and the footer's keys never move with the focus.

The lock lesson is opened from its saved trace: no process is started.
"""

from __future__ import annotations

from pathlib import Path

from pilot_helpers import wait_recorded
from textual.widgets._footer import FooterKey

from tui.app import ConcurApp
from tui.widgets.source import SourceView
from tui.widgets.tasks import TaskTable

SAVED = Path(__file__).resolve().parents[1] / "data" / "traces" / "04_lock_contention-py311.jsonl"
FOOTER = ["Prev", "Next", "Run/pause", "Go to", "Open", "Help", "Quit"]


def footer(app: ConcurApp) -> list[str]:
    return [key.description for key in app.main.query(FooterKey)]


async def test_down_selects_a_task_at_once_in_the_full_layout() -> None:
    app = ConcurApp(SAVED, saved=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        table = app.main.query_one(TaskTable)
        assert app.main.focused is table
        await pilot.press("down")
        assert app.main.selected == table.actor_ids[0]
        await pilot.press("down")
        assert app.main.selected == table.actor_ids[1]


async def test_a_panel_switched_to_in_the_compact_layout_takes_the_keys() -> None:
    app = ConcurApp(SAVED, saved=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        source = app.main.query_one(SourceView)
        assert app.main.focused is source  # the panel shown first: Up/Down scroll it
        await pilot.press("2")
        table = app.main.query_one(TaskTable)
        assert app.main.focused is table
        await pilot.press("down", "down")
        assert app.main.selected == table.actor_ids[1]
        await pilot.press("1")
        assert app.main.focused is source
        before = source.scroll_y
        await pilot.press("up")
        assert source.scroll_y == before - 1


async def test_folding_into_tabs_moves_the_focus_to_the_panel_shown() -> None:
    app = ConcurApp(SAVED, saved=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        assert isinstance(app.main.focused, TaskTable)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert isinstance(app.main.focused, SourceView)


async def test_the_footer_shows_the_same_keys_in_the_same_order_whatever_has_focus() -> None:
    app = ConcurApp(SAVED, saved=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        await pilot.pause()
        assert footer(app) == FOOTER  # as the app starts
        seen = set()
        for _ in range(12):
            await pilot.press("tab")
            await pilot.pause()
            seen.add(type(app.main.focused).__name__)
            assert footer(app) == FOOTER, app.main.focused
        assert {"SourceView", "TaskTable", "Timeline", "LoopView"} <= seen
        app.main.set_focus(None)
        await pilot.pause()
        assert footer(app) == FOOTER
