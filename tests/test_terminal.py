"""concur-tui in a real terminal (tmux): the frame counter moves both ways and q exits cleanly."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tmux_helpers import Tmux

from tui.scenarios import bundled_dir


def _open(name: str, tmp_path: Path, command: str) -> Tmux:
    """`command` in session "t" of a tmux server of this test's own: on the shared default server, a
    session started as another test's last one ends fails ("server exited unexpectedly")."""
    tmux = Tmux(name, tmp_path)
    tmux("new-session", "-d", "-s", "t", "-x", "120", "-y", "36", command)
    return tmux


@pytest.mark.slow
def test_stepping_in_tmux_and_quitting_with_q(tmp_path: Path) -> None:
    assert shutil.which("tmux"), "tmux is needed for this test (.ci/run installs it)"
    status = tmp_path / "status"
    scenario = bundled_dir() / "04_lock_contention.py"
    command = f"{sys.executable} -m tui {scenario}; echo $? > {status}; sleep 30"
    tmux = _open("concur-tui-test", tmp_path, command)
    try:
        screen = tmux.wait_for("completed", timeout=30)
        total = int(screen.split("frame 1/")[1].split()[0])
        assert total > 10
        tmux("send-keys", "-t", "t", "Right", "Right", "Right")
        tmux.wait_for(f"frame 4/{total}", timeout=30)
        tmux("send-keys", "-t", "t", "Left")
        tmux.wait_for(f"frame 3/{total}", timeout=30)
        tmux("send-keys", "-t", "t", "End")
        tmux.wait_for(f"frame {total}/{total}", timeout=30)
        tmux("send-keys", "-t", "t", "q")
        deadline = time.monotonic() + 15
        while not status.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status.read_text().strip() == "0"
        after = tmux.screen()
        assert "frame" not in after  # the app's screen is gone: the terminal was restored
    finally:
        tmux.close()


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
    command = f"{sys.executable} -m tui {program} --step-timeout 60; sleep 30"
    tmux = _open(f"concur-tui-signal-{signum}", tmp_path, command)
    try:
        tmux.wait_for("frame", timeout=30)
        shell = int(tmux("display", "-p", "-t", "t", "#{pane_pid}").strip())
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
            flags = tmux("display", "-p", "-t", "t", "#{alternate_on} #{cursor_flag} #{mouse_any_flag}")
            assert flags.split() == ["0", "1", "0"]  # alternate screen left, cursor shown, mouse off
    finally:
        tmux.close()
