"""Provides Recording: starts the recording process and streams its trace lines back.

Both the CLI and the TUI use this; neither ever imports or runs user code.
The program runs in a child process, so whatever it does (loops forever,
crashes the interpreter, calls os._exit) the viewer stays alive and always
gets a summary line to show.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

from tui.engine.settings import Settings
from tui.trace.format import FORMAT_NAME, FORMAT_VERSION

STALL_GRACE = 5.0
"""Seconds past the step timeout before a silent recording process is killed."""


RecordOptions = Settings
"""How to record (seed, limits, the GIL and network model); see tui.engine.settings."""


def summary_line(outcome: str, **fields: Any) -> str:
    return json.dumps({"summary": {"outcome": outcome, "frames": 0, **fields}})


class Recording:
    """One run of `python -m tui.engine.record`; iterate it for trace lines (str, no newline)."""

    def __init__(self, path: str, options: RecordOptions | None = None) -> None:
        self.path = path
        self.options = options or RecordOptions()
        self.process: subprocess.Popen[bytes] | None = None
        self.summary: dict[str, Any] | None = None
        self.frames_seen = 0
        self._cancelled = False

    def _command(self, out_fd: int) -> list[str]:
        return [sys.executable, "-m", "tui.engine.record", self.path, "--out-fd", str(out_fd), *self.options.argv()]

    def lines(self) -> Iterator[str]:
        """Yield each line as it arrives (str, no newline); the last one is always a summary."""
        pending = b""
        for chunk in self.chunks():
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                yield raw.decode("utf-8", "replace")

    def chunks(self) -> Iterator[bytes]:
        """Yield the trace as raw bytes, whole lines only; the last line is always a summary."""
        read_fd, write_fd = os.pipe()
        env = dict(os.environ, PYTHONHASHSEED="0", PYTHONIOENCODING="utf-8")
        env.pop("PYTHONSTARTUP", None)
        with tempfile.TemporaryFile() as diagnostics:
            try:
                self.process = subprocess.Popen(
                    self._command(write_fd),
                    stdin=subprocess.DEVNULL,
                    stdout=diagnostics,
                    stderr=diagnostics,
                    pass_fds=(write_fd,),
                    env=env,
                )
            finally:
                os.close(write_fd)
            try:
                yield from self._read(read_fd, diagnostics)
            finally:
                os.close(read_fd)
                self._reap()

    def _read(self, fd: int, diagnostics: Any) -> Iterator[bytes]:
        stall_limit = self.options.step_timeout + STALL_GRACE
        selector = selectors.DefaultSelector()
        selector.register(fd, selectors.EVENT_READ)
        partial = b""  # bytes after the last newline seen
        last_line = b""
        try:
            while True:
                if not selector.select(timeout=stall_limit):
                    if self._cancelled:
                        return
                    self._kill()
                    yield self._stalled_summary().encode() + b"\n"
                    return
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                newline = chunk.rfind(b"\n")
                if newline < 0:
                    partial += chunk
                    continue
                whole = partial + chunk[: newline + 1]
                partial = chunk[newline + 1 :]
                previous = whole.rfind(b"\n", 0, len(whole) - 1)
                last_line = whole[previous + 1 : -1]
                self.frames_seen += whole.count(b"\n")
                yield whole
        finally:
            selector.close()
        if last_line.startswith(b'{"summary"'):
            self.frames_seen -= 1
            self.summary = json.loads(last_line)["summary"]
        elif not self._cancelled:
            yield self._crashed_summary(diagnostics, last_line).encode() + b"\n"

    def _reap(self) -> None:
        process = self.process
        if process is None:
            return
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._kill()

    def _kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def cancel(self) -> None:
        """Stop the recording process (a viewer closing or re-recording)."""
        self._cancelled = True
        self._kill()

    def _stalled_summary(self) -> str:
        limit = self.options.step_timeout
        text = (
            f"runaway: the program stopped responding for more than {limit + STALL_GRACE:g}s of wall time "
            "(a step that never yields, probably inside a C call), so the recording was stopped"
        )
        line = summary_line("runaway", frames=self.frames_seen, report={"text": text})
        self.summary = json.loads(line)["summary"]
        return line

    def _crashed_summary(self, diagnostics: Any, last_line: bytes) -> str:
        process = self.process
        code = process.wait() if process is not None else None
        diagnostics.seek(0)
        log = diagnostics.read()[-4000:].decode("utf-8", "replace").strip()
        text = crash_message(code, log, os.path.abspath(self.path))
        fields: dict[str, Any] = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "scenario": self.path}
        fields["seed"] = self.options.seed
        try:
            fields["virtual_time"] = float(json.loads(last_line)["t"])
        except (ValueError, KeyError, TypeError):
            pass
        line = summary_line(
            "crashed", frames=self.frames_seen, error=text, **fields, report={"text": text, "log": log[-2000:]}
        )
        self.summary = json.loads(line)["summary"]
        return line


class SavedTrace:
    """A trace saved to a file (`concur-tui trace FILE --json > saved.jsonl`), read as a Recording streams.

    Nothing is run: the lines are the frames and the summary the recording
    process wrote, on whatever Python recorded them.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.summary: dict[str, Any] | None = None
        self.frames_seen = 0

    def lines(self) -> Iterator[str]:
        with open(self.path, encoding="utf-8") as handle:
            for raw in handle:
                line = raw.rstrip("\n")
                if not line.strip():
                    continue
                if line.startswith('{"summary"'):
                    self.summary = json.loads(line)["summary"]
                else:
                    self.frames_seen += 1
                yield line

    def cancel(self) -> None:
        """Nothing to stop: no process runs for a saved trace."""


_FATAL = re.compile(r"^Fatal Python error: (.+)$", re.MULTILINE)
_STACK_LINE = re.compile(r'^\s*File "(.+)", line (\d+) in ', re.MULTILINE)


def crash_message(code: int | None, log: str, program: str) -> str:
    """One line on how the recording process died, from its exit status and faulthandler's last words."""
    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
    fatal = _FATAL.search(log)
    if fatal is None:
        last = log.splitlines()[-1].strip() if log else ""
        return f"the recording process died ({how})" + (f": {last}" if last else "")
    where = next(
        (f"{os.path.basename(path)}:{line}" for path, line in _STACK_LINE.findall(log) if path == program), None
    )
    at = f" at {where}" if where else ""
    lost = "the step that crashed is missing from the trace"
    return f"the program crashed the interpreter{at}: {fatal.group(1)} ({how}); {lost}"
