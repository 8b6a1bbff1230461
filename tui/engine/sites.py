"""Provides Sites: which code is the user's, and stable ids for (file, line) places."""

from __future__ import annotations

import functools
import os
import sysconfig
from types import CodeType, FrameType
from typing import Any

import tui
from tui.engine.codetable import CodeTable

_ENGINE_DIR = os.path.dirname(os.path.abspath(tui.__file__)) + os.sep
_STDLIB_DIRS = tuple(
    {os.path.realpath(p) + os.sep for p in (sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib")) if p}
)


@functools.cache
def _real_path(filename: str) -> str:
    """os.path.realpath(), once per file name: a code object's file is asked about at each of its
    first sights, and resolving a path costs a system call per component."""
    return os.path.realpath(filename)


def is_user_file(filename: str) -> bool:
    """True for code the user wrote: not the stdlib, not concur-tui, not <frozen ...>."""
    if filename.startswith("<"):
        return filename in ("<string>", "<stdin>")
    real = _real_path(filename)
    if real.startswith(_ENGINE_DIR):
        return False
    return not real.startswith(_STDLIB_DIRS) or "site-packages" in real


def is_library_file(filename: str) -> bool:
    """True for the standard library's Python code (not site-packages, not frozen modules)."""
    if filename.startswith("<"):
        return False  # <frozen importlib._bootstrap> and the like: import machinery holding real locks
    real = _real_path(filename)
    return real.startswith(_STDLIB_DIRS) and "site-packages" not in real and not real.startswith(_ENGINE_DIR)


ENGINE_MODULES: dict[str, bool] = {}
"""Module name -> whether it is one of the engine's: is_engine_module(), cached (3.11's counter reads it inline)."""


def is_engine_module(name: str) -> bool:
    known = ENGINE_MODULES[name] = name == "tui.engine" or name.startswith("tui.engine.")
    return known


def in_engine(frame: FrameType) -> bool:
    """Whether `frame` runs in one of the engine's modules, told without reading its f_code.

    Walks out of the engine's frames read this at every frame: frame.f_code is an
    audited event (about half a microsecond once any audit hook is installed, as
    a program may do), a frame's globals are not.
    """
    name = frame.f_globals.get("__name__")
    if name.__class__ is not str:
        return False
    known = ENGINE_MODULES.get(name)
    return is_engine_module(name) if known is None else known


class _CodeSites:
    """What Sites knows of one code object."""

    __slots__ = ("lines", "user")

    def __init__(self, user: bool) -> None:
        self.user = user
        self.lines: dict[int, int] = {}
        """Line -> site id, for the lines of it handed out so far."""


class Sites:
    """Interns code locations so a frame can say `at: [3, 7]` instead of paths.

    Each new site is handed out once, with its definition, so the trace stays
    small and the viewer can still print `file:line in func`.
    """

    def __init__(self, root_file: str) -> None:
        self._root = os.path.abspath(root_file)
        self._root_dir = os.path.dirname(self._root) + os.sep
        self._codes: CodeTable[_CodeSites] = CodeTable()
        """Per code object: whether it is the user's, and the site id of each of its lines."""
        self._count = 0
        self._paths: dict[str, str] = {}
        self.pending: dict[int, list[Any]] = {}
        """Sites defined since the last frame, emitted with it."""

    def is_user(self, code: CodeType) -> bool:
        return self.of(code).user

    def of(self, code: CodeType) -> _CodeSites:
        """What is known of `code` (made at its first sight). Hot callers inline CodeTable.get()."""
        known = self._codes.get(code)
        if known is None:
            known = _CodeSites(is_user_file(code.co_filename))
            self._codes.set(code, known)
        return known

    def display_path(self, filename: str) -> str:
        """The scenario by its base name, its neighbours relative to it, others in full."""
        shown = self._paths.get(filename)
        if shown is None:
            full = os.path.abspath(filename)
            if full == self._root or full.startswith(self._root_dir):
                shown = os.path.relpath(full, self._root_dir)
            else:
                shown = filename
            self._paths[filename] = shown
        return shown

    def site(self, code: CodeType, line: int | None) -> int:
        lines = self.of(code).lines
        sid = lines.get(line or 0)
        if sid is None:
            sid = lines[line or 0] = self._count
            self._count += 1
            self.pending[sid] = [self.display_path(code.co_filename), line or 0, code.co_qualname]
        return sid

    def users_code(self, frame: FrameType) -> _CodeSites | None:
        """What is known of `frame`'s code if it is the user's, else None: in_engine(),
        is_user() and CodeTable.get() in one call, for the walks along a thread's stack."""
        name = frame.f_globals.get("__name__")
        if name.__class__ is str:
            engine = ENGINE_MODULES.get(name)
            if engine is None:
                engine = is_engine_module(name)
            if engine:
                return None
        code = frame.f_code
        entry = self._codes.by_name.get(code.co_qualname)
        known = entry[1] if entry is not None and entry[0] is code else self.of(code)
        return known if known.user else None

    def user_frame(self, frame: FrameType | None) -> FrameType | None:
        """The innermost frame at or above `frame` that runs the user's code."""
        while frame is not None and self.users_code(frame) is None:
            frame = frame.f_back
        return frame

    def stack_of(self, frame: FrameType | None, limit: int = 12) -> list[int]:
        """Sites of the user's frames from outermost to `frame` (innermost)."""
        out: list[int] = []
        while frame is not None and len(out) < limit:
            known = self.users_code(frame)
            if known is not None:
                line = frame.f_lineno
                sid = known.lines.get(line)
                out.append(sid if sid is not None else self.site(frame.f_code, line))
            frame = frame.f_back
        out.reverse()
        return out

    def describe(self, sid: int) -> str:
        """`file:line` for a site id handed out earlier (for reports)."""
        for code, known in self._codes.items():
            for line, number in known.lines.items():
                if number == sid:
                    return f"{self.display_path(code.co_filename)}:{line}"
        return f"site {sid}"
