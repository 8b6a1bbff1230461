"""FileWatch sees a save by any editor's method, once it has settled, and only when the content changed."""

from __future__ import annotations

import os
from pathlib import Path

from tui.watch import FileWatch


def _bump(path: Path) -> None:
    """A later modification time than the last write, as a save a moment later would have."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000))


def _saves_seen(watch: FileWatch, polls: int = 3) -> int:
    return sum(watch.changed() for _ in range(polls))


def test_a_write_in_place_is_seen_once_after_it_settles(tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text("print(1)\n")
    watch = FileWatch(str(program))
    assert not watch.changed()
    program.write_text("print(2)\n")
    assert not watch.changed()  # it may still be being written: one more poll first
    assert watch.changed()
    assert _saves_seen(watch) == 0


def test_a_copy_renamed_over_the_original_is_seen(tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text("print(1)\n")
    watch = FileWatch(str(program))
    copy = tmp_path / ".prog.py.swp"
    copy.write_text("print(2)\n")
    os.replace(copy, program)
    assert _saves_seen(watch) == 1


def test_a_file_gone_for_a_moment_is_waited_for(tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text("print(1)\n")
    watch = FileWatch(str(program))
    program.unlink()
    assert _saves_seen(watch) == 0
    program.write_text("print(3)\n")
    assert _saves_seen(watch) == 1


def test_a_touch_or_a_save_that_changes_nothing_records_nothing(tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text("print(1)\n")
    watch = FileWatch(str(program))
    _bump(program)
    assert _saves_seen(watch) == 0
    program.write_text("print(1)\n")
    _bump(program)
    assert _saves_seen(watch) == 0


def test_the_apps_own_save_is_not_seen_again(tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text("print(1)\n")
    watch = FileWatch(str(program))
    program.write_bytes(b"print(2)\n")
    watch.accept(b"print(2)\n")
    assert _saves_seen(watch) == 0
