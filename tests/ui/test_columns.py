"""Columns shrink by priority and keep their key value in view: the owner, the resource, the marked task.

The Pilot tests open the lock lesson from its saved trace (no process) at
the sizes where the full layout starts, where the panels are narrowest.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_helpers import wait_recorded
from rich.cells import cell_len

from tui.app import ConcurApp
from tui.render.columns import Column, fit_widths
from tui.render.cut import cut_keeping
from tui.render.marks import fit_marks
from tui.widgets.loopview import LoopView, timer_widths
from tui.widgets.source import SourceView
from tui.widgets.tasks import COUNT, DETAIL, NAME, PLACE, STATE, TaskTable, column_widths

SAVED = Path(__file__).resolve().parents[1] / "data" / "traces" / "04_lock_contention-py311.jsonl"
WAITS = "lock (Lock#1) held by worker-1, 2nd in line"


def test_the_least_important_column_shrinks_first_and_only_as_far_as_needed() -> None:
    columns = [Column((10, 4), priority=2), Column((6, 0), priority=0), Column(range(20, 9, -1), priority=1)]
    assert fit_widths(columns, 36) == [10, 6, 20]
    assert fit_widths(columns, 33) == [10, 0, 20]  # the last in importance goes whole
    assert fit_widths(columns, 25) == [10, 0, 15]
    assert fit_widths(columns, 16) == [4, 0, 10]
    assert fit_widths(columns, 5) == [4, 0, 10]  # never below the smallest widths


@pytest.mark.parametrize("width", range(9, len(WAITS) + 1))
def test_a_cut_phrase_keeps_its_key(width: int) -> None:
    cut = cut_keeping(WAITS, width, "worker-1")
    assert cell_len(cut) <= width and "worker-1" in cut, cut


def test_descriptive_parts_go_before_anything_is_cut() -> None:
    assert cut_keeping(WAITS, 40, "worker-1") == "lock held by worker-1, 2nd in line"
    assert cut_keeping(WAITS, 21, "worker-1") == "lock held by worker-1"
    assert cut_keeping(WAITS, 17, "worker-1") == "…held by worker-1"
    assert cut_keeping("in the ready queue", 12) == "ready queue"
    assert cut_keeping("gather(worker-1, worker-2)", 12) == "gather(work…"
    assert cut_keeping("no slot free, held by photos.zip, game.iso", 19, "photos.zip, game.iso") == "photos.zip +1"


def test_the_task_table_gives_up_the_step_count_first_and_the_detail_last() -> None:
    wide = column_widths(71, 10, 5)
    assert wide[COUNT] == 5 and wide[STATE] == 12 and wide[PLACE] == 9 and wide[DETAIL] >= 24
    full_layout = column_widths(53, 10, 5)  # the table at 120x36
    assert full_layout[COUNT] == 0 and full_layout[STATE] == 12 and full_layout[DETAIL] >= 20
    narrow = column_widths(40, 16, 5)
    assert narrow[COUNT] == narrow[PLACE] == 0 and narrow[STATE] == 2 and narrow[NAME] >= 9
    for width in range(30, 120):
        assert sum(column_widths(width, 16, 7)) <= width - 1


@pytest.mark.parametrize("room", range(8, 60))
def test_a_marked_line_keeps_the_first_name_whole(room: int) -> None:
    names = ["worker-2", "worker-3", "worker-4"]
    fitted = fit_marks(room, 20, names)
    assert fitted.names[0] == "worker-2"
    assert fitted.code + 5 + cell_len(", ".join(fitted.names) + fitted.suffix) <= max(room, 13)


def test_a_timer_keeps_its_owner() -> None:
    label, owner, delay = timer_widths(31, 5, 8)  # the loop panel at 120x36
    assert owner == 8 and label >= 5 and delay == 0
    assert timer_widths(80, 5, 8) == [6, 8, 14]


@pytest.mark.parametrize("width", [120, 127, 136, 150, 160])
async def test_at_the_full_layouts_sizes_every_key_value_is_on_screen(width: int) -> None:
    app = ConcurApp(SAVED, saved=True)
    async with app.run_test(size=(width, 36)) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        app.main.seek(12)  # worker-1 holds the lock, three wait for it; worker-1 sleeps on a timer
        await pilot.pause()
        table = app.main.query_one(TaskTable)
        rows = dict(zip(table.actor_ids, table.plain_rows(), strict=True))
        limit = table.scrollable_content_region.width
        world = app.main.view().world
        for actor_id, row in rows.items():
            assert cell_len(row) <= limit, row
            if world.actors[actor_id].state == "wait" and world.actors[actor_id].on:
                assert "worker-1" in row or "gather" in row, row  # the lock's owner
            assert "in the ..." not in row
        source = app.main.query_one(SourceView)
        visible = [source.render_line(y).text for y in range(source.scrollable_content_region.height)]
        for line, actors in source.marks.items():
            text = next((row for row in visible if row.startswith(f"{line:>4} ")), None)
            if text is not None:
                assert any(actor.name in text for actor in actors), text
        loop = app.main.query_one(LoopView)
        timers = [row for row in loop.plain_rows() if row.startswith("  t=")]
        assert timers and all("worker-1" in row for row in timers), timers
