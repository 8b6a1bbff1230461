"""Every key binding, and what it changes on screen (read through widget state)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pilot_helpers import wait_recorded, wait_until

from tui.scenarios import bundled_dir
from tui.screens.breaks import BreakScreen
from tui.screens.help import HelpScreen
from tui.screens.panels import PANELS
from tui.screens.picker import ScenarioPicker
from tui.screens.prompt import PromptScreen
from tui.widgets.lesson import LessonView
from tui.widgets.narration import NarrationView
from tui.widgets.source import SourceView
from tui.widgets.status import StatusBar
from tui.widgets.tasks import TaskTable
from tui.widgets.timeline import Timeline

pytestmark = pytest.mark.slow  # every test records the program the app opens in its own process

WIDE = (160, 48)
SCENARIO_DIR = bundled_dir()


def status(app) -> str:
    return str(app.main.query_one(StatusBar).render())


async def test_right_l_space_step_forward_left_h_step_back(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        total = len(app.main.trace)
        assert app.main.cursor == 0 and f"frame 1/{total}" in status(app)
        await pilot.press("right", "l", "space")
        assert app.main.cursor == 3 and f"frame 4/{total}" in status(app)
        await pilot.press("left", "h")
        assert app.main.cursor == 1
        await pilot.press("left", "left", "left")
        assert app.main.cursor == 0  # never before the first frame


async def test_home_and_end_jump_to_the_first_and_last_frames(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        total = len(app.main.trace)
        await pilot.press("end")
        assert app.main.cursor == total - 1
        assert f"frame {total}/{total}" in status(app) and "completed" in status(app)
        await pilot.press("right")
        assert app.main.cursor == total - 1  # never past the last frame
        await pilot.press("home")
        assert app.main.cursor == 0


async def test_r_runs_and_pauses_and_plus_minus_change_the_speed(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        assert app.main.speed_index == 3  # 10 frames per second
        await pilot.press("r")
        assert app.main.running and "running 10 frames/s" in status(app)
        await pilot.pause(0.45)
        moved = app.main.cursor
        assert 2 <= moved < 10
        await pilot.press("r")
        assert not app.main.running
        await pilot.pause(0.2)
        assert app.main.cursor == moved
        await pilot.press("minus")
        assert app.main.speed_index == 2
        await pilot.press("plus", "plus")
        assert app.main.speed_index == 4
        await pilot.press("r")
        assert "running 20 frames/s" in status(app)


async def test_running_stops_by_itself_at_the_end(make_app) -> None:
    app = make_app("06_event.py")
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        for _ in range(8):
            await pilot.press("plus")
        await pilot.press("r")
        for _ in range(100):
            await pilot.pause(0.05)
            if not app.main.running:
                break
        assert not app.main.running
        assert app.main.cursor == len(app.main.trace) - 1


async def test_g_goes_to_a_frame_number_and_refuses_nonsense(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        await pilot.press("g")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("a", "b", "enter")
        assert isinstance(app.screen, PromptScreen)
        assert "frame number" in str(app.screen.query_one("#problem").render())
        await pilot.press("backspace", "backspace", "9", "9", "9", "9", "enter")
        assert "There are frames 1 to" in str(app.screen.query_one("#problem").render())
        for _ in range(4):
            await pilot.press("backspace")
        await pilot.press("1", "2", "enter")
        assert app.main.cursor == 11
        await pilot.press("g", "escape")
        assert app.main.cursor == 11 and not isinstance(app.screen, PromptScreen)


async def test_t_goes_to_the_last_frame_at_or_before_a_virtual_time(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        await pilot.press("t", "2", ".", "5", "enter")
        trace = app.main.trace
        index = app.main.cursor
        assert trace.frame(index)["t"] <= 2.5
        assert index == len(trace) - 1 or trace.frame(index + 1)["t"] > 2.5
        assert "t=2." in status(app)


async def test_brackets_step_through_the_selected_tasks_frames(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        table = app.main.query_one(TaskTable)
        table.focus()
        await pilot.press("down", "down")
        selected = app.main.selected
        assert selected is not None and table.selected == selected
        await pilot.press("right_square_bracket")
        first = app.main.cursor
        assert app.main.trace.frame(first)["a"] == selected
        await pilot.press("right_square_bracket")
        second = app.main.cursor
        assert second > first and app.main.trace.frame(second)["a"] == selected
        await pilot.press("left_square_bracket")
        assert app.main.cursor == first


async def run_until_stopped(pilot, app) -> None:
    """Start auto-run with r, then drive its ticks by hand so the test never races a timer."""
    app.main.speed_index = 0  # 1 frame per second: the real timer stays out of the way
    await pilot.press("r")
    assert app.main.running
    for _ in range(len(app.main.trace)):
        if not app.main.running:
            break
        app.main._advance()
    await pilot.pause()


async def test_b_sets_breakpoints_that_stop_auto_run(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        await pilot.press("b")
        assert isinstance(app.screen, BreakScreen)
        app.screen.query_one("#kind-done").value = True
        await pilot.pause()
        await pilot.click("#done")
        await pilot.pause()
        assert app.main.breakpoints.kinds == {"done"}
        await run_until_stopped(pilot, app)
        stopped = app.main.trace.frame(app.main.cursor)
        assert stopped["st"] == "done"  # the first task to finish
        assert all(app.main.trace.frame(i).get("st") != "done" for i in range(app.main.cursor))


async def test_a_line_breakpoint_stops_where_a_task_reaches_that_line(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        await pilot.press("b")
        screen = app.screen
        screen.query_one("#lines").value = "42"
        await pilot.pause()
        await pilot.click("#done")
        await pilot.pause()
        assert app.main.breakpoints.lines == {42}
        await run_until_stopped(pilot, app)
        trace = app.main.trace
        site = trace.site(trace.frame(app.main.cursor)["at"][-1])
        assert site is not None and site[1] == 42
        assert app.main.query_one(SourceView).current_line == 42


async def test_v_switches_the_timeline_between_frames_and_time(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        timeline = app.main.query_one(Timeline)
        assert not timeline.by_time
        columns_by_frame = list(timeline.columns)
        await pilot.press("v")
        assert timeline.by_time
        assert timeline.columns != columns_by_frame
        axis = timeline.render_line(0).text
        assert axis.startswith("time ->") and re.search(r"\|[1-9.][\d.]*m?s ", axis), axis
        await pilot.press("v")
        assert not timeline.by_time


async def test_the_timeline_cursor_never_leaves_half_a_tick_label(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        timeline = app.main.query_one(Timeline)
        for _ in range(9):
            await pilot.press("right")
        assert app.main.cursor == 9  # frame 10: where the "|10" tick starts
        axis = timeline.render_line(0).text
        column = axis.index("v")
        assert axis[column : column + 3] == "v  ", axis
        assert "|20" in axis


async def test_o_opens_another_bundled_scenario(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        await pilot.press("o")
        assert isinstance(app.screen, ScenarioPicker)
        options = app.screen.query_one("#lessons")
        target = next(i for i in range(options.option_count) if "11_deadlock" in options.get_option_at_index(i).id)
        options.highlighted = target
        await pilot.press("enter")
        await wait_recorded(pilot, app)
        assert app.main.path.name == "11_deadlock.py"
        assert app.main.trace.outcome == "deadlock"
        assert "11_deadlock.py" in status(app)


async def test_o_accepts_a_path_and_reports_a_missing_one(make_app, tmp_path: Path) -> None:
    program = tmp_path / "mine.py"
    program.write_text("import asyncio\nasyncio.run(asyncio.sleep(1))\n")
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        await pilot.press("o")
        path_box = app.screen.query_one("#path")
        path_box.focus()
        path_box.value = str(tmp_path / "missing.py")
        await pilot.press("enter")
        assert "No such file" in str(app.screen.query_one("#problem").render())
        path_box.value = str(program)
        await pilot.press("enter")
        await wait_recorded(pilot, app)
        assert app.main.path == program and app.main.trace.summary["virtual_time"] == 1.0


async def test_capital_r_records_the_program_again_after_it_changed(make_app, tmp_path: Path) -> None:
    program = tmp_path / "edited.py"
    program.write_text("import asyncio\nasyncio.run(asyncio.sleep(1))\n")
    app = make_app(str(program))
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        assert app.main.trace.summary["virtual_time"] == 1.0
        program.write_text("import asyncio\nasyncio.run(asyncio.sleep(5))\n")
        old = app.main.trace
        await pilot.press("R")
        # The new recording comes in behind the one on screen and replaces it once it is in.
        await wait_until(pilot, lambda: app.main.trace is not old and app.main.live.finished, "recording again")
        assert app.main.trace.summary["virtual_time"] == 5.0


async def test_question_mark_lists_every_key(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        from tui.screens.help import KEYS

        described = " ".join(key for _group, keys in KEYS for key, _what in keys)
        for key in ("Right", "Left", "Home", "[", "g", "t", "r", "+", "b", "o", "R", "?", "q", "v", f"1-{len(PANELS)}"):
            assert key in described
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_q_quits_with_status_zero(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        await pilot.press("q")
    assert app.return_code == 0


async def test_number_keys_switch_panels_in_the_compact_layout(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_recorded(pilot, app)
        assert app.main.has_class("-compact")
        assert app.main.query_one("#source-panel").display
        assert not app.main.query_one("#tasks-panel").display
        await pilot.press("2")
        assert app.main.active_panel == "tasks"
        assert app.main.query_one("#tasks-panel").display and not app.main.query_one("#source-panel").display
        await pilot.press("7")
        assert app.main.active_panel == "output"
        await pilot.press("5")
        lesson = app.main.query_one(LessonView)
        assert any("Lock contention" in row for row in lesson.plain_rows())


async def test_up_and_down_select_tasks_and_the_detail_shows_the_await_chain(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        app.main.seek(12)
        table = app.main.query_one(TaskTable)
        table.focus()
        await pilot.press("down", "down")
        assert app.main.selected == table.actor_ids[1]
        await pilot.press("up")
        assert app.main.selected == table.actor_ids[0]
        await pilot.press("down")
        detail = "\n".join(app.main.query_one("#detail").plain_rows())
        assert "Await chain" in detail and "History" in detail
        assert "04_lock_contention.py:" in detail


async def test_clicking_the_timeline_seeks(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app)
        timeline = app.main.query_one(Timeline)
        assert len(timeline.columns) > 20, "the timeline spans the whole recording once it is in"
        wanted = timeline.columns[20]
        await pilot.click(Timeline, offset=(16 + 20, 2))
        assert app.main.cursor == wanted


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_narration_follows_the_cursor(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await wait_recorded(pilot, app)
        await pilot.press("end")
        sentence = str(app.main.query_one(NarrationView).render())
        assert sentence.startswith(f"#{len(app.main.trace)} ")


async def test_no_color_keeps_every_state_readable(make_app, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_recorded(pilot, app)
        app.main.seek(12)
        await pilot.press("2")
        rows = app.main.query_one(TaskTable).plain_rows()
        # States read as a glyph and a word, never by colour alone.
        assert any("- waiting" in row for row in rows)
        assert any("~ sleeping" in row for row in rows)
        assert any(row.startswith(">") for row in rows)  # the actor that just ran


async def test_a_program_that_cannot_be_recorded_leaves_the_app_usable(make_app, tmp_path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("import asyncio\n\nasync def main(:\n    pass\n")
    app = make_app(str(broken))
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_recorded(pilot, app)
        assert app.main.trace.outcome == "error"
        narration = str(app.main.query_one(NarrationView).render())
        assert "broken.py:3:16: SyntaxError" in narration and "Press o" in narration
        await pilot.press("5")
        assert app.main.query_one(SourceView).raise_line == 3
        await pilot.press("right", "end", "left")  # stepping an empty trace is harmless
        broken.write_text("import asyncio\n\nasync def main():\n    await asyncio.sleep(2)\n\nasyncio.run(main())\n")
        old = app.main.trace
        await pilot.press("R")
        await wait_until(pilot, lambda: app.main.trace is not old and app.main.live.finished, "recording again")
        assert app.main.trace.outcome == "completed"
        assert "frame 1/" in status(app)


async def test_frames_are_on_screen_while_a_long_recording_still_streams(make_app, tmp_path: Path) -> None:
    # Endless, and a frame limit far away: the recording is still streaming
    # however slowly this machine gets to look at it (q cancels it).
    endless = tmp_path / "endless.py"
    endless.write_text(
        "import asyncio\nasync def main():\n    while True:\n        await asyncio.sleep(1)\nasyncio.run(main())\n"
    )
    app = make_app(str(endless), max_frames=50_000_000)
    async with app.run_test(size=WIDE) as pilot:
        # The first frame is painted as soon as it arrives; two steps need three frames in.
        for _ in range(200):
            await pilot.pause(0.02)
            if app.main.cursor == 0 and len(app.main.trace) >= 3:
                break
        assert app.main.cursor == 0 and not app.main.trace.complete
        assert "(streaming)" in status(app) or "recording" in status(app)
        await pilot.press("right", "right")
        assert app.main.cursor == 2
        await pilot.press("q")
