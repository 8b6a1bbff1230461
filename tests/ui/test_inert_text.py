"""Program text is shown inert: escape sequences as visible text, brackets never as markup, columns in cells."""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from pilot_helpers import wait_recorded
from rich.cells import cell_len
from textual.widgets import Input, Label
from tmux_helpers import HOSTILE, Tmux

from tui.render.inert import inert, inert_json
from tui.render.styles import clip, fit, pad, shorten
from tui.screens.breaks import Breakpoints
from tui.screens.picker import ScenarioPicker
from tui.widgets.status import StatusBar
from tui.widgets.tasks import TaskTable
from tui.widgets.timeline import LABEL_WIDTH, Timeline

ESCAPES = HOSTILE / "escapes.py"
RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""What must never reach a widget: every C0 control but tab and newline, DEL and C1."""
SAMPLES = [
    "\x1b]0;title\x07",
    "\x1b]52;c;cHduZWQ=\x07",
    "\x1b[2J\x1b[H\x1b[5;5H",
    "bell\x07 back\x08 nul\x00 del\x7f cr\r lf\n tab\t",
    "c1 \x9b2J \x9d0;x\x9c \x85",
    "ls\u2028ps\u2029 \u202eevil\u202c \u2066iso\u2069 \udcff",
    "[/]oops[/] [bold]x[/bold] 漢字 🐍 e\u0301 שלום",
]


# -- inert(): every class of character --------------------------------------------------


def test_escape_becomes_its_control_picture_and_the_sequence_stays_readable() -> None:
    assert inert("\x1b]0;pwned\x07") == "␛]0;pwned␇"
    assert inert("\x1b[2J\x1b[31mred") == "␛[2J␛[31mred"


@pytest.mark.parametrize("code", [c for c in range(0x20) if c not in (0x09, 0x0A)])
def test_every_other_c0_control_becomes_its_control_picture(code: int) -> None:
    assert inert(f"a{chr(code)}b") == f"a{chr(0x2400 + code)}b"


def test_del_is_shown_as_its_picture() -> None:
    assert inert("\x7f") == "\u2421"


@pytest.mark.parametrize("code", range(0x80, 0xA0))
def test_c1_controls_are_spelled_as_python_escapes(code: int) -> None:
    assert inert(chr(code)) == f"\\x{code:02x}"


def test_a_newline_is_a_line_break_only_where_asked() -> None:
    assert inert("one\ntwo") == "one␊two"
    assert inert("one\r\ntwo", multiline=True) == "one␍\ntwo"


def test_tabs_expand_to_the_next_stop_counting_cells() -> None:
    assert inert("a\tb") == "a" + " " * 7 + "b"
    assert inert("漢\tb") == "漢" + " " * 6 + "b"  # 漢 is two cells wide
    assert inert("ab\tc\nd\te", multiline=True) == "ab      c\nd       e"
    assert inert("\tx", multiline=True, tab_size=4) == "    x"


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u202e", "\u202a", "\u2066", "\u200f", "\u061c", "\udcff"])
def test_separators_bidi_controls_and_surrogates_are_spelled_as_escapes(char: str) -> None:
    assert inert(char) == f"\\u{ord(char):04x}"


def test_ordinary_text_is_returned_untouched() -> None:
    text = "[/]oops[/] [bold]x[/bold] 漢字 🐍 e\u0301 שלום ␛ 👨\u200d👩\u200d👧"
    assert inert(text) is text


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_result_is_printable_one_line_and_idempotent(sample: str) -> None:
    shown = inert(sample)
    assert shown.isprintable()
    assert inert(shown) == shown  # idempotent: what is shown is already safe
    assert inert(sample, multiline=True).replace("\n", "").isprintable()


def test_json_lines_escape_c1_del_separators_and_bidi_and_mean_the_same() -> None:
    value = "\x1b]0;t\x07 \x7f \x9b2J \x85 \u2028 \u2029 \u202e 漢字"
    line = json.dumps({"name": value}, ensure_ascii=False).encode() + b"\n"
    safe = inert_json(line)
    assert json.loads(safe) == {"name": value}
    for raw in (b"\x1b", b"\x07", b"\x7f", b"\xc2\x9b", b"\xc2\x85", "\u2028".encode(), "\u202e".encode()):
        assert raw not in safe
    assert "漢字".encode() in safe
    plain = b'{"a": "b"}\n'
    assert inert_json(plain) is plain


# -- cell widths --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["漢字🐍タスク名前漢字🐍タスク名前", "ThreadPoolExecutor-0_2", "e\u0301" * 30, "שלום" * 8]
)
def test_names_are_cut_and_padded_by_cells(name: str) -> None:
    assert cell_len(shorten(name, 15)) <= 15
    assert cell_len(pad(shorten(name, 15), 16)) == 16
    assert cell_len(clip(name, 10)) <= 10
    assert cell_len(fit(name, 7)) == 7


def test_shorten_keeps_both_ends_and_leaves_short_names_alone() -> None:
    assert shorten("ThreadPoolExecutor-0_2", 15) == "ThreadP~tor-0_2"
    assert shorten("漢字", 15) == "漢字"


# -- the app ------------------------------------------------------------------------------


def screen_text(app) -> str:
    """The text of the screen as drawn (the SVG export's text runs, unescaped)."""
    svg = app.export_screenshot()
    runs = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    return html.unescape("".join(runs)).replace("\xa0", " ")


def assert_inert(app) -> str:
    svg = app.export_screenshot()
    found = sorted({f"{ord(c):#x}" for c in RAW_CONTROLS.findall(svg)})
    assert not found, f"raw control characters on screen: {found}"
    return screen_text(app)


@pytest.mark.slow
async def test_the_hostile_program_is_shown_inert_in_every_panel_and_frame(make_app) -> None:
    app = make_app(str(ESCAPES))
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_recorded(pilot, app)
        seen = ""
        for _ in range(len(app.main.trace)):
            seen += assert_inert(app)
            await pilot.press("right")
        seen += assert_inert(app)
        for needle in ("␛]0;task-pwned␇", "[/]oops[/]", "␛[2J␛[H", "csi\\x9b2J", "nul␀c1\\x9bx", "␛]0;lesson-pwned␇"):
            assert needle in seen
        assert "bad slice [start=1:2] ␛]0;pwned␇" in seen  # the traceback, in the lesson panel
        assert "ESC in source: ␛[2J" in seen  # the raw ESC in a string literal of the source
        assert inert(app.title) == app.title and inert(app.sub_title) == app.sub_title

        table = app.main.query_one(TaskTable)
        view = app.main.view()
        tasks = [i for i, actor in enumerate(view.actors()) if actor.kind == "task"]
        widths = {cell_len(table.row_text(i).plain) for i in tasks}
        assert len(widths) == 1, "task rows of different widths: a wide or control character broke a column"
        timeline = app.main.query_one(Timeline)
        for y in range(1, len(view.actors()) + 1):
            label = timeline.render_line(y)._segments[0]
            assert cell_len(label.text) == LABEL_WIDTH


@pytest.mark.slow
async def test_markup_in_names_messages_and_the_file_name_is_shown_as_text(make_app, tmp_path: Path) -> None:
    path = tmp_path / "x[a=b:c].py"
    shutil.copy(ESCAPES, path)
    app = make_app(str(path))
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_recorded(pilot, app)
        assert "x[a=b:c].py" in str(app.main.query_one(StatusBar).render())
        app.main.breakpoints = Breakpoints({"done", "exception"})
        for _ in range(3):  # stops as the thread, then each task, finishes: notifications quoting their names
            await pilot.press("r")
            while app.main.running:
                await pilot.pause(0.05)
        await pilot.pause(0.2)  # the toasts are drawn (and their text parsed, if it were markup)
        messages = [notification.message for notification in app._notifications]
        assert any("␛]0;thread-pwned␇[/] finished" in message for message in messages), messages
        assert any("␛]0;task-pwned␇ finished" in message for message in messages), messages
        assert any("[/]oops[/] finished" in message for message in messages), messages
        assert "␛]0;task-pwned␇" in assert_inert(app)

        await pilot.press("end", "R")  # "Recording x[a=b:c].py again"
        await pilot.pause(0.2)
        assert any("x[a=b:c].py" in notification.message for notification in app._notifications)
        await wait_recorded(pilot, app)

        await pilot.press("o")
        picker = app.screen
        assert isinstance(picker, ScenarioPicker)
        box = picker.query_one(Input)
        box.focus()
        box.value = "[/]no[such=file:x]"
        await pilot.press("enter")
        await pilot.pause()
        assert "[/]no[such=file:x]" in str(picker.query_one("#problem", Label).render())
        await pilot.press("escape")


# -- a real terminal ----------------------------------------------------------------------


@pytest.mark.slow
def test_in_a_real_terminal_the_program_cannot_retitle_clear_or_write_the_clipboard(tmp_path: Path) -> None:
    tmux = Tmux("concur-inert-app", tmp_path)
    status = tmp_path / "status"
    try:
        tmux.start(f"{sys.executable} -m tui {ESCAPES}; echo $? > {status}; sleep 60", tmp_path / "go")
        screen = tmux.wait_for("exception")
        total = int(screen.split("frame 1/")[1].split()[0])
        for _ in range(total):  # every frame's output reaches the screen once
            tmux("send-keys", "-t", "t", "Right")
        screen = tmux.wait_for(f"frame {total}/{total}")
        for panel in "1234567":
            tmux("send-keys", "-t", "t", panel)
        screen = tmux.wait_for(f"frame {total}/{total}")
        assert tmux.title() == "before"
        assert tmux.buffers() == ""  # OSC 52 would have made a paste buffer
        lines = screen.splitlines()
        assert "escapes.py" in lines[0] and "exception" in lines[0]  # the status line survived ESC[2J ESC[H
        assert sum(1 for line in lines if line.strip()) > 30  # and so did the rest of the screen
        assert "␛]0;task-pwned␇" in screen
        tmux("send-keys", "-t", "t", "q")
        deadline = time.monotonic() + 15
        while not status.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status.read_text().strip() == "0"
        assert tmux.title() == "before" and tmux.buffers() == ""
    finally:
        tmux.close()
