"""The keys of issue 12 in the app: line breakpoints (x, a click), c / C, find (/ n N), bookmarks (m '),
the task filter (f F), --start-at and the command palette.

No process is started: the app opens the lock lesson's saved trace, and
where a test says which frame a key must land on, the frame is worked out
by brute force over the trace's frames (tui.trace.breaks.hit, narration).
"""

from __future__ import annotations

from pathlib import Path

from pilot_helpers import wait_recorded
from textual.command import CommandPalette, SearchIcon
from textual.widgets import Input, OptionList

from tui.app import ConcurApp
from tui.screens.bookmarks import BookmarkList
from tui.screens.breaks import BreakScreen
from tui.screens.commands import commands
from tui.screens.keys import BINDINGS
from tui.screens.prompt import PromptScreen
from tui.trace.breaks import Breakpoints, hit
from tui.trace.narrate import narrate
from tui.widgets.source import BREAK_MARK, SourceView
from tui.widgets.tasks import TaskTable

SAVED = Path(__file__).resolve().parents[1] / "data" / "traces" / "04_lock_contention-py311.jsonl"
WIDE = (160, 48)


def opened(**kwargs: object) -> ConcurApp:
    return ConcurApp(SAVED, saved=True, **kwargs)  # type: ignore[arg-type]


def hits(app: ConcurApp, points: Breakpoints) -> list[int]:
    """Every frame a breakpoint stops at, asking `hit` of each frame."""
    trace = app.main.trace
    return [index for index in range(len(trace)) if hit(trace, index, points)]


def messages(app: ConcurApp) -> list[str]:
    return [notification.message for notification in app._notifications]


def busiest_line(app: ConcurApp) -> int:
    """The scenario line most frames stop at."""
    trace = app.main.trace
    counts: dict[int, int] = {}
    for index in range(len(trace)):
        at = trace.frame(index).get("at")
        site = trace.site(at[-1]) if at else None
        if site is not None and site[0] == trace.header.get("file"):
            counts[site[1]] = counts.get(site[1], 0) + 1
    return max(counts, key=counts.__getitem__)


async def type_answer(pilot, text: str) -> None:
    """Replace what the open prompt holds with `text`, and press Enter."""
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")


async def test_x_marks_the_cursor_line_and_c_and_capital_c_go_to_its_hits() -> None:
    app = opened()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        source = app.main.query_one(SourceView)
        line = busiest_line(app)
        source.focus()
        start = source.cursor_line or 1
        for _ in range(abs(line - start)):
            await pilot.press("down" if line > start else "up")
        assert source.cursor_line == line
        await pilot.press("x")
        assert app.main.breakpoints.lines == {line}
        assert BREAK_MARK in source.row_text(line - 1).plain[:6]
        assert BREAK_MARK not in source.row_text(line % source.row_count).plain[:6]
        expected = [index for index in hits(app, Breakpoints(set(), {line})) if index > 0]
        assert len(expected) >= 2
        app.main.seek(0)
        await pilot.pause()
        landed = []
        for _ in expected:
            await pilot.press("c")
            landed.append(app.main.cursor)
        assert landed == expected
        await pilot.press("c")
        assert app.main.cursor == expected[-1] and "No breakpoint hit after" in messages(app)[-1]
        await pilot.press("C")
        assert app.main.cursor == expected[-2]
        await pilot.press("x")  # the cursor's line again: cleared
        assert not app.main.breakpoints.lines
        assert BREAK_MARK not in source.row_text(line - 1).plain[:6]


async def test_a_click_on_a_line_number_toggles_its_breakpoint() -> None:
    app = opened()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        source = app.main.query_one(SourceView)
        source.scroll_to(y=0, animate=False)
        await pilot.pause()
        await pilot.click(SourceView, offset=(2, 4))
        assert app.main.breakpoints.lines == {5}
        assert BREAK_MARK in source.row_text(4).plain[:6]
        await pilot.click(SourceView, offset=(30, 6))  # on the code: moves the cursor, sets nothing
        assert app.main.breakpoints.lines == {5} and source.cursor_line == 7
        await pilot.click(SourceView, offset=(1, 4))
        assert not app.main.breakpoints.lines


async def test_c_stops_at_the_conditions_of_the_b_dialog_too() -> None:
    app = opened()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        await pilot.press("c")
        assert app.main.cursor == 0 and "No breakpoints" in messages(app)[-1]
        await pilot.press("b")
        assert isinstance(app.screen, BreakScreen)
        app.screen.query_one("#kind-done").value = True
        app.screen.query_one("#kind-contention").value = True
        await pilot.pause()
        await pilot.click("#done")
        await pilot.pause()
        expected = hits(app, Breakpoints({"done", "contention"}))
        for index in expected:
            await pilot.press("c")
            assert app.main.cursor == index
            assert messages(app)[-1].startswith(f"Stopped at frame {index + 1}: ")
        for index in reversed(expected[:-1]):
            await pilot.press("C")
            assert app.main.cursor == index


