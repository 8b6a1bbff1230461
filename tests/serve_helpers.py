"""`concur-tui serve` for tests: started on a free loopback port, its log read as it comes, ended with SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

SSH = "/usr/bin/ssh"
SSH_OPTIONS = (
    "-F",
    "/dev/null",  # no user or system configuration: only what the test says
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",  # not the "Permanently added" line
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "IdentityAgent=none",
)


def ssh_command(port: int, *args: str, key: Path | None = None) -> list[str]:
    """`ssh` to the test's server on 127.0.0.1:port; with `key`, only that key is offered."""
    identity = ("-i", str(key)) if key is not None else ("-o", "PubkeyAuthentication=no")
    return [SSH, *SSH_OPTIONS, *identity, "-p", str(port), *args, "127.0.0.1"]


def make_key(path: Path) -> Path:
    """A fresh ed25519 client key at `path` (and `path.pub`)."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path


def descendants(pid: int) -> set[int]:
    """Every living process below `pid` (the sessions' apps and their recordings), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def ended(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state == "Z"


def wait_until(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


class Server:
    """One `concur-tui serve` on 127.0.0.1, port 0 (a free one), its host key in tmp_path's config folder."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"))
        command = [sys.executable, "-m", "tui", "serve", "--port", "0", *args]
        self.process = subprocess.Popen(command, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=env)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.port = int(self.wait_for(r"listening on 127\.0\.0\.1:(\d+)").group(1))
        found = self.find(r"password for this run: (\S+)")
        self.password = found.group(1) if found else None
        self.seen: set[int] = set()
        """Every process ever seen below the server (checked to be gone at the end)."""

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def find(self, pattern: str) -> re.Match[str] | None:
        for line in list(self.lines):
            found = re.search(pattern, line)
            if found:
                return found
        return None

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.find(pattern)
            if found:
                return found
            if self.process.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"the server never logged {pattern!r}:\n" + "\n".join(self.lines))

    def count(self, pattern: str) -> int:
        return sum(1 for line in list(self.lines) if re.search(pattern, line))

    def app_pids(self) -> list[int]:
        return [int(found) for line in list(self.lines) for found in re.findall(r"app pid (\d+)", line)]

    def note_processes(self) -> set[int]:
        now = descendants(self.process.pid)
        self.seen |= now
        return now

    def stop(self) -> int:
        """SIGTERM, as a teacher's Ctrl+C or a service manager does; then nothing it started may remain."""
        self.note_processes()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        finally:
            self._reader.join(timeout=5)
        try:  # an app's recording ends with it, a moment later (the kernel's parent-death signal)
            wait_until(lambda: all(ended(pid) for pid in self.seen), 10, "the sessions' processes to end")
        except AssertionError:
            pass
        left = [pid for pid in self.seen if not ended(pid)]
        for pid in left:  # the test fails below; nothing is left running for the next one
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        assert left == [], f"processes outlived the server: {left}"
        return status
