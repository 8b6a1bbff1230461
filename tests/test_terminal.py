"""concur-tui in a real terminal (tmux): the frame counter moves both ways and q exits cleanly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui.scenarios import bundled_dir


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def _wait_for(session: str, needle: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux("capture-pane", "-t", session, "-p")
        if needle in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} never appeared on screen:\n{screen}")


@pytest.mark.slow
def test_stepping_in_tmux_and_quitting_with_q(tmp_path: Path) -> None:
    assert shutil.which("tmux"), "tmux is needed for this test (.ci/run installs it)"
    session = f"concur-tui-test-{os.getpid()}"
    status = tmp_path / "status"
    scenario = bundled_dir() / "04_lock_contention.py"
    command = f"{sys.executable} -m tui {scenario}; echo $? > {status}; sleep 30"
    env = {key: value for key, value in os.environ.items() if not key.startswith("TMUX")}
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "36", command], check=True, env=env)
    try:
        screen = _wait_for(session, "completed")
        total = int(screen.split("frame 1/")[1].split()[0])
        assert total > 10
        _tmux("send-keys", "-t", session, "Right", "Right", "Right")
        _wait_for(session, f"frame 4/{total}")
        _tmux("send-keys", "-t", session, "Left")
        _wait_for(session, f"frame 3/{total}")
        _tmux("send-keys", "-t", session, "End")
        _wait_for(session, f"frame {total}/{total}")
        _tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 15
        while not status.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status.read_text().strip() == "0"
        after = _tmux("capture-pane", "-t", session, "-p")
        assert "frame" not in after  # the app's screen is gone: the terminal was restored
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
