"""Provides `running`: what differs in the CPython the engine runs on, chosen once at start-up.

The engine mirrors and patches CPython internals that change between minor
versions (how threading starts and joins threads, how CPU work can be
counted, how asyncio builds wait_for, what primitives exist). Each minor
version has one module here, `py311`, `py312`, `py313`: a class that
subclasses the previous version's and overrides only what its version
changed, each override naming the CPython change it follows. Supporting the
next version means adding its module and its row in `TESTED`.

This package is the only part of the engine that looks at `sys.version_info`;
everywhere else asks `running`.
"""

from __future__ import annotations

import importlib
import platform
import sys
import sysconfig

from tui.engine.cpython.py311 import CPython311

TESTED: dict[tuple[int, int], str] = {
    (3, 11): "tui.engine.cpython.py311:CPython311",
    (3, 12): "tui.engine.cpython.py312:CPython312",
    (3, 13): "tui.engine.cpython.py313:CPython313",
}
"""The versions CI runs the whole suite on, and the module that describes each."""


def tested_versions() -> str:
    """'3.11, 3.12 and 3.13', for messages."""
    names = [f"{major}.{minor}" for major, minor in sorted(TESTED)]
    return ", ".join(names[:-1]) + f" and {names[-1]}"


def is_free_threaded() -> bool:
    """A build without the GIL (PEP 703, 3.13t and later)."""
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def select(version: tuple[int, int]) -> tuple[str, tuple[int, int]]:
    """The description to use for `version`: its own, or the newest one older than it."""
    if version in TESTED:
        return TESTED[version], version
    older = [v for v in TESTED if v <= version]
    closest = max(older) if older else min(TESTED)
    return TESTED[closest], closest


def support_note(version: tuple[int, int], free_threaded: bool, full_version: str = "") -> str | None:
    """One line for a CPython outside the tested range (None inside it)."""
    shown = full_version or f"{version[0]}.{version[1]}"
    if free_threaded:
        shown += " (free-threaded)"
    _, closest = select(version)
    if version in TESTED and not free_threaded:
        return None
    return (
        f"concur-tui: tested on CPython {tested_versions()}; this is CPython {shown}, which is not: "
        f"trying it as {closest[0]}.{closest[1]}, and what it shows may differ from what this Python does"
    )


def _load() -> CPython311:
    target, _ = select((sys.version_info.major, sys.version_info.minor))
    module_name, class_name = target.split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls()  # type: ignore[no-any-return]


running: CPython311 = _load()
"""The description of the CPython running the engine."""

SUPPORT_NOTE = support_note(sys.version_info[:2], is_free_threaded(), platform.python_version())
"""What to tell the user once at start, when this CPython is not one of the tested versions."""
