"""Watch mode, R and the editor record the program again and keep the user's place; nothing is lost."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pilot_helpers import notifications, wait_recorded, wait_until
from textual.widgets import TextArea

from tui.app import ConcurApp
from tui.scenarios import default_path
from tui.screens.confirm import ChoiceScreen
from tui.screens.editor import EditorScreen
from tui.screens.prompt import PromptScreen

pytestmark = pytest.mark.slow  # each test records a program

PROGRAM = textwrap.dedent(
    """\
    import asyncio

    async def worker(name, n):
        for i in range(n):
            await asyncio.sleep(0.1)
            print(name, i)

    async def main():
        {extra}await asyncio.gather(
            asyncio.create_task(worker("a", 3), name="alpha"),
            asyncio.create_task(worker("b", 3), name="beta"),
        )

    asyncio.run(main())
    """
)
PLAIN = PROGRAM.format(extra="")
# Another task created first: beta's frames move to other indexes, and its id changes too.
EDITED = PROGRAM.format(extra='gamma = asyncio.create_task(worker("g", 2), name="gamma")\n    print("edited")\n    ')


def _program(tmp_path: Path, text: str = PLAIN) -> Path:
    path = tmp_path / "prog.py"
    path.write_text(text, encoding="utf-8")
    return path


def _step_of(app: ConcurApp, name: str, step: int) -> int:
    trace = app.main.trace
    actor = next(a.id for a in trace.world.actors.values() if a.name == name)
    return trace.frames_of(actor)[step]


def _shown_actor_and_step(app: ConcurApp) -> tuple[str, int]:
    trace, index = app.main.trace, app.main.cursor
    actor = trace.actor_ids[trace.actor_index[index]]
    return trace.world.actors[actor].name, list(trace.frames_of(actor)).index(index)


def _output(app: ConcurApp) -> str:
    return "".join(text for _, _, text in app.main.trace.output)


async def _new_trace(pilot, app: ConcurApp, old: object, what: str) -> None:
    await wait_until(pilot, lambda: app.main.trace is not old and app.main.live.finished, what)


async def test_a_save_in_another_editor_records_again_at_the_same_actors_same_step(tmp_path: Path) -> None:
    path = _program(tmp_path)
    app = ConcurApp(path, watch=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_recorded(pilot, app)
        before = _step_of(app, "beta", 2)
        app.main.seek(before)
        await pilot.pause()
        old = app.main.trace
        path.write_text(EDITED, encoding="utf-8")
        await _new_trace(pilot, app, old, "recording the saved file again")
        assert "edited" in _output(app)
        assert _shown_actor_and_step(app) == ("beta", 2)
        assert app.main.cursor != before  # the place moved with beta, not kept as an index


async def test_a_save_that_breaks_the_program_keeps_the_last_good_recording(tmp_path: Path) -> None:
    path = _program(tmp_path)
    app = ConcurApp(path, watch=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_recorded(pilot, app)
        app.main.seek(5)
        good = app.main.trace
        path.write_text(PLAIN + "def broken(:\n", encoding="utf-8")
        await wait_until(
            pilot, lambda: any("Kept the last good recording" in n for n in notifications(app)), "the error shown"
        )
        assert any("SyntaxError" in n and "prog.py" in n for n in notifications(app))
        assert app.main.trace is good and app.main.cursor == 5
        assert app.main.incoming is None


async def test_r_records_again_and_keeps_the_frame(tmp_path: Path) -> None:
    app = ConcurApp(_program(tmp_path))
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_recorded(pilot, app)
        app.main.seek(7)
        await pilot.pause()
        old, shown = app.main.trace, _shown_actor_and_step(app)
        await pilot.press("R")
        await _new_trace(pilot, app, old, "recording again (R)")
        assert app.main.cursor == 7 and _shown_actor_and_step(app) == shown


async def test_the_editor_saves_records_again_and_asks_before_losing_changes(tmp_path: Path) -> None:
    path = _program(tmp_path)
    app = ConcurApp(path)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_recorded(pilot, app)
        index = _step_of(app, "beta", 1)
        app.main.seek(index)
        await pilot.pause()
        await pilot.press("e")
        assert isinstance(app.screen, EditorScreen)
        area = app.screen.query_one(TextArea)
        assert area.text == PLAIN
        # It opens where beta stopped: the line of its await (from the frame, not from this test's guess).
        stopped_at = app.main.trace.site(app.main.trace.frame(index)["at"][-1])
        assert area.cursor_location == (stopped_at[1] - 1, 0)
        assert PLAIN.splitlines()[stopped_at[1] - 1].strip() == "await asyncio.sleep(0.1)"
        area.insert('print("typed")\n', location=area.document.end)
        old = app.main.trace
        await pilot.press("ctrl+s")
        await _new_trace(pilot, app, old, "recording the edited program")
        assert path.read_text(encoding="utf-8") == PLAIN + 'print("typed")\n'
        assert "typed" in _output(app)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["prog.py"]  # no temporary file left

        area.insert("# not saved\n", location=area.document.end)
        # SIGTERM or SIGHUP now (ConcurApp._leave) would keep them beside the program.
        assert app._keep_unsaved_edits() == [tmp_path / "prog.py.unsaved"]
        assert (tmp_path / "prog.py.unsaved").read_text(encoding="utf-8").endswith("# not saved\n")
        await pilot.press("escape")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("escape")  # the safe answer: keep editing
        assert isinstance(app.screen, EditorScreen) and app.screen.dirty
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ChoiceScreen)  # quitting asks too
        await pilot.press("escape")
        assert app.is_running and isinstance(app.screen, EditorScreen)
        await pilot.press("escape")
        await pilot.click("#answer-discard")
        assert not isinstance(app.screen, (EditorScreen, ChoiceScreen))
        assert "not saved" not in path.read_text(encoding="utf-8")


async def test_a_bundled_lesson_is_saved_as_a_copy_never_changed(tmp_path: Path) -> None:
    lesson = default_path()
    original = lesson.read_bytes()
    app = ConcurApp(lesson)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_recorded(pilot, app)
        await pilot.press("e")
        area = app.screen.query_one(TextArea)
        area.insert("# my copy\n", location=area.document.end)
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, PromptScreen)
        copy = tmp_path / "mine.py"
        app.screen.query_one("#answer").value = str(copy)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.main.path == copy, "the copy becoming the program")
        assert copy.read_bytes() == original + b"# my copy\n"
        assert lesson.read_bytes() == original
        await pilot.press("escape")
        # The copy's recording comes in behind the lesson's and replaces it once it has the place.
        await wait_until(pilot, lambda: app.main.trace.header.get("file") == "mine.py", "the copy recorded")
        assert app.main.path == copy and not app.main.saved
