"""Provides write_atomically: a file is either its old bytes or its new ones, never half of each.

Programs the user edits in the app and traces they save are their work: a
crash, a full disk or a power cut while saving must leave the original as
it was. POSIX gives that through rename(2) over the old name, once the new
bytes are on disk.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


def write_atomically(path: str | Path, data: bytes) -> None:
    """Replace `path` with `data`: a temporary file in the same folder, flushed and fsynced, renamed over it.

    A link is followed (the file it names is replaced, the link stays), and
    anything but a regular file is refused. The permissions of an existing file are kept (an editor's save must not
    make a script unexecutable); a new file gets what open() would give it. OSError if anything fails, and then `path`
    is untouched and no temporary file is left behind.
    """
    # A symbolic link keeps pointing where it did: the file it names is the one replaced.
    target = Path(os.path.realpath(path))
    folder = target.parent
    try:
        info = os.stat(target)
        if not stat.S_ISREG(info.st_mode):  # renaming over a device or a FIFO would put a plain file there
            raise OSError(errno.EINVAL, f"{target} is not a regular file")
        mode = stat.S_IMODE(info.st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()  # as open() would create it (mkstemp's own file is private, 0600)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    _sync_folder(folder)


def _umask() -> int:
    current = os.umask(0o022)  # the only way to read it is to set it: put it straight back
    os.umask(current)
    return current


def _sync_folder(folder: Path) -> None:
    """The rename itself is on disk once the folder is synced (best effort: not every system allows it)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
