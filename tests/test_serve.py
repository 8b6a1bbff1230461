"""`concur-tui serve` over real SSH connections on loopback: OpenSSH's `ssh` in tmux, and asyncssh's client.

Each test starts its own server on a free port (tests/serve_helpers.py) and
ends it with SIGTERM, checking that no process it started is left.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_helpers import SSH, Server, descendants, ended, make_key, ssh_command, wait_until
from tmux_helpers import Tmux

from tui.scenarios import bundled_dir

pytestmark = [
    pytest.mark.slow,  # every test starts a server, ssh clients and apps
    pytest.mark.skipif(not Path(SSH).exists(), reason="needs OpenSSH's client (.ci/run installs openssh-client)"),
]

LESSON = bundled_dir() / "04_lock_contention.py"


@pytest.fixture
def key(tmp_path: Path) -> Path:
    return make_key(tmp_path / "viewer_key")


@pytest.fixture
def keyed(tmp_path: Path, key: Path) -> Iterator[Server]:
    """A server of LESSON that lets in `key` only."""
    authorized = tmp_path / "authorized_keys"
    authorized.write_text(Path(f"{key}.pub").read_text())
    server = Server(tmp_path, str(LESSON), "--authorized-keys", str(authorized))
    yield server
    assert server.stop() == 0


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    assert shutil.which("tmux"), "tmux is needed for this test (.ci/run installs it)"
    panes = Tmux("concur-tui-serve", tmp_path)
    yield panes
    panes.close()


def _ssh_in_tmux(tmux: Tmux, tmp_path: Path, command: list[str], name: str = "t") -> Path:
    """Run `command` in a new tmux session `name`; its exit status lands in the file returned."""
    status = tmp_path / f"{name}.status"
    line = shlex.join(command) + f"; echo $? > {status}; sleep 60"
    tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "36", line)
    return status


def _screen(tmux: Tmux, name: str) -> str:
    return tmux("capture-pane", "-t", name, "-p")


def _wait_screen(tmux: Tmux, name: str, needle: str, timeout: float = 30) -> str:
    try:
        wait_until(lambda: needle in _screen(tmux, name), timeout, f"{needle!r} in pane {name}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}:\n{_screen(tmux, name)}") from None
    return _screen(tmux, name)


def _frame_total(screen: str) -> int:
    return int(screen.split("frame 1/")[1].split()[0])


def test_a_viewer_steps_with_right_and_quits_with_q(keyed: Server, key: Path, tmux: Tmux, tmp_path: Path) -> None:
    """The whole path: key accepted, `frame 1/n`, Right steps, q ends the session and ssh with status 0.
    The app's environment holds the client's TERM and NO_COLOR, and nothing else the client sent."""
    command = ssh_command(keyed.port, "-o", "SetEnv=NO_COLOR=1 SECRET_FROM_CLIENT=x", key=key)
    status = _ssh_in_tmux(tmux, tmp_path, command)
    screen = _wait_screen(tmux, "t", "completed")
    total = _frame_total(screen)
    tmux("send-keys", "-t", "t", "Right")
    _wait_screen(tmux, "t", f"frame 2/{total}")
    assert "1:Source" not in _screen(tmux, "t")
    tmux("resize-window", "-t", "t", "-x", "90", "-y", "30")  # the client's window shrinks: the app follows
    _wait_screen(tmux, "t", "1:Source")  # the compact layout's tabs, below 120 columns
    keyed.note_processes()
    (app,) = keyed.app_pids()
    env = dict(item.split("=", 1) for item in Path(f"/proc/{app}/environ").read_text().split("\0") if "=" in item)
    assert env["NO_COLOR"] == "1"
    assert env["TERM"].startswith(("tmux", "screen"))  # the client's terminal's, not the server's
    assert "SECRET_FROM_CLIENT" not in env
    fingerprint = keyed.wait_for(r"connected user=\S+ key (SHA256:\S+) from 127\.0\.0\.1:\d+").group(1)
    assert fingerprint in subprocess.run(["ssh-keygen", "-lf", f"{key}.pub"], capture_output=True, text=True).stdout
    tmux("send-keys", "-t", "t", "q")
    wait_until(status.exists, 20, "ssh to end after q")
    assert status.read_text().strip() == "0"
    assert "frame" not in _screen(tmux, "t")  # the app restored the client's terminal
    wait_until(lambda: ended(app), 10, "the app to end")
    keyed.wait_for(r"left user=\S+ from 127\.0\.0\.1")


def test_the_one_time_password_lets_in_and_a_wrong_one_does_not(tmp_path: Path, tmux: Tmux) -> None:
    server = Server(tmp_path, str(LESSON))
    try:
        assert server.password and len(server.password) >= 15
        wrong = ssh_command(server.port, "-o", "NumberOfPasswordPrompts=1")
        status = _ssh_in_tmux(tmux, tmp_path, wrong, name="wrong")
        _wait_screen(tmux, "wrong", "password:")
        tmux("send-keys", "-t", "wrong", "not-the-password", "Enter")
        _wait_screen(tmux, "wrong", "Permission denied")
        wait_until(status.exists, 10, "ssh to give up")
        assert status.read_text().strip() == "255"
        right = _ssh_in_tmux(tmux, tmp_path, ssh_command(server.port), name="right")
        _wait_screen(tmux, "right", "password:")
        tmux("send-keys", "-t", "right", server.password, "Enter")
        _wait_screen(tmux, "right", "frame 1/")
        server.wait_for(r"connected user=\S+ password from 127\.0\.0\.1")
        server.note_processes()
        tmux("send-keys", "-t", "right", "q")
        wait_until(right.exists, 20, "ssh to end after q")
        server.wait_for(r"refused user=\S+ from 127\.0\.0\.1:\d+: not authenticated \(tried password\)")
    finally:
        assert server.stop() == 0


def _batch(port: int, *args: str, key: Path | None = None) -> subprocess.CompletedProcess[str]:
    """ssh without a terminal or any prompt: what it printed, and its status."""
    command = ssh_command(port, "-o", "BatchMode=yes", *args, key=key)
    return subprocess.run(command, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)


def test_an_unlisted_key_and_no_authentication_are_refused(keyed: Server, tmp_path: Path) -> None:
    stranger = make_key(tmp_path / "stranger")
    done = _batch(keyed.port, "-tt", key=stranger)
    assert done.returncode == 255
    assert "Permission denied (publickey)" in done.stderr
    nothing = _batch(keyed.port, "-tt", "-o", "PreferredAuthentications=none")
    assert nothing.returncode == 255
    assert "Permission denied" in nothing.stderr
    assert keyed.app_pids() == []
    keyed.wait_for(r"refused user=\S+ from 127\.0\.0\.1:\d+: not authenticated \(tried key SHA256:")


def test_a_password_server_refuses_no_authentication_and_keys(tmp_path: Path, key: Path) -> None:
    server = Server(tmp_path, str(LESSON))
    try:
        assert _batch(server.port, "-tt", "-o", "PreferredAuthentications=none").returncode == 255
        offered = _batch(server.port, "-tt", "-o", "PreferredAuthentications=publickey", key=key)
        assert offered.returncode == 255
        assert "Permission denied" in offered.stderr
        assert server.app_pids() == []
    finally:
        assert server.stop() == 0


def test_a_command_a_subsystem_and_forwarding_are_refused_never_run(keyed: Server, key: Path) -> None:
    command = subprocess.run(
        [*ssh_command(keyed.port, "-o", "BatchMode=yes", key=key), "cat", "/etc/passwd"],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert command.returncode == 1
    assert "commands are not served" in command.stderr
    assert "root:" not in command.stdout + command.stderr
    sftp = subprocess.run(
        [*ssh_command(keyed.port, "-o", "BatchMode=yes", "-s", key=key), "sftp"],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert sftp.returncode == 1
    assert "no subsystem is served" in sftp.stderr
    no_terminal = _batch(keyed.port, "-T", key=key)
    assert no_terminal.returncode == 1
    assert "needs a terminal" in no_terminal.stderr
    forward = _batch(keyed.port, "-N", "-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:9", key=key)
    assert forward.returncode == 255
    assert "forwarding failed" in forward.stderr
    assert keyed.app_pids() == []


def test_a_dropped_client_ends_its_app_only(keyed: Server, key: Path, tmux: Tmux, tmp_path: Path) -> None:
    _ssh_in_tmux(tmux, tmp_path, ssh_command(keyed.port, key=key), name="gone")
    _ssh_in_tmux(tmux, tmp_path, ssh_command(keyed.port, key=key), name="stays")
    _wait_screen(tmux, "gone", "frame 1/")
    total = _frame_total(_wait_screen(tmux, "stays", "completed"))
    wait_until(lambda: len(keyed.app_pids()) == 2, 10, "two sessions")
    keyed.note_processes()
    shell = int(tmux("display-message", "-p", "-t", "gone", "#{pane_pid}").strip())
    (gone_ssh,) = [pid for pid in descendants(shell) if Path(f"/proc/{pid}/comm").read_text().strip() == "ssh"]
    before = keyed.count("left user=")
    os.kill(gone_ssh, signal.SIGKILL)  # the client vanishes: no goodbye on the connection
    wait_until(lambda: keyed.count("left user=") > before, 15, "the server to see the client gone")
    apps = keyed.app_pids()
    wait_until(lambda: sum(ended(pid) for pid in apps) == 1, 10, "the dropped session's app to end")
    assert keyed.process.poll() is None
    tmux("send-keys", "-t", "stays", "Right")
    _wait_screen(tmux, "stays", f"frame 2/{total}")


def test_one_session_over_the_cap_is_refused_in_one_line(tmp_path: Path, key: Path, tmux: Tmux) -> None:
    authorized = tmp_path / "authorized_keys"
    authorized.write_text(Path(f"{key}.pub").read_text())
    server = Server(tmp_path, str(LESSON), "--authorized-keys", str(authorized), "--max-sessions", "1")
    try:
        _ssh_in_tmux(tmux, tmp_path, ssh_command(server.port, key=key), name="first")
        _wait_screen(tmux, "first", "frame 1/")
        server.note_processes()
        refused = _batch(server.port, "-tt", key=key)
        assert refused.returncode == 1
        assert "all 1 sessions are in use; try again in a while" in refused.stdout + refused.stderr
        assert len(server.app_pids()) == 1
    finally:
        assert server.stop() == 0


async def _viewers(port: int, key: Path, count: int) -> list[str]:
    """`count` clients at once through asyncssh's client API, each with a pty; what each saw first."""
    from tui.serve.ssh import asyncssh

    client_key = asyncssh.read_private_key(key)

    async def one() -> str:
        async with asyncssh.connect(
            "127.0.0.1", port, client_keys=[client_key], known_hosts=None, username="viewer", agent_path=None
        ) as conn:
            process = await conn.create_process(term_type="xterm-256color", term_size=(100, 30), encoding=None)
            seen = b""
            while b"frame " not in seen:
                chunk = await process.stdout.read(1 << 16)
                if not chunk:
                    break
                seen += chunk
            process.stdin.write(b"q")
            await asyncio.wait_for(process.wait_closed(), 30)
            return seen.decode("utf-8", "replace")

    return await asyncio.wait_for(asyncio.gather(*(one() for _ in range(count))), 75)


