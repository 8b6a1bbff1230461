"""`concur-tui FILE --start-at N`: the app is asked to open at frame N; N below 1 is bad usage.

Run in this process with the app replaced (no recording is started); the
app's side (it waits for frame N, or shows the last) is tests/ui/test_find_keys.py's.
"""

from __future__ import annotations

import pytest

from tui import cli
from tui.scenarios import bundled_dir


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int | None]]:
    calls: list[tuple[str, int | None]] = []

    def run_app(path: str, options: object, *, watch: bool = False, start_at: int | None = None) -> int:
        calls.append((path, start_at))
        return 0

    monkeypatch.setattr(cli, "run_app", run_app)
    return calls


def test_start_at_reaches_the_app(opened: list[tuple[str, int | None]]) -> None:
    lesson = str(bundled_dir() / "06_event.py")
    assert cli.main([lesson, "--start-at", "12"]) == 0
    assert cli.main([lesson]) == 0
    assert opened == [(lesson, 12), (lesson, None)]


@pytest.mark.parametrize("given", ["0", "-3", "twelve"])
def test_a_start_before_frame_1_is_bad_usage(
    opened: list[tuple[str, int | None]], given: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--start-at", given]) == cli.EXIT_USAGE
    assert "--start-at" in capsys.readouterr().err and not opened
