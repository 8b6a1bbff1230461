"""Provides AppProcess: one viewer's `concur-tui` on a pty of its own, its bytes relayed both ways.

The app is an ordinary `python -m tui FILE --only ...` process (so the
engine's sandbox protects its recordings as it protects anyone's), started in
a new session with the pty as its controlling terminal. Its environment is
built here, never taken from the client: the server's own minus what
describes the server's terminal or holds its secrets, plus the client's TERM
and NO_COLOR.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import struct
import sys
import termios
from collections.abc import Callable
from pathlib import Path

KEPT_VARIABLES = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "PYTHONPATH",
    "PYTHONHOME",
    "VIRTUAL_ENV",
)
"""The server's variables a viewer's app gets: enough to find Python and concur-tui, and the locale.
The rest (tokens, agent sockets, the server's own TERM and COLORTERM) stay with the server."""
DEFAULT_TERM = "xterm-256color"
"""TERM when the client's pty request names none."""
HANGUP_GRACE = 3.0
"""Seconds an app has to end after SIGHUP (it takes one: tui.app._leave) before its group is killed."""
INPUT_HIGH_WATER = 1 << 16
"""Bytes of keyboard input waiting for the app beyond which the client is asked to pause."""


def viewer_environment(term: str | None, no_color: str | None) -> dict[str, str]:
    """The app's environment: KEPT_VARIABLES of the server's, and the client's TERM and NO_COLOR (no other)."""
    env = {name: os.environ[name] for name in KEPT_VARIABLES if name in os.environ}
    env["TERM"] = term or DEFAULT_TERM
    if no_color is not None:
        env["NO_COLOR"] = no_color
    return env


def app_command(programs: list[Path], first: Path | None) -> list[str]:
    """`python -m tui [FIRST] --only P...`, started through tui.serve.tty (which makes the pty its terminal)."""
    app = [sys.executable, "-m", "tui", *([str(first)] if first is not None else [])]
    for program in programs:
        app += ["--only", str(program)]
    return [sys.executable, "-m", "tui.serve.tty", str(os.getpid()), *app]


def set_size(fd: int, columns: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", max(rows, 1), max(columns, 1), 0, 0))


class AppProcess:
    """One viewer's app: a child on a pty; what it writes goes to `on_output`, its exit status to `on_exit`."""

    def __init__(
        self,
        command: list[str],
        env: dict[str, str],
        size: tuple[int, int],
        on_output: Callable[[bytes], None],
        on_exit: Callable[[int], None],
        on_input_full: Callable[[bool], None] = lambda _full: None,
    ) -> None:
        self.command = command
        self.env = env
        self.size = size
        """(columns, rows) of the client's terminal."""
        self.on_output = on_output
        self.on_exit = on_exit
        self.on_input_full = on_input_full
        """Called with True when input backs up (pause the client), False once it has drained."""
        self.process: asyncio.subprocess.Process | None = None
        self._master = -1
        self._pending_input = bytearray()
        self._reading = False
        self._ended = False
        self._watcher: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    async def start(self) -> None:
        master, slave = os.openpty()
        try:
            set_size(slave, *self.size)
            os.set_blocking(master, False)
            self.process = await asyncio.create_subprocess_exec(
                *self.command,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=self.env,
                start_new_session=True,  # its own session and group: SIGHUP reaches it and what it starts
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)  # the app's copy is its own: the pty hangs up when the app's side closes
        self._master = master
        self.resume_output()
        self._watcher = asyncio.get_running_loop().create_task(self._wait())

    def resize(self, columns: int, rows: int) -> None:
        """The client's window changed: the pty takes the size, and the app hears of it (SIGWINCH)."""
        self.size = (columns, rows)
        if self._master < 0 or self._ended:
            return
        with contextlib.suppress(OSError):
            set_size(self._master, columns, rows)
        self._signal(signal.SIGWINCH)

    def write(self, data: bytes) -> None:
        """Keyboard input from the client, for the app."""
        if self._master < 0 or self._ended:
            return
        was_empty = not self._pending_input
        self._pending_input += data
        if was_empty:
            self._flush_input()

    def pause_output(self) -> None:
        """The client reads slower than the app writes: stop reading the pty until it catches up."""
        if self._reading:
            asyncio.get_running_loop().remove_reader(self._master)
            self._reading = False

    def resume_output(self) -> None:
        if not self._reading and self._master >= 0 and not self._ended:
            asyncio.get_running_loop().add_reader(self._master, self._read_output)
            self._reading = True

    async def end(self) -> None:
        """The connection is gone: hang the app up (it ends its recording and exits), killed if it lingers."""
        if self.process is None or self.process.returncode is not None:
            self._close()
            return
        self._signal(signal.SIGHUP)
        try:
            await asyncio.wait_for(asyncio.shield(self.process.wait()), HANGUP_GRACE)
        except TimeoutError:
            self._signal(signal.SIGKILL)
            await self.process.wait()
        self._close()

    def _signal(self, signum: int) -> None:
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signum)  # the app leads its group: it and anything it started

    def _read_output(self) -> None:
        try:
            data = os.read(self._master, 1 << 16)
        except BlockingIOError:
            return
        except OSError:  # EIO: every copy of the app's side is closed
            data = b""
        if data:
            self.on_output(data)
        else:
            self.pause_output()

    def _flush_input(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            written = os.write(self._master, self._pending_input)
        except BlockingIOError:
            written = 0
        except OSError:
            self._pending_input.clear()
            return
        del self._pending_input[:written]
        if self._pending_input:
            loop.add_writer(self._master, self._write_more)
        self.on_input_full(len(self._pending_input) > INPUT_HIGH_WATER)

    def _write_more(self) -> None:
        asyncio.get_running_loop().remove_writer(self._master)
        if self._pending_input:
            self._flush_input()

    async def _wait(self) -> None:
        assert self.process is not None
        status = await self.process.wait()
        self._drain_output()
        self._close()
        self.on_exit(status if status >= 0 else 128 - status)  # killed by signal N: 128 + N, as a shell says

    def _drain_output(self) -> None:
        """What the app wrote last (restoring the client's terminal) is still in the pty: pass it on."""
        if self._master < 0:
            return
        while True:
            try:
                data = os.read(self._master, 1 << 16)
            except OSError:
                return
            if not data:
                return
            self.on_output(data)

    def _close(self) -> None:
        if self._ended:
            return
        self._ended = True
        self.pause_output()
        if self._master >= 0:
            loop = asyncio.get_running_loop()
            loop.remove_writer(self._master)
            os.close(self._master)
            self._master = -1
