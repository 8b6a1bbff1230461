"""The architecture's layers hold: program → engine → frames → trace → views, and no import cycles.

The contracts live in pyproject.toml ([tool.importlinter]); these tests run them
with the suite, and check what a contract cannot say: no cycle anywhere in
`tui`, and the trace standing on the standard library alone.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    """Run-time imports only: what is imported for annotations (TYPE_CHECKING) does not load at run time."""
    return grimp.build_graph("tui", include_external_packages=True, exclude_type_checking_imports=True)


def test_the_layer_contracts_in_pyproject_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    # import-linter configures logging with disable_existing_loggers: give every logger its state back.
    loggers = [logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    disabled = [logger.disabled for logger in loggers]
    try:
        assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0
    finally:
        for logger, was in zip(loggers, disabled, strict=True):
            logger.disabled = was


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(edges[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_cycles_finds_a_cycle_and_only_the_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_of_tui_imports_itself_back_through_others(graph: grimp.ImportGraph) -> None:
    modules = {m for m in graph.modules if m.startswith("tui")}
    edges = {m: {x for x in graph.find_modules_directly_imported_by(m) if x in modules} for m in modules}
    assert cycles(edges) == []


def test_the_trace_imports_only_the_standard_library(graph: grimp.ImportGraph) -> None:
    outside = {
        (module, imported)
        for module in graph.modules
        if module == "tui.trace" or module.startswith("tui.trace.")
        for imported in graph.find_modules_directly_imported_by(module)
        if not imported.startswith("tui.trace") and imported.split(".")[0] not in sys.stdlib_module_names
    }
    assert outside == set()