def test_twenty_viewers_at_once_each_get_a_working_app(keyed: Server, key: Path) -> None:
    seen = asyncio.run(_viewers(keyed.port, key, 20))
    assert all("frame " in screen for screen in seen)
    assert len(keyed.app_pids()) == 20
    keyed.note_processes()
    assert keyed.count("connected user=viewer key SHA256:") == 20


def test_stopping_the_server_ends_every_session(keyed: Server, key: Path, tmux: Tmux, tmp_path: Path) -> None:
    status = _ssh_in_tmux(tmux, tmp_path, ssh_command(keyed.port, key=key))
    _wait_screen(tmux, "t", "frame 1/")
    keyed.note_processes()
    keyed.process.send_signal(signal.SIGINT)  # Ctrl+C in the teacher's terminal
    assert keyed.process.wait(timeout=20) == 0
    wait_until(status.exists, 15, "the client's ssh to end with the server")
    wait_until(lambda: all(ended(pid) for pid in keyed.app_pids()), 10, "the apps to end")
    keyed.wait_for(r"stopped; 1 session\(s\) ended")


def test_the_host_key_is_made_once_and_kept_private(keyed: Server, tmp_path: Path) -> None:
    path = tmp_path / "config" / "concur-tui" / "ssh_host_ed25519_key"
    assert path.stat().st_mode & 0o777 == 0o600
    printed = keyed.wait_for(r"host key (SHA256:\S+) \(made now, kept in (.+)\)")
    assert printed.group(2) == str(path)
    again = Server(tmp_path, str(LESSON))
    try:
        assert again.wait_for(r"host key (SHA256:\S+) \(kept in").group(1) == printed.group(1)
    finally:
        assert again.stop() == 0
    path.chmod(0o644)
    done = subprocess.run(
        [sys.executable, "-m", "tui", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        env=dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config")),
    )
    assert done.returncode == 2
    assert "can be read by others" in done.stderr


def test_a_viewer_opens_only_the_served_programs_and_writes_nothing(tmp_path: Path, key: Path, tmux: Tmux) -> None:
    """A served folder opens on its picker: its programs, no path box; e (which would write) is off."""
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("first_demo", "second_demo"):
        (folder / f"{name}.py").write_text(f'"""The {name} lesson."""\nprint("{name}")\n')
    authorized = tmp_path / "authorized_keys"
    authorized.write_text(Path(f"{key}.pub").read_text())
    server = Server(tmp_path, str(folder), "--authorized-keys", str(authorized))
    try:
        _ssh_in_tmux(tmux, tmp_path, ssh_command(server.port, key=key))
        screen = _wait_screen(tmux, "t", "Open a served program")
        assert "first_demo" in screen and "second_demo" in screen
        assert "path/to/your_program.py" not in screen
        server.note_processes()
        tmux("send-keys", "-t", "t", "Escape")
        wait_until(lambda: "Open a served program" not in _screen(tmux, "t"), 15, "the picker to close")
        tmux("send-keys", "-t", "t", "e")
        _wait_screen(tmux, "t", "off in a served session")
        tmux("send-keys", "-t", "t", "q")
    finally:
        assert server.stop() == 0
