"""Provides HelpScreen: every key, grouped by what it does."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    (
        "Stepping",
        [
            ("Right, l, Space", "next frame"),
            ("Left, h", "previous frame"),
            ("Home / End", "first / last frame"),
            ("[ / ]", "previous / next frame of the selected task"),
            ("g", "go to a frame number"),
            ("t", "go to a virtual time (the last frame at or before it)"),
        ],
    ),
    (
        "Running",
        [
            ("r", "run / pause (advance automatically)"),
            ("+ / -", "faster / slower"),
            ("b", "break on: lock contention, task done, exception, deadlock, a line a task stops at"),
        ],
    ),
    (
        "Views",
        [
            ("Up / Down", "select a task (in the task table) or scroll"),
            ("Tab / Shift+Tab", "move between panels"),
            ("1-7", "show a panel (compact layout): source, tasks, loop/GIL, timeline, lesson, resources, output"),
            ("v", "timeline by frame / by virtual time"),
            ("click", "timeline: jump to that frame; task table: select"),
        ],
    ),
    (
        "Programs",
        [
            ("o", "open another scenario (bundled lesson or a path)"),
            ("R", "record the program again (after editing it)"),
            ("?", "this help"),
            ("q", "quit"),
        ],
    ),
]


def help_table() -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for group, keys in KEYS:
        table.add_row(f"[bold]{group}[/bold]", "")
        for key, action in keys:
            table.add_row(key, action)
        table.add_row("", "")
    table.add_row("", "Stepping never re-runs the program: it moves through the recorded trace.")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static(help_table(), id="keys")

    def action_close(self) -> None:
        self.dismiss(None)
