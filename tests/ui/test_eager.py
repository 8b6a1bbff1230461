"""What the app shows of an eager task (3.12+): created, run at once inside its creator's step, never queued."""

from __future__ import annotations

import asyncio

import pytest
from pilot_helpers import wait_recorded

from tui.widgets.loopview import LoopView
from tui.widgets.tasks import TaskTable

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(asyncio, "eager_task_factory"), reason="eager tasks are new in 3.12"),
]


async def test_the_frame_before_an_eager_step_says_it_comes_next_and_not_from_the_queue(make_app) -> None:
    app = make_app("22_eager_tasks.py")
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_recorded(pilot, app)
        trace = app.main.trace
        first_eager = next(f["i"] for f in trace.frames() if f["k"] == "task" and f["why"][0] == "eager")
        app.main.seek(first_eager - 1)  # the creator's step so far
        await pilot.pause()
        loop_text = " ".join(" ".join(app.main.query_one(LoopView).plain_rows()).split())  # rows wrap
        assert "first step right away, inside Task-1's step" in loop_text
        table = "\n".join(app.main.query_one(TaskTable).plain_rows())
        assert "starts eagerly, now" in table
        app.main.seek(first_eager)
        await pilot.pause()
        table = "\n".join(app.main.query_one(TaskTable).plain_rows())
        assert "starts eagerly, now" not in table  # it ran: now it is a task like any other
