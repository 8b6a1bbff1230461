"""Lints (tui.trace.lints) and `concur-tui lint`: each warning found in a small buggy program, none in its fix.

The programs are in tests/data/lint/: NAME.py has the bug, NAME_fixed.py the
same program mended. Each is recorded through the real recording process, as
a user's program is, so the warnings come from what CPython itself did and
printed (the never-awaited and never-retrieved messages are its own).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import record
from rich.console import Console
from textual.app import App, ComposeResult

from tui.lint_command import frames_shown, warning_line
from tui.trace.blocking import BLOCKING_SECONDS, BlockingSteps, took_without_awaiting
from tui.trace.lints import KINDS, LintWarning, lints, summary
from tui.trace.model import Trace, load_lines
from tui.viewmodel import build_view
from tui.widgets.warnings import WarningsView, next_frame, warnings_text

DATA = Path(__file__).parent / "data" / "lint"
CLI = [sys.executable, "-m", "tui"]

BUGGY = {
    "blocking_call": ("blocking-call", "blocking_call.py:15"),
    "blocking_queue": ("blocking-call", "blocking_queue.py:19"),
    "lock_across_await": ("lock-across-await", "lock_across_await.py:11"),
    "never_awaited": ("never-awaited", "never_awaited.py:11"),
    "task_exception": ("exception-never-retrieved", "task_exception.py:7"),
    "executor_left": ("executor-not-shut-down", "executor_left.py:5"),
}
"""Program -> the one warning it gets: its kind and the line it names."""


def _recorded(name: str) -> Trace:
    return record(DATA / f"{name}.py")


def _frame_actor(trace: Trace, index: int) -> str:
    return trace.frame(index)["a"]


# -- each warning, in a recorded program ---------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BUGGY))
def test_each_buggy_program_gets_its_one_warning_at_its_line(name: str) -> None:
    kind, where = BUGGY[name]
    trace = _recorded(name)
    assert trace.outcome == "completed"
    found = lints(trace)
    assert [(w.kind, w.where) for w in found] == [(kind, where)], found
    warning = found[0]
    assert warning.frames and all(0 <= index < len(trace) for index in warning.frames)
    assert list(warning.frames) == sorted(set(warning.frames))


@pytest.mark.slow
@pytest.mark.parametrize("name", [*sorted(BUGGY), "thread_not_joined"])
def test_the_fixed_program_gets_no_warning(name: str) -> None:
    trace = _recorded(f"{name}_fixed")
    assert trace.outcome == "completed"
    assert lints(trace) == []


@pytest.mark.slow
def test_a_blocking_step_links_to_the_task_s_own_frames() -> None:
    trace = _recorded("blocking_call")
    (warning,) = lints(trace)
    assert {_frame_actor(trace, index) for index in warning.frames} == {warning.actor}
    assert "0.500s" in warning.message
    assert trace.state_at(warning.frames[-1]).actors[warning.actor or ""].coro == "job"


@pytest.mark.slow
def test_a_step_blocked_on_a_thread_counts_the_time_it_waited() -> None:
    trace = _recorded("blocking_queue")
    (warning,) = lints(trace)
    assert "blocked its thread for 1.000s" in warning.message
    states = [trace.frame(index).get("st") for index in warning.frames]
    assert "blocked" in states and states[-1] != "blocked"


@pytest.mark.slow
def test_the_lock_warning_links_where_it_was_taken_and_given_back() -> None:
    trace = _recorded("lock_across_await")
    (warning,) = lints(trace)
    taken, released = warning.frames[0], warning.frames[-1]
    assert trace.state_at(taken).resources["Lock#1"].state.locked
    assert not trace.state_at(released).resources["Lock#1"].state.locked
    assert "a threading.Lock" in warning.message


@pytest.mark.slow
def test_never_awaited_names_the_coroutine_from_cpython_s_own_warning() -> None:
    trace = _recorded("never_awaited")
    (warning,) = lints(trace)
    assert "coroutine work()" in warning.message
    assert "was never awaited" in (trace.frame(warning.frames[0]).get("err") or "")


@pytest.mark.slow
def test_a_never_retrieved_exception_links_to_the_failing_step_of_that_task() -> None:
    trace = _recorded("task_exception")
    (warning,) = lints(trace)
    failed, said = warning.frames
    assert trace.frame(failed).get("st") == "failed" and _frame_actor(trace, failed) == warning.actor
    assert "Task exception was never retrieved" in (trace.frame(said).get("err") or "")
    assert "ValueError: boom" in warning.message


@pytest.mark.slow
def test_threads_that_outlive_the_main_program_are_never_joined() -> None:
    trace = _recorded("thread_not_joined")
    found = lints(trace)
    assert [(w.kind, w.where) for w in found] == [
        ("thread-never-joined", "thread_not_joined.py:11"),
        ("thread-never-joined", "thread_not_joined.py:12"),
    ]
    slow, demon = found
    assert "interpreter's exit waited for it" in slow.message
    assert "daemon" in demon.message
    assert {trace.state_at(len(trace) - 1).name(w.actor) for w in found} == {"slow", "demon"}


@pytest.mark.slow
def test_the_executor_warning_says_who_shut_it_down() -> None:
    (warning,) = lints(_recorded("executor_left"))
    assert "only the interpreter's exit shut it down" in warning.message


# -- the parts, without recording ----------------------------------------------------------

HEADER = {"format": "concur-tui-trace", "version": 1, "scenario": "p.py", "file": "p.py", "seed": 0}


def _trace(*frames: dict[str, object], summary: dict[str, object] | None = None) -> Trace:
    lines = []
    for index, frame in enumerate(frames):
        record = {"i": index, "t": 0.0, **frame}
        if index == 0:
            record["trace"] = HEADER
        lines.append(json.dumps(record))
    done = {"format": "concur-tui-trace", "version": 1, "outcome": "completed", "frames": len(frames)}
    lines.append(json.dumps({"summary": done}))
    return load_lines(lines)


def _start(**extra: object) -> dict[str, object]:
    new = [
        {"thread": "Th1", "name": "MainThread", "proc": "P0"},
        {"task": "T1", "name": "job", "coro": "job", "by": "Th1"},
    ]
    return {"a": "Th1", "k": "thread", "why": ["run"], "st": "loop", "at": [0], "new": new, **extra}


def test_a_frame_blocks_only_from_a_millisecond_and_only_in_a_task() -> None:
    assert took_without_awaiting({"i": 0, "t": 0.0, "a": "T1", "k": "task", "d": BLOCKING_SECONDS}) == BLOCKING_SECONDS
    assert took_without_awaiting({"i": 0, "t": 0.0, "a": "T1", "k": "task", "d": BLOCKING_SECONDS / 2}) == 0.0
    assert took_without_awaiting({"i": 0, "t": 0.0, "a": "Th1", "k": "thread", "d": 5.0}) == 0.0
    assert took_without_awaiting({"i": 0, "t": 0.0, "a": "T1", "k": "task", "st": "blocked", "d": 5.0}) == 0.0


def test_a_step_cut_into_frames_is_one_step_with_its_blocked_time() -> None:
    steps = BlockingSteps()
    steps.add(0, {"i": 0, "t": 0.0, "a": "T1", "k": "task", "why": ["new", "Th1"], "st": "blocked", "at": [3]})
    steps.add(1, {"i": 1, "t": 0.0, "a": "Th2", "k": "thread", "why": ["new", "T1"], "st": "done"})
    assert steps.found == []
    steps.add(2, {"i": 2, "t": 2.0, "a": "T1", "k": "task", "why": ["resume", "q", "Th2"], "st": "sleep", "at": [4]})
    (step,) = steps.found
    assert (step.frames, step.seconds, step.blocked_at, step.stopped_at) == ([0, 2], 2.0, [3], [4])


def test_a_task_of_asyncio_s_own_is_never_reported() -> None:
    steps = BlockingSteps()
    steps.add(0, {"i": 0, "t": 0.0, "a": "T9", "k": "task", "why": ["new", "Th1"], "st": "done", "d": 1.0}, True)
    assert steps.found == []


def test_cpython_s_never_awaited_warning_in_stderr_is_found_with_the_short_file_name() -> None:
    err = "/home/me/p.py:7: RuntimeWarning: coroutine 'Worker.run' was never awaited\n  w.run()\n"
    trace = _trace(_start(), {"a": "T1", "k": "task", "why": ["new", "Th1"], "st": "done", "err": err})
    (warning,) = lints(trace)
    assert (warning.kind, warning.where, warning.actor, warning.frames) == ("never-awaited", "p.py:7", "T1", (1,))
    assert "Worker.run()" in warning.message


def test_a_never_retrieved_message_through_logging_names_the_task_even_with_quotes() -> None:
    err = (
        "ERROR:asyncio:Task exception was never retrieved\n"
        'future: <Task finished name="it\'s" coro=<boom() done, defined at /x/p.py:4> exception=KeyError(1)>\n'
    )
    trace = _trace(
        _start(new=[{"thread": "Th1", "name": "MainThread", "proc": "P0"},
                    {"task": "T1", "name": "it's", "coro": "boom", "by": "Th1"}]),
        {"a": "T1", "k": "task", "why": ["new", "Th1"], "st": "failed", "error": "KeyError: 1", "at": [0],
         "sites": {"0": ["p.py", 5, "boom"]}},
        {"a": "cb", "k": "cb", "why": ["soon", "T1"], "n": "x", "err": err},
    )  # fmt: skip
    (warning,) = lints(trace)
    assert (warning.kind, warning.where, warning.actor, warning.frames) == (
        "exception-never-retrieved",
        "p.py:5",
        "T1",
        (1, 2),
    )


def test_a_program_s_text_in_a_warning_line_is_made_inert() -> None:
    warning = LintWarning("blocking-call", "task \x1b]0;owned\x07 ran", "p.py:3", "T1", (0, 4))
    line = warning_line(warning, "p.py")
    assert line == "p.py:3: blocking-call: task ␛]0;owned␇ ran (frames 1, 5)"
    assert warning_line(LintWarning("never-awaited", "m", "", None, (2,)), "p.py") == "p.py: never-awaited: m (frame 3)"


def test_frames_are_counted_from_one_and_cut_after_ten() -> None:
    assert frames_shown(range(12)) == "frames 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more"
    assert frames_shown([]) == ""


def test_enter_walks_a_warning_s_frames_and_goes_round() -> None:
    warning = LintWarning("blocking-call", "m", "", None, (3, 9))
    assert [next_frame(warning, cursor) for cursor in (0, 3, 9)] == [3, 9, 3]


def test_the_summary_counts_each_kind() -> None:
    found = [LintWarning(kind, "m", "", None, (0,)) for kind in ("blocking-call", "blocking-call", "never-awaited")]
    assert summary(found) == "3 warnings (2 blocking-call, 1 never-awaited)"
    assert summary([]) == "no warnings"
    assert len(KINDS) == 6


def test_the_panel_renders_warnings_as_inert_text_and_marks_the_cursor_s() -> None:
    err = "/p.py:7: RuntimeWarning: coroutine '\x1b[2J' was never awaited\n"
    trace = _trace(_start(), {"a": "T1", "k": "task", "why": ["new", "Th1"], "st": "done", "err": err})
    texts = warnings_text(trace, cursor=1, selected=0)
    console = Console(width=100, no_color=True, file=None)
    with console.capture() as captured:
        for text in texts:
            console.print(text)
    shown = captured.get()
    assert "\x1b" not in shown and "␛[2J" in shown
    assert texts[0].plain.startswith("1 warning (1 never-awaited)")
    assert texts[1].plain.startswith("> never-awaited  p.py:7")


def test_the_panel_waits_for_the_whole_recording() -> None:
    trace = Trace()  # as the app holds a recording still streaming in
    trace.add_line(json.dumps({"i": 0, "t": 0.0, "trace": HEADER, **_start()}))
    assert not trace.complete
    assert "once the recording is complete" in warnings_text(trace)[0].plain


# -- the command ------------------------------------------------------------------------------


def _lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "lint", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_lint_exits_1_with_one_line_per_warning() -> None:
    done = _lint(str(DATA / "thread_not_joined.py"))
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("thread_not_joined.py:11: thread-never-joined: thread slow was never joined")
    assert lines[0].endswith(")") and "(frames " in lines[0]
    assert "2 warnings (2 thread-never-joined)" in done.stderr


@pytest.mark.slow
def test_lint_exits_0_when_nothing_is_wrong() -> None:
    done = _lint(str(DATA / "never_awaited_fixed.py"))
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    assert "no warnings" in done.stderr


@pytest.mark.slow
def test_lint_reads_a_saved_trace_without_running_it(tmp_path: Path) -> None:
    saved = tmp_path / "run.jsonl"
    recorded = subprocess.run(
        [*CLI, "trace", str(DATA / "never_awaited.py"), "--json"], capture_output=True, text=True, timeout=120
    )
    saved.write_text(recorded.stdout, encoding="utf-8")
    done = _lint(str(saved))
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("never_awaited.py:11: never-awaited: coroutine work()")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["no_such_program.py"], "no such file"),
        (["--max-frames", "0", "x.py"], "--max-frames"),
        ([], "the following arguments are required: file"),
        (["SYNTAX"], "SyntaxError"),
    ],
)
def test_lint_exits_2_for_bad_usage(tmp_path: Path, args: list[str], said: str) -> None:
    if args == ["SYNTAX"]:
        broken = tmp_path / "broken.py"
        broken.write_text("def f(:\n", encoding="utf-8")
        args = [str(broken)]
    done = _lint(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert said in done.stderr and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1


async def test_the_panel_picks_a_warning_and_asks_for_its_frame() -> None:
    err = "/p.py:7: RuntimeWarning: coroutine 'work' was never awaited\n"
    trace = _trace(_start(), {"a": "T1", "k": "task", "why": ["new", "Th1"], "st": "done", "err": err})
    asked: list[int] = []

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield WarningsView(id="warnings")

        def on_mount(self) -> None:
            self.query_one(WarningsView).show(build_view(trace, 0))
            self.query_one(WarningsView).focus()

        def on_warnings_view_seek(self, event: WarningsView.Seek) -> None:
            asked.append(event.index)

    async with Host().run_test(size=(80, 12)) as pilot:
        await pilot.press("down", "enter")
        await pilot.pause()
        view = pilot.app.query_one(WarningsView)
        assert view.selected == 0
        assert any("never-awaited" in row for row in view.plain_rows())
    assert asked == [1]
