"""The engine and the trace model work without the UI: they never load textual or rich."""

from __future__ import annotations

import ast
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


def test_the_cli_loads_no_asyncssh_unless_asked_to_serve() -> None:
    code = (
        "import sys; from tui import cli; cli.build_parser(); import tui.serve.command"
        "; print(sorted(m for m in sys.modules if m.split('.')[0] in ('asyncssh', 'cryptography')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_ssh_server_loads_neither_the_engine_nor_the_app() -> None:
    """The server's package imports none of them; its process, started through the CLI, only the engine's
    option definitions (tui.engine.settings, which the CLI's parser needs): no runtime, no Textual."""
    serve = "tui.serve.command, tui.serve.server, tui.serve.session, tui.serve.hostkey, tui.serve.auth"
    loaded = (
        "; print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')"
        " or m.startswith(('tui.engine', 'tui.app', 'tui.sources', 'tui.screens', 'tui.widgets'))))"
    )
    done = subprocess.run([sys.executable, "-c", f"import sys, {serve}{loaded}"], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr
    through_the_cli = f"import sys; from tui import cli; cli.build_parser(); import {serve}{loaded}"
    done = subprocess.run([sys.executable, "-c", through_the_cli], capture_output=True, text=True, check=True)
    found = set(ast.literal_eval(done.stdout))
    assert not {m for m in found if m.split(".")[0] == "textual" or m.startswith(("tui.app", "tui.screens"))}
    engine = {m for m in found if m.startswith("tui.engine")}
    assert engine <= {"tui.engine", "tui.engine.settings", "tui.engine.schedule"}  # lazy __init__, options only
