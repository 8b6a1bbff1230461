"""Provides the bundled lessons: where they live and their one-line summaries.

Listing reads each file's docstring with `ast`, so nothing is ever run to
fill a menu; recording is the engine's job, in its own process.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SCENARIO = "04_lock_contention.py"


@dataclass(frozen=True)
class Scenario:
    path: Path
    title: str
    """The docstring's first line."""

    @property
    def name(self) -> str:
        """`lock_contention` for `04_lock_contention.py`: the number only orders the list."""
        stem = self.path.stem
        prefix, _, rest = stem.partition("_")
        return rest if prefix.isdigit() and rest else stem


def bundled_dir() -> Path:
    """`scenarios/` of a source checkout, or the copy shipped inside the wheel."""
    package = Path(__file__).resolve().parent
    checkout = package.parent / "scenarios"
    if checkout.is_dir():
        return checkout
    return package / "_bundled_scenarios"


def summary_of(path: Path) -> str:
    """The first line of a file's module docstring, or a note saying why there is none."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return "(cannot be read)"
    doc = ast.get_docstring(tree)
    return doc.strip().splitlines()[0] if doc else "(no docstring)"


def bundled() -> list[Scenario]:
    return [Scenario(path, summary_of(path)) for path in sorted(bundled_dir().glob("*.py"))]


def is_bundled(path: Path) -> bool:
    """A lesson shipped with concur-tui: the user edits a copy of it, never the installed one."""
    try:
        return path.resolve().is_relative_to(bundled_dir().resolve())
    except OSError:
        return False


def default_path() -> Path:
    return bundled_dir() / DEFAULT_SCENARIO


def resolve(name_or_path: str) -> Path:
    """A path as given, or a bundled scenario by name (`deadlock`, `11_deadlock`, `11_deadlock.py`)."""
    path = Path(name_or_path)
    if path.exists() or "/" in name_or_path:
        return path
    wanted = name_or_path.removesuffix(".py")
    for scenario in bundled():
        if wanted in (scenario.name, scenario.path.stem):
            return scenario.path
    return path
