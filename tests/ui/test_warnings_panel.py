"""The warnings panel (8): in the wide layout it borrows the Lesson cell; Enter on a warning goes to its frame."""

from __future__ import annotations

import pytest
from pilot_helpers import wait_recorded

from tui.widgets.warnings import warnings_of

pytestmark = pytest.mark.slow


async def test_eight_lends_the_lesson_cell_to_the_warnings_and_enter_goes_to_a_warnings_frame(make_app) -> None:
    app = make_app("12_blocking_call.py")
    async with app.run_test(size=(140, 44)) as pilot:
        await wait_recorded(pilot, app)
        main = app.main
        found = warnings_of(main.trace)
        assert found and found[0].kind == "blocking-call"
        lesson, warnings = main.query_one("#lesson-panel"), main.query_one("#warnings-panel")
        assert lesson.display and not warnings.display
        assert "1 warning: 8" in str(lesson.border_title)
        await pilot.press("8")
        await pilot.pause()
        assert warnings.display and not lesson.display
        assert warnings.region == lesson.region or warnings.region.x == 0, "it sits where the Lesson was"
        await pilot.press("down", "enter")
        await pilot.pause()
        assert main.cursor == found[0].frames[0]
        await pilot.press("8")
        await pilot.pause()
        assert lesson.display and not warnings.display


async def test_the_timeline_still_seeks_on_a_click(make_app) -> None:
    app = make_app("04_lock_contention.py")
    async with app.run_test(size=(140, 44)) as pilot:
        await wait_recorded(pilot, app)
        from tui.widgets.timeline import Timeline

        app.main.query_one(Timeline).post_message(Timeline.Seek(5))
        await pilot.pause()
        assert app.main.cursor == 5
