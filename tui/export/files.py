"""Provides how exports reach the disk: a file is replaced whole or not at all, `-` is stdout."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from tui.export.choices import ExportError

STDOUT = "-"


def check_writable_file(given: str, option: str) -> None:
    """Fail now, before a recording, if OUT could not be written (its directory missing or read-only)."""
    if given == STDOUT:
        return
    path = Path(given)
    if path.is_dir():
        raise ExportError(f"{option}: {given} is a directory, not a file")
    parent = path.parent
    if not parent.is_dir():
        raise ExportError(f"{option}: no such directory: {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"{option}: cannot write in {parent}: permission denied")


def check_writable_directory(given: str, option: str) -> None:
    """DIR may not exist yet (it is made), but then its parent must; if it exists, it must be a writable directory."""
    path = Path(given)
    if path.exists():
        if not path.is_dir():
            raise ExportError(f"{option}: {given} is not a directory")
        if not os.access(path, os.W_OK | os.X_OK):
            raise ExportError(f"{option}: cannot write in {given}: permission denied")
        return
    parent = path.parent
    if not parent.is_dir():
        raise ExportError(f"{option}: no such directory: {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"{option}: cannot make {given}: permission denied")


def write_text(given: str, text: str) -> None:
    """Write `text` to `given` (UTF-8) through a temporary file in the same directory, then rename it into place:
    a failed or interrupted export leaves the old file as it was, never half a new one."""
    if given == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(given)
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ExportError(f"cannot write {given}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException as exc:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {given}: {exc.strerror or exc}") from None
        raise


def _umask() -> int:
    """The process's umask (mkstemp makes files 0600; an export is an ordinary file)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
