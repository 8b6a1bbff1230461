"""The schedulers reach the recorder through one interface, tui.engine.hooks.Hooks, and nothing else."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import tui.engine
from tui.engine.hooks import Hooks
from tui.engine.recording.recorder import Recorder

ENGINE = Path(tui.engine.__file__).parent
RECORDER_NAMES = {"rec", "_rec", "recorder", "_recorder"}
"""How the schedulers' code names the recorder (a local, a parameter, an attribute)."""


def hook_names() -> set[str]:
    return {name for name in vars(Hooks) if not name.startswith("_")}


def recorder_uses(path: Path) -> set[tuple[str, int]]:
    """(attribute, line) of every `rec.x`, `recorder.x`, `self.recorder.x`, `kernel.recorder.x` in a module."""
    uses = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Attribute):
            continue
        value = node.value
        named = (isinstance(value, ast.Name) and value.id in RECORDER_NAMES) or (
            isinstance(value, ast.Attribute) and value.attr in RECORDER_NAMES
        )
        if named:
            uses.add((node.attr, node.lineno))
    return uses


def test_the_recorder_implements_every_hook_with_the_same_parameters() -> None:
    for name in sorted(hook_names()):
        declared = getattr(Hooks, name)
        if isinstance(declared, property):
            continue  # an attribute of the recorder's instances (checked by mypy where it is handed over)
        implemented = getattr(Recorder, name, None)
        assert implemented is not None, f"Recorder has no {name}"
        assert list(inspect.signature(implemented).parameters) == list(inspect.signature(declared).parameters), name


def test_the_schedulers_call_only_declared_hooks() -> None:
    hooks = hook_names()
    schedulers = [p for p in ENGINE.rglob("*.py") if "recording" not in p.relative_to(ENGINE).parts]
    undeclared = sorted(
        f"{path.relative_to(ENGINE)}:{line}: {attr}"
        for path in schedulers
        for attr, line in recorder_uses(path)
        if attr not in hooks
    )
    assert undeclared == []


def test_the_check_sees_the_schedulers_use_of_the_recorder() -> None:
    """Not vacuous: the kernel and the loop do call hooks, and the check finds them."""
    kernel_uses = {attr for attr, _ in recorder_uses(ENGINE / "threads" / "kernel.py")}
    loop_uses = {attr for attr, _ in recorder_uses(ENGINE / "aio" / "loop.py")}
    assert {"switched_to", "thread_slice_ended", "stop"} <= kernel_uses
    assert {"run_handle", "timer_scheduled", "task_created"} <= loop_uses
