"""write_atomically: the file is its old bytes or its new ones, whatever fails on the way."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tui.files import write_atomically


def test_it_replaces_the_content_and_keeps_the_permissions(tmp_path: Path) -> None:
    target = tmp_path / "prog.py"
    target.write_bytes(b"old\n")
    target.chmod(0o750)
    write_atomically(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o750
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prog.py"]


def test_it_creates_a_file_that_did_not_exist_with_the_permissions_open_gives(tmp_path: Path) -> None:
    write_atomically(tmp_path / "fresh.jsonl", b"{}\n")
    assert (tmp_path / "fresh.jsonl").read_bytes() == b"{}\n"
    (tmp_path / "by_open").write_bytes(b"")
    assert (tmp_path / "fresh.jsonl").stat().st_mode == (tmp_path / "by_open").stat().st_mode


@pytest.mark.parametrize("failing", ["fsync", "replace", "write"])
def test_a_failure_during_the_write_leaves_the_original_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "prog.py"
    target.write_bytes(b"the user's work\n")

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    if failing == "write":
        # A half-written temporary file: the write fails after some bytes are out.
        real_fdopen = os.fdopen

        class HalfWriter:
            def __init__(self, handle):
                self.handle = handle

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.handle.close()

            def write(self, data):
                self.handle.write(data[: len(data) // 2])
                self.handle.flush()
                disk_full()

        monkeypatch.setattr(os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))
    else:
        monkeypatch.setattr(os, failing, disk_full)
    with pytest.raises(OSError):
        write_atomically(target, b"a new version that is much longer than the old one\n" * 100)
    assert target.read_bytes() == b"the user's work\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prog.py"]  # no temporary file left behind


def test_a_link_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_bytes(b"old\n")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    write_atomically(link, b"new\n")
    assert link.is_symlink() and real.read_bytes() == b"new\n"


def test_anything_but_a_regular_file_is_refused_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        write_atomically(fifo, b"data")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]