def narrated(app: ConcurApp) -> list[str]:
    trace = app.main.trace
    return [
        narrate(trace.frame(i), trace.state_at(i), trace.state_at(i - 1) if i else None).lower()
        + (trace.frame(i).get("out") or "").lower()
        for i in range(len(trace))
    ]


async def test_slash_finds_a_text_and_n_and_capital_n_go_through_its_matches() -> None:
    app = opened()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        expected = [i for i, text in enumerate(narrated(app)) if "released" in text]
        assert len(expected) >= 3
        await pilot.press("slash")
        assert isinstance(app.screen, PromptScreen)
        await type_answer(pilot, "RELEASED")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.main.cursor == expected[0]
        await pilot.press("n")
        await app.workers.wait_for_complete()
        assert app.main.cursor == expected[1]
        await pilot.press("N", "N")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.main.cursor == expected[-1]  # before the first match: round to the last
        assert "went past the start" in messages(app)[-1]


async def test_a_search_for_markup_finds_nothing_and_says_so_as_typed() -> None:
    app = opened()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        await pilot.press("n")
        assert "/ asks what to find" in messages(app)[-1]
        await pilot.press("slash")
        await type_answer(pilot, "[bold]nothing[/bold]")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.main.cursor == 0
        assert messages(app)[-1] == "No frame mentions '[bold]nothing[/bold]'"


async def test_m_bookmarks_frames_and_the_list_jumps_to_one() -> None:
    app = opened()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        await pilot.press("apostrophe")
        assert "No bookmarks yet" in messages(app)[-1]
        app.main.seek(4)
        await pilot.press("m")
        assert isinstance(app.screen, PromptScreen)
        await type_answer(pilot, "")  # no label: the default
        app.main.seek(11)
        await pilot.press("m")
        await type_answer(pilot, "third [waiter]")
        assert app.main.bookmarks == {4: "frame 5", 11: "third [waiter]"}
        app.main.seek(0)
        await pilot.press("M")
        assert isinstance(app.screen, BookmarkList)
        options = app.screen.query_one(OptionList)
        assert [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)] == [
            "  #5       frame 5",
            "  #12      third [waiter]",
        ]
        options.highlighted = 1
        await pilot.press("enter")
        assert not isinstance(app.screen, BookmarkList)
        assert app.main.cursor == 11


async def test_start_at_opens_at_that_frame_or_the_last() -> None:
    app = opened(start_at=9)
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        assert app.main.cursor == 8
    app = opened(start_at=100_000)
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        await pilot.pause()
        total = len(app.main.trace)
        assert app.main.cursor == total - 1
        assert messages(app)[-1] == f"The run has {total} frames, not 100000: showing the last"


async def test_f_filters_the_task_table_by_name_and_capital_f_sorts_it() -> None:
    app = opened()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        app.main.seek(12)
        await pilot.pause()
        table = app.main.query_one(TaskTable)
        everyone = list(table.actor_ids)
        names = {a.id: a.name for a in app.main.view().actors()}
        target = next(name for name in names.values() if name.startswith("worker"))
        await pilot.press("f")
        await type_answer(pilot, target.upper())
        assert table.actor_ids == [i for i in everyone if target.lower() in names[i].lower()]
        assert messages(app)[-1].startswith(f"Tasks: {len(table.actor_ids)} of {len(everyone)}")
        await pilot.press("f")
        await type_answer(pilot, "")
        assert table.actor_ids == everyone
        await pilot.press("F")
        assert [names[i].lower() for i in table.actor_ids] == sorted(names[i].lower() for i in everyone)
        assert "in name order" in messages(app)[-1]


async def test_the_command_palette_lists_every_key_with_its_help() -> None:
    listed = list(commands())
    assert len(listed) == len(BINDINGS)
    for (what, keys, action), binding in zip(listed, BINDINGS, strict=True):
        assert binding.tooltip in what and keys and action == binding.action
    app = opened()
    async with app.run_test(size=WIDE) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        assert str(app.screen.query_one(SearchIcon).render()) == ">"  # no emoji a terminal font may lack
        await pilot.press(*"bookmark")
        await pilot.pause(0.3)
        shown = app.screen.query_one("CommandList", OptionList)
        prompts = [str(shown.get_option_at_index(i).prompt) for i in range(shown.option_count)]
        assert any("bookmark this frame" in p and "m" in p for p in prompts), prompts
        await pilot.press("escape")
        app.main.seek(3)
        await pilot.press("ctrl+p", *"next frame")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, CommandPalette)
        assert app.main.cursor == 4


def test_the_help_lists_the_new_keys_in_their_groups() -> None:
    from tui.screens.help import KEYS

    rows = {group: dict(keys) for group, keys in KEYS}
    for shown in ("b", "x", "c / C", "/", "n / N", "m", "', M"):
        assert shown in rows["Finding"], shown
    assert "f" in rows["Views"] and "F" in rows["Views"]
    assert "Ctrl+P" in rows["Programs"]
