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


def _children(pid: int) -> list[int]:
    """Child processes of `pid`, started by any of its threads (the app records from a worker thread)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            pass
    return found


def _ended(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"


@pytest.mark.slow
@pytest.mark.parametrize("signum", ["TERM", "HUP", "KILL"])
def test_a_signalled_app_leaves_no_recording_behind_and_restores_the_terminal(tmp_path: Path, signum: str) -> None:
    """SIGTERM and SIGHUP end the app as q does; even SIGKILL takes the recording process with it."""
    assert shutil.which("tmux"), "tmux is needed for this test (.ci/run installs it)"
    program = tmp_path / "spin.py"
    program.write_text("x = 0\nwhile True:\n    x += 1\n")
    session = f"concur-tui-signal-{os.getpid()}-{signum}"
    command = f"{sys.executable} -m tui {program} --step-timeout 60; sleep 30"
    env = {key: value for key, value in os.environ.items() if not key.startswith("TMUX")}
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "36", command], check=True, env=env)
    try:
        _wait_for(session, "frame")
        shell = int(_tmux("display", "-p", "-t", session, "#{pane_pid}").strip())
        app = _children(shell)[0]
        deadline = time.monotonic() + 30
        while not _children(app) and time.monotonic() < deadline:
            time.sleep(0.05)
        recording = _children(app)[0]
        subprocess.run(["kill", f"-{signum}", str(app)], check=True)
        deadline = time.monotonic() + 1.5
        while not (_ended(recording) and _ended(app)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _ended(app)
        assert _ended(recording), "the recording process outlived the app"
        if signum != "KILL":  # a killed process cannot restore anything; the others must
            flags = _tmux("display", "-p", "-t", session, "#{alternate_on} #{cursor_flag} #{mouse_any_flag}")
            assert flags.split() == ["0", "1", "0"]  # alternate screen left, cursor shown, mouse off
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
