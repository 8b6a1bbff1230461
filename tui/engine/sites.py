"""Provides Sites: which code is the user's, and stable ids for (file, line) places."""

from __future__ import annotations

import os
import sysconfig
from types import CodeType, FrameType
from typing import Any

import tui

_ENGINE_DIR = os.path.dirname(os.path.abspath(tui.__file__)) + os.sep
_STDLIB_DIRS = tuple(
    {os.path.realpath(p) + os.sep for p in (sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib")) if p}
)


def is_user_file(filename: str) -> bool:
    """True for code the user wrote: not the stdlib, not concur-tui, not <frozen ...>."""
    if filename.startswith("<"):
        return filename in ("<string>", "<stdin>")
    real = os.path.realpath(filename)
    if real.startswith(_ENGINE_DIR):
        return False
    return not real.startswith(_STDLIB_DIRS) or "site-packages" in real


def is_library_file(filename: str) -> bool:
    """True for the standard library's Python code (not site-packages, not frozen modules)."""
    if filename.startswith("<"):
        return False  # <frozen importlib._bootstrap> and the like: import machinery holding real locks
    real = os.path.realpath(filename)
    return real.startswith(_STDLIB_DIRS) and "site-packages" not in real and not real.startswith(_ENGINE_DIR)


class Sites:
    """Interns code locations so a frame can say `at: [3, 7]` instead of paths.

    Each new site is handed out once, with its definition, so the trace stays
    small and the viewer can still print `file:line in func`.
    """

    def __init__(self, root_file: str) -> None:
        self._root = os.path.abspath(root_file)
        self._root_dir = os.path.dirname(self._root) + os.sep
        # Keyed by id(code), not by the code object: hashing a code object is not
        # cached (on 3.12+ it walks the bytecode, about a microsecond) and these are
        # asked at every frame. Invariant: every code object whose id is a key
        # here is kept alive in `_codes`, so its id is never reused for another.
        self._codes: dict[int, CodeType] = {}
        self._user: dict[int, bool] = {}
        self._ids: dict[tuple[int, int], int] = {}
        self._paths: dict[str, str] = {}
        self.pending: dict[int, list[Any]] = {}
        """Sites defined since the last frame, emitted with it."""

    def is_user(self, code: CodeType) -> bool:
        key = id(code)
        known = self._user.get(key)
        if known is None:
            self._codes[key] = code
            known = self._user[key] = is_user_file(code.co_filename)
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
        key = (id(code), line or 0)
        sid = self._ids.get(key)
        if sid is None:
            self._codes[key[0]] = code
            sid = self._ids[key] = len(self._ids)
            self.pending[sid] = [self.display_path(code.co_filename), line or 0, code.co_qualname]
        return sid

    def user_frame(self, frame: FrameType | None) -> FrameType | None:
        """The innermost frame at or above `frame` that runs the user's code."""
        while frame is not None and not self.is_user(frame.f_code):
            frame = frame.f_back
        return frame

    def stack_of(self, frame: FrameType | None, limit: int = 12) -> list[int]:
        """Sites of the user's frames from outermost to `frame` (innermost)."""
        out: list[int] = []
        while frame is not None and len(out) < limit:
            code = frame.f_code
            if self.is_user(code):
                out.append(self.site(code, frame.f_lineno))
            frame = frame.f_back
        out.reverse()
        return out

    def describe(self, sid: int) -> str:
        """`file:line` for a site id handed out earlier (for reports)."""
        for (code_id, line), known in self._ids.items():
            if known == sid:
                return f"{self.display_path(self._codes[code_id].co_filename)}:{line}"
        return f"site {sid}"
