"""Provides Reloading, MainScreen's half that records the program again and keeps the user's place.

In a live-coding walkthrough the presenter saves the program and the room
watches the schedule change: the new recording streams in *behind* the one on
screen, and takes its place only once it has the frame the user was looking
at (tui.trace.place) or is complete. A save that breaks the program (it no
longer compiles) never reaches the screen: its error is said, and the last
good recording stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work

from tui.sources import Recording, SavedTrace, Settings
from tui.trace.live import LiveTrace
from tui.trace.place import Place
from tui.watch import FileWatch

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from tui.trace.model import Trace

WATCH_INTERVAL = 0.25
"""Seconds between looks at the program file: a save is seen within two (FileWatch waits one to settle)."""
FOLD_BUDGET = 0.02
"""Seconds of each UI tick spent folding the recording that is coming in behind the one on screen."""


@dataclass
class Incoming:
    """A recording of the program coming in behind the one on screen, and where to put the user in it."""

    recording: Recording
    live: LiveTrace
    place: Place
    why: str


class Reloading:
    """Mixed into MainScreen: R, watch mode and the editor's saves all record again through `reload`."""

    if TYPE_CHECKING:  # what MainScreen provides
        path: Path
        options: Settings
        saved: bool
        cursor: int
        selected: str | None
        running: bool
        recording: Recording | SavedTrace | None
        live: LiveTrace

        @property
        def trace(self) -> Trace: ...
        def _new_recording(self, started: Recording | None = None) -> Recording: ...
        def refresh_views(self) -> None: ...
        def say(self, message: str, *, severity: SeverityLevel = "information") -> None: ...
        def _read_lines(self, recording: Recording | SavedTrace, live: LiveTrace) -> None: ...
        def forget_scheduling(self) -> None: ...

    incoming: Incoming | None = None
    file_watch: FileWatch | None = None

    watch_wanted = False

    def start_watching(self, enabled: bool) -> None:
        """Watch mode: re-record whenever the program file is saved (not for a saved trace: nothing to run)."""
        self.watch_wanted = enabled
        self.file_watch = FileWatch(str(self.path)) if enabled and not self.saved else None

    def _poll_file(self) -> None:
        watch = self.file_watch
        if watch is not None and watch.path == str(self.path) and watch.changed():
            self.reload(f"{self.path.name} changed: recording it again")

    def edited(self, path: Path, data: bytes) -> None:
        """The editor saved `data` to `path`: record it again, keeping the place (a first copy becomes the program)."""
        if path != self.path or self.saved:
            self.path, self.saved = path, False
            self.start_watching(self.watch_wanted)
        if self.file_watch is not None:
            self.file_watch.accept(data)
        self.reload(f"Saved {path.name}: recording it again")

    def reload(self, why: str) -> None:
        """Record the program again behind the screen; it is shown once the user's place is in it."""
        if self.saved:
            self.say("This is a saved trace: there is no program to record again", severity="warning")
            return
        self.forget_scheduling()  # its answers were for the program as it was
        self.cancel_incoming()
        recording = self._new_recording()
        live = LiveTrace(recording.malformed)
        self.incoming = Incoming(recording, live, Place.of(self.trace, self.cursor), why)
        self.say(why)
        self._read_incoming(recording, live)

    @work(thread=True, exclusive=False, group="incoming")
    def _read_incoming(self, recording: Recording, live: LiveTrace) -> None:
        self._read_lines(recording, live)

    def cancel_incoming(self) -> None:
        incoming, self.incoming = self.incoming, None
        if incoming is not None:
            incoming.live.close()
            incoming.recording.cancel()

    def fold_incoming(self) -> None:
        """UI tick: fold what has come in of the new recording; show it once it has the user's place."""
        incoming = self.incoming
        if incoming is None:
            return
        live = incoming.live
        if live.pending:
            live.fold(FOLD_BUDGET)
        trace = live.trace
        if trace.complete and trace.outcome == "error" and len(self.trace):
            # It could not be read or compiled: nothing of it is worth showing over a good one.
            self.incoming = None
            error = (trace.summary or {}).get("error") or "it could not be recorded"
            self.say(f"Kept the last good recording: {error}", severity="error")
            return
        if trace.complete and not len(trace):
            self._show_incoming(incoming, -1)  # no frame to keep a place in: its error is what there is to see
            return
        found = incoming.place.find(trace)
        if found is not None:
            self._show_incoming(incoming, found)

    def _show_incoming(self, incoming: Incoming, index: int) -> None:
        if self.recording is not None:
            self.recording.cancel()
        self.live.close()
        self.recording, self.live, self.incoming = incoming.recording, incoming.live, None
        self.running = False
        if self.selected is not None and not len(self.trace.frames_of(self.selected)):
            self.selected = None
        if self.cursor == index:
            self.refresh_views()  # the same index, but another trace: the reactive would not fire
        else:
            self.cursor = index
