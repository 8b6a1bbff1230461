"""A stream that breaks in a way nobody planned for ends the run as `crashed`, the error said: the app never hangs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pilot_helpers import wait_recorded

from tui.app import ConcurApp
from tui.sources import SavedTrace
from tui.widgets.status import StatusBar

SAVED = Path(__file__).resolve().parents[1] / "data" / "traces" / "04_lock_contention-py311.jsonl"


async def test_an_unexpected_error_while_reading_ends_the_run_as_crashed(monkeypatch: pytest.MonkeyPatch) -> None:
    real_lines = SavedTrace.lines

    def breaking_lines(self: SavedTrace, check: bool = True) -> Iterator[str]:
        for number, line in enumerate(real_lines(self, check)):
            if number == 5:
                raise RuntimeError("the reader broke")
            yield line

    monkeypatch.setattr(SavedTrace, "lines", breaking_lines)
    app = ConcurApp(SAVED, saved=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        assert app.main.trace.outcome == "crashed"
        assert len(app.main.trace) == 5  # the frames read before the error stay
        assert "the reader broke" in (app.main.trace.summary or {}).get("error", "")
        assert "crashed" in str(app.main.query_one(StatusBar).render())
