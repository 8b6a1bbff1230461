"""Provides FileWatch: tells when a program file was saved, by any editor, without reading it each time.

Editors save in different ways (write in place, write a copy and rename it
over the original, delete and create), and some write in several steps. A
poll of the file's stat signature (inode, size, modification time) sees all
of them; a save counts once the signature has held still for one poll, so a
file caught half-written is not taken for the new version. The content is
compared too: a save that changes nothing (or a `touch`) records nothing.
"""

from __future__ import annotations

import hashlib
import os


def _signature(path: str) -> tuple[int, int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None  # mid-save (renamed away) or deleted: wait for it to come back
    return (info.st_ino, info.st_dev, info.st_size, info.st_mtime_ns)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FileWatch:
    """Polled (`changed()`) by the viewer's timer: True once per save that changed the file's content."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._seen = _signature(path)
        self._settling: tuple[int, int, int, int] | None = None
        self._content = self._read_hash()

    def _read_hash(self) -> str | None:
        try:
            with open(self.path, "rb") as handle:
                return content_hash(handle.read())
        except OSError:
            return None

    def accept(self, data: bytes) -> None:
        """The app itself saved `data` (its editor): this is the content now, whatever the next poll sees."""
        self._content = content_hash(data)

    def changed(self) -> bool:
        now = _signature(self.path)
        if now is None or now == self._seen:
            self._settling = None
            return False
        if now != self._settling:
            self._settling = now  # changed since the last poll: wait for one more, it may still be writing
            return False
        self._seen, self._settling = now, None
        content = self._read_hash()
        if content is None or content == self._content:
            return False
        self._content = content
        return True
