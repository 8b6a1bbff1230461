"""The engine and the trace model work without the UI: they never load textual or rich."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # every test imports a module in a fresh interpreter


@pytest.mark.parametrize(
    "module",
    [
        "tui.engine",
        "tui.engine.recording.main",
        "tui.trace.model",
        "tui.trace.narrate",
        "tui.sources",
        "tui.scenarios",
    ],
)
def test_core_modules_do_not_import_the_ui(module: str) -> None:
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_cli_and_explore_load_no_dask_unless_asked_for_a_cluster() -> None:
    code = (
        "import sys; from tui import cli; cli.build_parser()"
        "; import tui.explore.command, tui.explore.search, tui.explore.runs"
        "; print(sorted(m for m in sys.modules if m.split('.')[0] in ('distributed', 'dask', 'tornado')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
