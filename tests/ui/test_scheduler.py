"""Scheduler mode (S): a person picks who runs at each decision, the recording follows, u undoes exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pilot_helpers import wait_recorded, wait_until

from tui.app import ConcurApp
from tui.sources import Settings
from tui.widgets.decision import DecisionBar

pytestmark = pytest.mark.slow

TWO_WORKERS = """\
import threading

order = []


def pause():
    pass


def work(name):
    for _ in range(3):
        order.append(name)
        pause()


workers = [threading.Thread(target=work, args=(name,), name=f"worker-{name}") for name in "ab"]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
print("".join(order))
"""


def _asked(app: ConcurApp) -> dict:
    return (app.main.trace.summary or {}).get("decision") or {}


def _frames_after_the_header(app: ConcurApp) -> list[str]:
    trace = app.main.trace
    return [trace.line(index) for index in range(1, len(trace))]


def _settled(app: ConcurApp) -> bool:
    main = app.main
    return main.scheduling is not None and main.following is None and main.trace.complete


async def _answer(pilot, app: ConcurApp, key: str) -> None:
    shown = len(app.main.scheduling.shown)
    await pilot.press(key)
    await wait_until(pilot, lambda: _settled(app) and len(app.main.scheduling.shown) > shown, "the next decision")


async def test_picking_a_thread_that_is_not_first_in_line_runs_it_and_undo_restores_the_frames(tmp_path: Path) -> None:
    program = tmp_path / "two_workers.py"
    program.write_text(TWO_WORKERS)
    app = ConcurApp(program, Settings())
    async with app.run_test(size=(140, 44)) as pilot:
        await wait_recorded(pilot, app)
        assert "".join(app.main.trace.summary["stdout"].split()) == "aaabbb"  # the default: each runs its slice
        await pilot.press("S")
        await wait_until(pilot, lambda: _settled(app), "the first decision")
        assert app.main.query_one(DecisionBar).has_class("-shown")
        # Cut every slice at its next switch point until the GIL is offered to more than one thread.
        for _ in range(20):
            if _asked(app).get("kind") == "gil":
                break
            assert _asked(app).get("kind") == "slice"
            await _answer(pilot, app, "2")
        decision = _asked(app)
        assert decision["kind"] == "gil" and len(decision["candidates"]) >= 2
        before = _frames_after_the_header(app)
        chosen = decision["candidates"][1]  # not the default
        await _answer(pilot, app, "2")
        main = app.main
        first_new = main.trace.frame(main.cursor)
        assert first_new["a"] == chosen, "the frame after the answer is the chosen thread's"
        # Frame 0's header names the policy; every frame after it is the same up to the decision.
        assert _frames_after_the_header(app)[: len(before)] == before, "the run is the same up to the decision"
        await pilot.press("u")
        await pilot.pause()
        assert _frames_after_the_header(app) == before, "undo shows the frames exactly as they were"
        assert _asked(app) == decision


async def test_leaving_scheduler_mode_records_the_rest_under_the_default_and_w_saves_a_replayable_schedule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = tmp_path / "two_workers.py"
    program.write_text(TWO_WORKERS)
    monkeypatch.chdir(tmp_path)
    app = ConcurApp(program, Settings())
    async with app.run_test(size=(140, 44)) as pilot:
        await wait_recorded(pilot, app)
        default_frames = _frames_after_the_header(app)
        await pilot.press("S")
        await wait_until(pilot, lambda: _settled(app), "the first decision")
        # Cut each slice at its next switch point, the GIL to the thread first in line: until worker b waits.
        for _ in range(40):
            decision = _asked(app)
            if "Th3" in decision.get("waiting", []) + decision.get("candidates", []):
                break
            await _answer(pilot, app, "2" if decision["kind"] == "slice" else "1")
        else:
            raise AssertionError("worker b never came to wait for the GIL")
        answers = app.main.trace.summary["schedule"]
        assert any(answers), "some answers were not the default"
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("enter")
        saved_at = tmp_path / "two_workers.schedule.json"
        await wait_until(pilot, saved_at.exists, "the schedule saved")
        assert json.loads(saved_at.read_text())["schedule"] == answers
        await pilot.press("S")
        await wait_until(pilot, lambda: app.main.scheduling is None and app.main.live.finished, "the default's end")
        assert not app.main.query_one(DecisionBar).has_class("-shown")
        trace = app.main.trace
        assert trace.outcome == "completed"
        assert trace.summary["schedule"][: len(answers)] == answers, "the answers are kept, the default after them"
        assert _frames_after_the_header(app) != default_frames, "the answers changed the interleaving"


async def test_a_lessons_goal_is_shown_and_reaching_it_is_announced() -> None:
    from pilot_helpers import notifications

    from tui.scenarios import bundled_dir

    app = ConcurApp(bundled_dir() / "23_check_then_act.py", Settings())
    async with app.run_test(size=(140, 44)) as pilot:
        await wait_recorded(pilot, app)
        assert app.main.trace.outcome == "completed", "the default schedule never overdraws"
        await pilot.press("S")
        await wait_until(pilot, lambda: _settled(app), "the first decision")
        question = str(app.main.query_one("#decision-question").render())
        assert "Goal: make the assert fail." in question
        # teller-1 stops at its next switch points until it stands between its check and its act,
        # then the main thread starts teller-2, who withdraws first.
        for key in "2112111":
            assert not any("Goal reached" in note for note in notifications(app))
            await _answer(pilot, app, key)
        assert app.main.trace.outcome == "exception"
        assert app.main.trace.summary["report"]["type"] == "AssertionError"
        assert any("Goal reached: make the assert fail!" in note for note in notifications(app))
        assert "(reached!)" in str(app.main.query_one("#decision-question").render())


async def test_a_schedule_opens_at_its_last_frame_with_its_deviations_marked_on_the_timeline(tmp_path: Path) -> None:
    from pilot_helpers import notifications

    from tui.scenarios import bundled_dir
    from tui.screens.main import AT_THE_END
    from tui.trace.deviations import placed
    from tui.widgets.lesson import deviations_text
    from tui.widgets.timeline import DEVIATION_MARK, LABEL_WIDTH, Timeline

    lesson = bundled_dir() / "23_check_then_act.py"
    # teller-1 cut at its first switch point, then teller-2 takes the GIL before teller-1 gets it back.
    app = ConcurApp(lesson, Settings(policy="replay:1,0,0,1"), start_at=AT_THE_END)
    async with app.run_test(size=(140, 44)) as pilot:
        await wait_recorded(pilot, app)
        main = app.main
        assert main.cursor == len(main.trace) - 1
        assert main.trace.outcome == "exception"
        deviations = placed(main.trace)
        assert [(d.kind, main.trace.frame(d.frame)["a"]) for d in deviations] == [("slice", "Th2"), ("gil", "Th3")]
        timeline = main.query_one(Timeline)
        axis = "".join(segment.text for segment in timeline.render_line(0))
        marked = [timeline.columns[column - LABEL_WIDTH] for column, char in enumerate(axis) if char == DEVIATION_MARK]
        assert marked == [d.frame for d in deviations if d.frame != main.cursor]
        explained = deviations_text(main.view()).plain
        assert "teller-1: its slice was cut short at switch point 1" in explained
        assert "teller-2: it took the GIL out of turn" in explained
        assert not any("not" in note and "frames" in note for note in notifications(app))


def test_a_long_list_of_answers_reaches_the_recording_through_a_file() -> None:
    from tui.engine.schedule import parse_policy
    from tui.screens.scheduler import ANSWER_FILES, LONGEST_POLICY, _policy

    short = _policy([0, 1], 0, False)
    assert ANSWER_FILES.argument(short) == short == "ask:0,1,0"
    long = _policy([0] * LONGEST_POLICY, 1, True)
    argument = ANSWER_FILES.argument(long)
    assert argument.startswith("ask-who:@") and len(argument) < 200
    policy = parse_policy(argument)
    assert policy._choices == [0] * LONGEST_POLICY + [1] and policy.who_only  # type: ignore[attr-defined]


def test_the_oldest_branches_off_the_path_are_forgotten_past_the_cap() -> None:
    from tui.screens.scheduler import Branch, Walk
    from tui.trace.live import LiveTrace

    walk = Walk()
    branches = [Branch(f"ask:{n}", None, LiveTrace()) for n in range(6)]  # type: ignore[arg-type]
    walk.shown = [branches[0], branches[3]]
    walk.recorded = {branch.policy: branch for branch in branches}
    walk.keep_within(3)
    assert list(walk.recorded) == ["ask:0", "ask:3", "ask:5"], "the path stays; the oldest others go first"
    assert branches[1].live.closed and not branches[5].live.closed
