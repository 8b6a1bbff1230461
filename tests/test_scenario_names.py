"""A bundled lesson can be named by its number or the start of its name, and a wrong name gets a suggestion."""

from __future__ import annotations

import pytest

from tui.cli import main
from tui.scenarios import bundled_dir, resolve, suggestions

LOCK = bundled_dir() / "04_lock_contention.py"


@pytest.mark.parametrize("name", ["04", "4", "04_lock", "lock_cont", "lock_contention", "04_lock_contention.py"])
def test_a_number_or_a_unique_start_names_the_lesson(name: str) -> None:
    assert resolve(name) == LOCK


def test_an_ambiguous_start_resolves_to_nothing_and_lists_the_candidates() -> None:
    assert not resolve("thread").exists()
    assert suggestions("thread") == [
        "15_thread_doubler",
        "17_threads_vs_processes",
        "19_thread_deadlock",
        "21_threaded_downloads",
    ]


def test_a_typo_is_answered_with_the_closest_names() -> None:
    assert suggestions("lock_contnetion") == ["04_lock_contention"]
    assert suggestions("zzzz") == []
    assert suggestions("some/dir/prog.py") == []


def test_the_cli_says_which_lesson_was_meant(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "lokc_contention"]) == 2
    assert "no such file: lokc_contention (did you mean 04_lock_contention?)" in capsys.readouterr().err


def test_the_cli_lists_the_lessons_an_ambiguous_start_could_be(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "thread"]) == 2
    expected = (
        "no such file: thread "
        "(did you mean 15_thread_doubler, 17_threads_vs_processes, 19_thread_deadlock, 21_threaded_downloads?)"
    )
    assert expected in capsys.readouterr().err


@pytest.mark.slow  # records the lesson in its own process
def test_trace_04_records_the_lock_lesson(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "04"]) == 0
    out = capsys.readouterr().out
    assert "worker-1" in out and "outcome: completed" in out
