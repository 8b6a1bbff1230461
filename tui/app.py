"""Provides ConcurApp: the stepping TUI. It views a trace; it never imports or runs user code."""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from tui.recording import RecordOptions
from tui.screens.main import MainScreen


class ConcurApp(App[int]):
    """A thin shell: the MainScreen records the program and does the stepping."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "concur-tui"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, path: Path, options: RecordOptions | None = None, *, saved: bool = False) -> None:
        super().__init__()
        self.path = path
        self.options = options or RecordOptions()
        self.saved = saved
        """`path` is a saved trace (JSON Lines) to view rather than a program to record."""

    def on_mount(self) -> None:
        self.push_screen(MainScreen(self.path, self.options, saved=self.saved))
        from tui.engine.cpython import SUPPORT_NOTE

        if SUPPORT_NOTE:  # the same line the CLI printed, where the user is looking now
            self.notify(SUPPORT_NOTE.removeprefix("concur-tui: "), severity="warning", timeout=15, markup=False)

    @property
    def main(self) -> MainScreen:
        screen = self.screen_stack[1] if len(self.screen_stack) > 1 else self.screen
        assert isinstance(screen, MainScreen)
        return screen


def run_app(path: Path, options: RecordOptions) -> int:
    app = ConcurApp(path, options)
    app.run()
    return app.return_code or 0
