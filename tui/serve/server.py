"""Provides the SSH server: who may connect, what they may ask for (a terminal, nothing else), the log.

Everything an SSH client can ask of a server is refused here unless it is a
terminal session: a command, a subsystem (SFTP, scp), port forwarding either
way, agent and X11 forwarding. A refused session says why in one line and
ends with exit status 1; nothing the client sends is run or opened.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.serve.auth import Credentials
from tui.serve.session import AppProcess, app_command, viewer_environment
from tui.serve.ssh import asyncssh

HONOURED_VARIABLES = ("NO_COLOR",)
"""What a client may set in the app's environment (besides TERM, which comes with its pty request)."""
WRONG_PASSWORD_DELAY = 1.0
"""Seconds a wrong password waits before it is answered, as sshd does: guessing goes no faster than typing."""
LOGIN_TIMEOUT = 30.0
"""Seconds a connection has to authenticate."""
KEEPALIVE_INTERVAL = 15.0
KEEPALIVE_COUNT_MAX = 4
"""A client silent for a minute (a cable pulled, a laptop closed) is dropped, and its app with it."""
PREFIX = "concur-tui serve"


def printable(text: object, limit: int = 80) -> str:
    """A client's text (a user name) made safe for the server's log: escapes written out, and kept short."""
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in str(text))
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def log(line: str) -> None:
    """One line on the server's stderr, stamped with the local time and its offset."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    print(f"{stamp} {line}", file=sys.stderr, flush=True)


@dataclass
class Served:
    """What the server offers and to whom: shared by every connection."""

    programs: list[Path]
    """The FILEs and DIRs given (the app's --only)."""
    first: Path | None
    """The program a session opens first, or None for the picker."""
    credentials: Credentials
    max_sessions: int
    apps: set[AppProcess] = field(default_factory=set)
    """The sessions' apps now running."""
    starting: int = 0
    """Sessions accepted whose app has not started yet (they count against the cap too)."""

    def has_room(self) -> bool:
        return len(self.apps) + self.starting < self.max_sessions

    async def end_all(self) -> None:
        await asyncio.gather(*(app.end() for app in list(self.apps)))


class ViewerConnection(asyncssh.SSHServer):
    """One client's connection: its authentication, and the sessions it may open."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self.conn: asyncssh.SSHServerConnection | None = None
        self.peer = "?"
        self.user = "?"
        self.via: str | None = None
        """How it authenticated ("key SHA256:...", "password"), once it has."""
        self.tried: list[str] = []
        self.since = time.monotonic()

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.peer = f"{peer[0]}:{peer[1]}"

    def connection_lost(self, exc: Exception | None) -> None:
        if self.via is None:
            tried = ", ".join(dict.fromkeys(self.tried)) or "nothing"
            log(f"{PREFIX}: refused user={printable(self.user)} from {self.peer}: not authenticated (tried {tried})")
        else:
            seconds = time.monotonic() - self.since
            log(f"{PREFIX}: left user={printable(self.user)} from {self.peer} after {seconds:.0f}s")

    def begin_auth(self, username: str) -> bool:
        self.user = username
        return True  # authentication is always required: there is no way in without it

    def password_auth_supported(self) -> bool:
        return self.served.credentials.password is not None

    async def validate_password(self, username: str, password: str) -> bool:
        self.tried.append("password")
        if self.served.credentials.password_matches(password):
            self.via = "password"
            return True
        await asyncio.sleep(WRONG_PASSWORD_DELAY)
        return False

    def public_key_auth_supported(self) -> bool:
        return self.served.credentials.keys is not None

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        fingerprint = key.get_fingerprint("sha256")
        self.tried.append(f"key {fingerprint}")
        address = self.peer.rsplit(":", 1)[0]  # no reverse lookup: a `from=` pattern matches the address
        if self.served.credentials.key_allowed(key, address, address):
            self.via = f"key {fingerprint}"
            return True
        return False

    def auth_completed(self) -> None:
        self.since = time.monotonic()
        log(f"{PREFIX}: connected user={printable(self.user)} {self.via} from {self.peer}")

    def session_requested(self) -> ViewerSession:
        return ViewerSession(self.served, self.describe)

    def describe(self) -> str:
        return f"user={printable(self.user)} from {self.peer}"

    # Forwarding of any kind is refused (asyncssh's defaults too; said here so that it stays so).

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> bool:
        log(f"{PREFIX}: refused port forwarding to {printable(dest_host)}:{dest_port} for {self.describe()}")
        return False

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        log(f"{PREFIX}: refused remote forwarding from {printable(listen_host)}:{listen_port} for {self.describe()}")
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        log(f"{PREFIX}: refused socket forwarding to {printable(dest_path)} for {self.describe()}")
        return False

    def unix_server_requested(self, listen_path: str) -> bool:
        log(f"{PREFIX}: refused socket forwarding from {printable(listen_path)} for {self.describe()}")
        return False

    def tun_requested(self, unit: int | None) -> bool:
        return False

    def tap_requested(self, unit: int | None) -> bool:
        return False


class ViewerSession(asyncssh.SSHServerSession[bytes]):
    """One terminal session: the app, on a pty the size of the client's terminal; or a one-line refusal."""

    def __init__(self, served: Served, describe: Callable[[], str]) -> None:
        self.served = served
        self.describe = describe
        self.chan: asyncssh.SSHServerChannel[bytes] | None = None
        self.refusal: str | None = None
        self.app: AppProcess | None = None
        """Its app, once started: it holds one of the cap's places (in Served.apps) until it ends."""
        self.closed = False

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self.chan = chan

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self.refusal = f"commands are not served (asked: {printable(command, 60)}); connect with plain ssh"
        return True  # accepted only to say so: the command is never run

    def subsystem_requested(self, subsystem: str) -> bool:
        self.refusal = f"no subsystem is served (asked: {printable(subsystem, 40)}), no SFTP or scp"
        return True  # as for a command: said, never started

    def session_started(self) -> None:
        assert self.chan is not None
        if self.refusal is None and self.chan.get_terminal_type() is None:
            self.refusal = "the app needs a terminal: connect with plain ssh (not ssh -T)"
        if self.refusal is None and not self.served.has_room():
            self.refusal = f"all {self.served.max_sessions} sessions are in use; try again in a while"
        if self.refusal is not None:
            log(f"{PREFIX}: refused a session for {self.describe()}: {self.refusal}")
            self._refuse(self.refusal)
            return
        self.served.starting += 1  # a place taken now: a burst of clients cannot overshoot the cap
        asyncio.get_running_loop().create_task(self._start_app())

    def _refuse(self, message: str) -> None:
        assert self.chan is not None
        self.chan.write_stderr(f"{PREFIX}: {message}\r\n".encode())
        self.chan.exit(1)

    async def _start_app(self) -> None:
        assert self.chan is not None
        chan = self.chan
        columns, rows, _, _ = chan.get_terminal_size()
        env = chan.get_environment()
        no_color = next((str(env[name]) for name in HONOURED_VARIABLES if name in env), None)
        app = AppProcess(
            app_command(self.served.programs, self.served.first),
            viewer_environment(chan.get_terminal_type(), no_color),
            (columns or 80, rows or 24),
            on_output=self._output,
            on_exit=self._app_exited,
            on_input_full=self._input_full,
        )
        try:
            await app.start()
        except OSError as exc:
            self.served.starting -= 1
            log(f"{PREFIX}: could not start an app for {self.describe()}: {exc}")
            if not self.closed:
                self._refuse("the app could not be started here; the server's log says why")
            return
        self.served.starting -= 1
        self.app = app
        self.served.apps.add(app)
        log(f"{PREFIX}: session started for {self.describe()}: app pid {app.pid}, {columns}x{rows}")
        if self.closed:  # the client left while the app was starting
            await self._end_app()

    def _output(self, data: bytes) -> None:
        if self.chan is not None and not self.closed:
            self.chan.write(data)

    def _input_full(self, full: bool) -> None:
        if self.chan is not None and not self.closed:
            (self.chan.pause_reading if full else self.chan.resume_reading)()

    def _app_exited(self, status: int) -> None:
        if self.app is not None:
            self.served.apps.discard(self.app)
        if self.chan is not None and not self.closed:
            self.chan.exit(status)

    def data_received(self, data: bytes, datatype: Any) -> None:
        if self.app is not None and datatype is None:
            self.app.write(data)

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        if self.app is not None:
            self.app.resize(width, height)

    def pause_writing(self) -> None:
        if self.app is not None:
            self.app.pause_output()

    def resume_writing(self) -> None:
        if self.app is not None:
            self.app.resume_output()

    def signal_received(self, signal: str) -> None:
        pass  # a client's signals are not passed on: keys reach the app as keys, through its terminal

    def eof_received(self) -> bool:
        return False  # the client will send no more: the channel closes, and the app is hung up below

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.app is not None:
            asyncio.get_running_loop().create_task(self._end_app())

    async def _end_app(self) -> None:
        if self.app is not None:
            await self.app.end()
            self.served.apps.discard(self.app)


async def start_server(served: Served, host: str, port: int, host_key: asyncssh.SSHKey) -> asyncssh.SSHAcceptor:
    """Listen on host:port; every option that would open more than a terminal is off."""
    return await asyncssh.create_server(
        lambda: ViewerConnection(served),
        host,
        port,
        server_host_keys=[host_key],
        encoding=None,  # bytes both ways: the relay never decodes what it passes on
        line_editor=False,  # the app reads raw keys from its own pty
        allow_pty=True,
        agent_forwarding=False,
        x11_forwarding=False,
        sftp_factory=None,
        allow_scp=False,
        gss_host=None,  # no Kerberos
        kbdint_auth=False,
        host_based_auth=False,
        login_timeout=LOGIN_TIMEOUT,
        keepalive_interval=KEEPALIVE_INTERVAL,
        keepalive_count_max=KEEPALIVE_COUNT_MAX,
        server_version="concur-tui",
    )
