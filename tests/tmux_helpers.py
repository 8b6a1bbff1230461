"""A private tmux server for terminal tests: its own socket, clipboard writes on, nothing shared with the user's."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

HOSTILE = Path(__file__).parent / "data" / "hostile"


class Tmux:
    """One tmux server (`tmux -L NAME`) with `set-clipboard on`, so an OSC 52 from a pane fills a paste buffer."""

    def __init__(self, name: str, tmp_path: Path) -> None:
        assert shutil.which("tmux"), "tmux is needed for this test (.ci/run installs it)"
        self.socket = f"{name}-{os.getpid()}"
        self.config = tmp_path / "tmux.conf"
        self.config.write_text("set -g set-clipboard on\nset -g history-limit 5000\n")
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("TMUX")}

    def __call__(self, *args: str) -> str:
        command = ["tmux", "-u", "-L", self.socket, "-f", str(self.config), *args]
        return subprocess.run(command, capture_output=True, text=True, check=True, env=self.env).stdout

    def start(self, command: str, go: Path, width: int = 120, height: int = 36) -> None:
        """Run `command` in a new pane once the pane's title is a known one (`before`), so a change shows.

        The pane waits for the file `go` before running it: no output can race the title set here.
        """
        waiting = f"while [ ! -e {go} ]; do sleep 0.05; done; {command}"
        self("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), waiting)
        self("select-pane", "-t", "t", "-T", "before")
        assert self.title() == "before"
        go.touch()

    def screen(self, *, history: bool = False) -> str:
        return self("capture-pane", "-t", "t", "-p", *(("-S", "-") if history else ()))

    def title(self) -> str:
        return self("display-message", "-p", "-t", "t", "#{pane_title}").strip()

    def buffers(self) -> str:
        return self("list-buffers").strip()

    def wait_for(self, needle: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if needle in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} never appeared on screen:\n{screen}")

    def close(self) -> None:
        """Stop this server and remove its socket (a killed server leaves the file behind)."""
        found = subprocess.run(
            ["tmux", "-L", self.socket, "display-message", "-p", "#{socket_path}"], capture_output=True, text=True
        )
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, env=self.env)
        if found.returncode == 0 and found.stdout.strip():
            Path(found.stdout.strip()).unlink(missing_ok=True)
