"""Provides ConcurApp: the stepping TUI. It views a trace; it never imports or runs user code."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from pathlib import Path

from textual.app import App

from tui.scenarios import Scenario
from tui.screens.main import MainScreen
from tui.sources import Recording, Settings

LEAVING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
"""Signals that end the app the way `q` does."""


class ConcurApp(App[int]):
    """A thin shell: the MainScreen records the program and does the stepping."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "concur-tui"
    COMMANDS = set()  # the palette lists the stepping screen's own keys (MainScreen.COMMANDS), nothing else

    def __init__(
        self,
        path: Path,
        options: Settings | None = None,
        *,
        saved: bool = False,
        recording: Recording | None = None,
        watch: bool = False,
        start_at: int | None = None,
        only: list[Scenario] | None = None,
        pick: bool = False,
    ) -> None:
        super().__init__()
        self.path = path
        self.options = options or Settings()
        self.saved = saved
        """`path` is a saved trace (JSON Lines) to view rather than a program to record."""
        self.recording = recording
        """A recording of `path` already started (the CLI starts it before loading the app), to show first."""
        self.kept_edits: list[Path] = []
        """Where unsaved edits were written when a signal ended the app (see _leave)."""
        self.watch_file = watch
        """Watch mode: record the program again whenever its file is saved."""
        self.start_at = start_at
        """The frame (from 1) to open at (--start-at)."""
        self.only = only
        """A served session's programs (--only): the only ones it opens, and it writes no file."""
        self.pick = pick
        """Open the picker over the first program at start (a served folder: the viewer chooses)."""

    def on_mount(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in LEAVING_SIGNALS:
            loop.add_signal_handler(signum, self._leave, signum)
        self.push_screen(
            MainScreen(
                self.path,
                self.options,
                saved=self.saved,
                recording=self.recording,
                watch=self.watch_file,
                start_at=self.start_at,
                only=self.only,
            )
        )
        if self.pick:
            self.call_after_refresh(self.main.action_open)
        from tui.engine.cpython import SUPPORT_NOTE

        if SUPPORT_NOTE:  # the same line the CLI printed, where the user is looking now
            self.notify(SUPPORT_NOTE.removeprefix("concur-tui: "), severity="warning", timeout=15, markup=False)

    def action_command_palette(self) -> None:
        """Ctrl+P: the palette of the stepping screen's keys (tui.screens.commands), imported when first opened."""
        from textual.command import CommandPalette

        from tui.screens.commands import KeyPalette

        if self.use_command_palette and not any(isinstance(s, CommandPalette) for s in self.screen_stack):
            self.push_screen(KeyPalette(id="--command-palette"))

    def _leave(self, signum: int) -> None:
        """SIGTERM or SIGHUP: stop the recording and exit as `q` does, so the terminal is restored
        (alternate screen left, cursor shown, mouse reporting off) and nothing is left running.
        Unsaved edits are kept in a copy beside the program, said on stderr once the terminal is back."""
        self.kept_edits = self._keep_unsaved_edits()
        self.stop_recording()
        self.exit(128 + signum)
        # A closed terminal may not take the restoring writes: leave within a second regardless.
        threading.Timer(1.0, os._exit, (128 + signum,)).start()

    async def action_quit(self) -> None:
        """ctrl+q: as `q`, except that an editor with unsaved changes asks first."""
        from tui.screens.editor import EditorScreen

        if any(isinstance(screen, EditorScreen) and screen.dirty for screen in self.screen_stack):
            if isinstance(self.screen, EditorScreen):
                self.screen.action_quit()
            else:
                self.bell()  # the question about them is open already
            return
        self.exit()

    def _keep_unsaved_edits(self) -> list[Path]:
        from tui.screens.editor import EditorScreen

        editors = [screen for screen in self.screen_stack if isinstance(screen, EditorScreen)]
        return [copy for copy in (editor.recovery_copy() for editor in editors) if copy is not None]

    def stop_recording(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen) and screen.recording is not None:
                screen.recording.cancel()

    @property
    def main(self) -> MainScreen:
        screen = self.screen_stack[1] if len(self.screen_stack) > 1 else self.screen
        assert isinstance(screen, MainScreen)
        return screen


def run_app(
    path: Path,
    options: Settings,
    *,
    saved: bool = False,
    recording: Recording | None = None,
    watch: bool = False,
    start_at: int | None = None,
    only: list[Scenario] | None = None,
    pick: bool = False,
) -> int:
    app = ConcurApp(
        path, options, saved=saved, recording=recording, watch=watch, start_at=start_at, only=only, pick=pick
    )
    try:
        app.run()
    finally:
        app.stop_recording()  # however the app ended, the recording process ends with it
        if recording is not None:
            recording.cancel()  # the one started for it, even if no screen ever took it
        for copy in app.kept_edits:
            print(f"concur-tui: unsaved edits were kept in {copy}", file=sys.stderr)
    return app.return_code or 0
