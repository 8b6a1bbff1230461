"""A recording started before it is read (the CLI starts it while the app loads) reads as one started by reading."""

from __future__ import annotations

import os

import pytest

from tui.scenarios import bundled_dir
from tui.sources import Recording, Settings

pytestmark = pytest.mark.slow  # every test starts the recording process

LOCK = str(bundled_dir() / "04_lock_contention.py")


def test_a_recording_started_early_reads_the_same_lines() -> None:
    early = Recording(LOCK, Settings())
    early.start()
    assert early.process is not None
    early.start()  # a second start is nothing: one process
    pid = early.process.pid
    lines = list(early.lines())
    assert early.process.pid == pid
    assert lines == list(Recording(LOCK, Settings()).lines())
    assert (early.summary or {}).get("outcome") == "completed"


def test_cancelling_a_recording_never_read_ends_it_and_closes_its_pipe() -> None:
    recording = Recording(LOCK, Settings())
    recording.start()
    assert recording.process is not None and recording._started is not None
    pipe = recording._started[0]
    recording.cancel()
    assert recording.process.poll() is not None
    with pytest.raises(OSError):
        os.fstat(pipe)
    assert list(recording.lines()) == []  # cancelled: nothing more is recorded


def test_a_recording_cancelled_before_it_starts_never_starts() -> None:
    recording = Recording(LOCK, Settings())
    recording.cancel()
    recording.start()
    assert recording.process is None
