"""Provides how exports reach the disk: a file is replaced whole or not at all, `-` is stdout."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from tui.export.choices import ExportError
from tui.files import write_atomically

STDOUT = "-"


def replaceable(given: str) -> bool:
    """Whether OUT is (or will be) a plain file that a renamed temporary file may replace.

    A device, a FIFO or a symbolic link is written through instead: renaming
    over `/dev/null` or `/dev/stdout` would put a plain file in its place, and
    over a link would cut it.
    """
    try:
        return stat.S_ISREG(os.lstat(given).st_mode)
    except OSError:
        return True  # nothing there (yet): the checks of its directory say what is wrong, if anything


def check_writable_file(given: str, option: str) -> None:
    """Fail now, before a recording, if OUT could not be written (its directory missing or read-only)."""
    if given == STDOUT:
        return
    path = Path(given)
    if path.is_dir():
        raise ExportError(f"{option}: {given} is a directory, not a file")
    if not replaceable(given):
        if not os.access(given, os.W_OK):
            raise ExportError(f"{option}: cannot write {given}: permission denied")
        return
    _check_parent(path, option, f"cannot write in {path.parent}")


def check_writable_directory(given: str, option: str) -> None:
    """DIR may not exist yet (it is made), but then its parent must; if it exists, it must be a writable directory."""
    path = Path(given)
    if path.exists():
        if not path.is_dir():
            raise ExportError(f"{option}: {given} is not a directory")
        if not os.access(path, os.W_OK | os.X_OK):
            raise ExportError(f"{option}: cannot write in {given}: permission denied")
        return
    _check_parent(path, option, f"cannot make {given}")


def _check_parent(path: Path, option: str, refused: str) -> None:
    """The folder `path` would be made in exists and may be written in (else `refused`: permission denied)."""
    parent = path.parent
    if not parent.is_dir():
        raise ExportError(f"{option}: no such directory: {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"{option}: {refused}: permission denied")


def write_text(given: str, text: str) -> None:
    """Write `text` to `given` (UTF-8): a plain file whole or not at all (tui.files.write_atomically),
    so a failed or interrupted export leaves the old file as it was; anything else (see `replaceable`)
    through itself; `-` to stdout."""
    if given == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    data = text.encode("utf-8")
    try:
        if replaceable(given):
            write_atomically(given, data)
        else:
            with open(given, "wb") as out:
                out.write(data)
    except OSError as exc:
        raise ExportError(f"cannot write {given}: {exc.strerror or exc}") from None
