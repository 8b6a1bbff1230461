"""Provides the bundled lessons: where they live and their one-line summaries.

Listing reads each file's docstring with `ast`, so nothing is ever run to
fill a menu; recording is the engine's job, in its own process.
"""

from __future__ import annotations

import ast
import difflib
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
    """A path as given, or a bundled scenario by name (`deadlock`, `11_deadlock`, `11_deadlock.py`),
    by number (`11`, `04`, `4`) or by a start only one of them has (`dead`, `04_l`)."""
    path = Path(name_or_path)
    if path.exists() or "/" in name_or_path:
        return path
    found = _matches(name_or_path)
    return found[0].path if len(found) == 1 else path


def suggestions(name: str, limit: int = 5) -> list[str]:
    """Bundled lessons `name` may have meant (stems such as `04_lock_contention`), for a "did you mean".

    Every lesson the name starts when it starts several, else the close spellings (a typo).
    """
    if "/" in name:
        return []  # a path: not a lesson's name
    found = _matches(name)
    if len(found) > 1:
        return [scenario.path.stem for scenario in found[:limit]]
    by_spelling = {spelling: scenario.path.stem for scenario in bundled() for spelling in _spellings(scenario)}
    close = difflib.get_close_matches(_wanted(name), list(by_spelling), n=limit, cutoff=0.6)
    return list(dict.fromkeys(by_spelling[spelling] for spelling in close))


def _wanted(name: str) -> str:
    return name.removesuffix(".py").lower()


def _spellings(scenario: Scenario) -> tuple[str, str]:
    return scenario.name.lower(), scenario.path.stem.lower()


def _number(scenario: Scenario) -> int | None:
    prefix = scenario.path.stem.partition("_")[0]
    return int(prefix) if prefix.isdigit() else None


def _matches(name: str) -> list[Scenario]:
    """The lessons `name` names: by full name, else by number, else those whose name starts with it."""
    wanted = _wanted(name)
    if not wanted:
        return []
    lessons = bundled()
    exact = [scenario for scenario in lessons if wanted in _spellings(scenario)]
    if exact:
        return exact
    if wanted.isdigit():
        return [scenario for scenario in lessons if _number(scenario) == int(wanted)]
    return [scenario for scenario in lessons if any(spelling.startswith(wanted) for spelling in _spellings(scenario))]


def served(paths: list[Path]) -> list[Scenario]:
    """The programs a served session may open (`concur-tui serve`, `--only`): each file given, and the `.py`
    files directly inside each folder given, in that order, each once; nothing else, however named."""
    found: dict[Path, Scenario] = {}
    for given in paths:
        files = sorted(given.glob("*.py")) if given.is_dir() else [given]
        for path in files:
            resolved = path.resolve()
            if resolved.is_file() and resolved not in found:
                found[resolved] = Scenario(resolved, summary_of(resolved))
    return list(found.values())
