"""`concur-tui trace` prints a hostile program's text inert: readable, JSON, and in a real terminal."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console
from tmux_helpers import HOSTILE, Tmux

from tui.render.listing import print_listing
from tui.sources import Recording, Settings

pytestmark = pytest.mark.slow  # each test records the program in its own process

ESCAPES = HOSTILE / "escapes.py"
CLI = [sys.executable, "-m", "tui"]
SGR = re.compile(r"\x1b\[[0-9;]*m")
CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]")


def trace(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*CLI, "trace", *args], capture_output=True, timeout=120)


def controls_in(data: bytes) -> list[str]:
    """Control characters a terminal would act on (all but newline), C1 and bidi controls included.

    The output must be UTF-8, which is checked on the way: a lone byte 0x80-0x9f (C1 on an 8-bit
    terminal) only occurs inside a character's encoding, as in ␛ (E2 90 9B), which no UTF-8
    terminal reads as a control. ESC, BEL and NUL are ASCII, so they are never part of one.
    """
    return sorted({f"{ord(found):#x}" for found in CONTROLS.findall(data.decode("utf-8"))})


def test_the_readable_listing_has_no_control_bytes_and_shows_the_visible_forms() -> None:
    done = trace(str(ESCAPES))
    assert done.returncode == 1  # the program raises
    assert controls_in(done.stdout) == []
    assert controls_in(done.stderr) == []
    assert b"\x1b" not in done.stdout and b"\x07" not in done.stdout and b"\x00" not in done.stdout
    out = done.stdout.decode()
    for shown in ("␛]0;pwned-title␇", "␛]52;c;cHduZWQ=␇", "␛[2J␛[H", "bell␇ back␈space nul␀ del␡", "carriage␍return"):
        assert shown in out
    assert "c1 csi\\x9b2J osc\\x9d0;c1-title\\x9c nel\\x85" in out
    assert "[/]oops[/] [bold]not bold[/bold]" in out  # brackets as typed, not markup
    assert "ValueError: bad slice [start=1:2] ␛]0;pwned␇ [/]oops[/]" in out


def test_the_name_column_is_aligned_in_cells() -> None:
    out = trace(str(ESCAPES)).stdout.decode()
    frames = [line for line in out.splitlines() if re.match(r" +\d+ t=", line)]
    assert any("漢字🐍タスク名前" in line for line in frames)
    # `     7 t=   0.000s 漢字🐍タスク名前 <narration>`: 19 cells, a 16-cell name, one space, then the narration.
    for line in frames:
        before = _cells(line, 36)
        assert before is not None and before.endswith(" ") and line[len(before)] != " ", line


def _cells(line: str, width: int) -> str | None:
    """The start of `line` that is exactly `width` cells wide, or None if a wide character straddles it."""
    from rich.cells import cell_len

    for end in range(len(line) + 1):
        if cell_len(line[:end]) == width:
            return line[:end]
    return None


def test_in_colour_the_only_escape_sequences_are_richs_own_styles() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="truecolor", width=200, soft_wrap=True)
    print_listing(Recording(str(ESCAPES), Settings()), console)
    text = SGR.sub("", buffer.getvalue())
    assert controls_in(text.encode()) == []
    assert "␛]0;task-pwned␇" in text


def test_json_lines_escape_c1_and_separators_and_keep_the_values() -> None:
    done = trace(str(ESCAPES), "--json")
    assert controls_in(done.stdout) == []
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    names = {new.get("name") for frame in lines[:-1] for new in frame.get("new", ())}
    assert {"\x1b]0;task-pwned\x07", "[/]oops[/]", "nul\x00c1\x9bx", "漢字🐍タスク名前"} <= names
    assert "\x1b]0;thread-pwned\x07[/]" in names
    printed = "".join(frame.get("out", "") for frame in lines[:-1])
    assert "ls\u2028ps\u2029end" in printed and "csi\x9b2J" in printed
    assert controls_in(done.stderr) == []
    assert "ValueError: bad slice [start=1:2] ␛]0;pwned␇" in done.stderr.decode()  # the one-line summary


def test_a_file_named_like_markup_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "x[a=b:c].py"
    shutil.copy(ESCAPES, path)
    done = trace(str(path))
    assert done.returncode == 1
    assert 'File "x[a=b:c].py", line' in done.stdout.decode()  # in the traceback
    done = trace(str(path), "--json")
    assert done.stderr.decode().startswith("concur-tui: exception: x[a=b:c].py:")


def test_in_a_real_terminal_the_listing_cannot_retitle_clear_or_write_the_clipboard(tmp_path: Path) -> None:
    tmux = Tmux("concur-inert-trace", tmp_path)
    status = tmp_path / "status"
    try:
        tmux.start(f"{sys.executable} -m tui trace {ESCAPES}; echo $? > {status}; sleep 60", tmp_path / "go")
        deadline = time.monotonic() + 60
        while not status.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status.read_text().strip() == "1"
        time.sleep(0.2)
        assert tmux.title() == "before"
        assert tmux.buffers() == ""  # OSC 52 would have made a paste buffer
        history = tmux.screen(history=True)
        numbers = [int(found) for found in re.findall(r"^ +(\d+) t=", history, re.MULTILINE)]
        assert len(numbers) > 20 and numbers == list(range(1, len(numbers) + 1))  # nothing cleared or overwritten
        assert "␛[2J␛[H" in history and "outcome: exception" in history
    finally:
        tmux.close()
