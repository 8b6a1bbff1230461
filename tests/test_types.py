"""The viewer packages type-check cleanly under the project's mypy configuration ([tool.mypy], strict).

Run here so CI (which runs pytest) checks types; the engine, which patches
CPython's internals, is checked by hand (`mypy -p tui.engine`, see pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[1]
VIEWERS = ["tui.trace", "tui.render", "tui.widgets", "tui.screens", "tui.export", "tui.explore", "tui.serve"]
VIEWER_MODULES = ["tui.viewmodel", "tui.app", "tui.cli", "tui.lint_command", "tui.sources"]


def test_the_viewer_packages_have_no_type_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # mypy finds `tui` (and its cache) from the project's root
    arguments = ["--config-file", str(ROOT / "pyproject.toml")]
    arguments += [option for package in VIEWERS for option in ("-p", package)]
    arguments += [option for module in VIEWER_MODULES for option in ("-m", module)]
    report, errors, status = api.run(arguments)
    assert status == 0, report + errors
    assert report.startswith("Success: no issues found")
