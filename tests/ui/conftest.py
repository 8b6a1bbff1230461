"""The make_app fixture: a ConcurApp on a bundled scenario or a path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.app import ConcurApp
from tui.scenarios import bundled_dir
from tui.sources import Settings


@pytest.fixture
def make_app():
    def _make(name: str = "04_lock_contention.py", **options: object) -> ConcurApp:
        path = Path(name) if "/" in name else bundled_dir() / name
        return ConcurApp(path, Settings(**options))  # type: ignore[arg-type]

    return _make
