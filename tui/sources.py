"""Provides a viewer's sources of trace lines: Recording, which starts the recording process and
streams its lines back, and SavedTrace, a trace read from a file.

Both the CLI and the TUI use this; neither ever imports or runs user code.
The program runs in a child process, so whatever it does (loops forever,
crashes the interpreter, calls os._exit) the viewer stays alive and always
gets a summary line to show.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

from tui.engine import settings as engine_settings
from tui.engine.settings import VIEWER_PID_VARIABLE, Settings, format_size, memory_cap
from tui.trace.check import MAX_LINE, LineCheck, TraceFormatError, checked_records, read_lines
from tui.trace.format import FORMAT_NAME, FORMAT_VERSION
from tui.trace.schema import Frame, Summary

STALL_GRACE = 5.0
"""Seconds past the step timeout before a silent recording process is killed."""


__all__ = (
    "MemoryGuard",
    "Recording",
    "SavedTrace",
    "Settings",
    "crash_message",
    "is_saved_trace",
    "keep_memory_private",
    "saved_trace_refusal",
    "summary_line",
)
"""Settings (how to record: seed, limits, the GIL and network model) are tui.engine.settings', given
to viewers from here: a viewer names the settings, never the engine's modules."""


PR_SET_DUMPABLE = 4


def keep_memory_private() -> None:
    """Make this viewer non-dumpable: its /proc entries (mem, environ) close to processes without
    CAP_SYS_PTRACE, which the recording process gives up (tui.engine.sandbox)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the sandbox is not enforced there either, and says so


class MemoryGuard:
    """The memory cap's backstop, from outside: a program that allocates while holding the GIL
    (`b"x" * 10**10`, `list(range(10**9))`) keeps the recording's own watchdog from running.

    Past the cap and a margin (the watchdog, which names the line, acts first
    whenever it can) the recording process is asked where it is (SIGUSR1:
    faulthandler writes every thread's stack) and killed.
    """

    POLL = 0.05

    def __init__(self, pid: int, cap: int) -> None:
        self.pid = pid
        # The margin is what a program allocating at full speed (GiB/s) adds in the
        # recording's watchdog interval and while it stops the run, plus slack.
        self.limit = cap + max(cap // 4, 256 << 20)
        self.tripped = False
        self._done = threading.Event()
        threading.Thread(target=self._watch, name="concur-tui memory guard", daemon=True).start()

    def _watch(self) -> None:
        try:
            statm = os.open(f"/proc/{self.pid}/statm", os.O_RDONLY)
        except OSError:
            return  # no /proc here, or the process is already gone
        page = os.sysconf("SC_PAGE_SIZE")
        try:
            while not self._done.wait(self.POLL):
                try:
                    resident = int(os.pread(statm, 128, 0).split()[1]) * page
                except (OSError, IndexError, ValueError):
                    return  # the process ended
                if resident > self.limit:
                    self._stop()
                    return
        finally:
            os.close(statm)

    def _stop(self) -> None:
        self.tripped = True
        try:
            os.kill(self.pid, signal.SIGUSR1)
            time.sleep(0.2)  # faulthandler writes the stacks from its signal handler, GIL or not
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def close(self) -> None:
        self._done.set()


def summary_line(outcome: str, **fields: Any) -> str:
    return json.dumps({"summary": {"outcome": outcome, "frames": 0, **fields}})


class Recording:
    """One run of `python -m tui.engine.recording`; iterate it for trace lines (str, no newline)."""

    def __init__(self, path: str, options: Settings | None = None) -> None:
        self.path = path
        self.options = options or Settings()
        self.process: subprocess.Popen[bytes] | None = None
        self.summary: Summary | None = None
        self.frames_seen = 0
        self.memory_guard: MemoryGuard | None = None
        self.sandbox_note: str | None = None
        """Set when the recording runs without the sandbox's kernel half (tui.engine.sandbox)."""
        self.on_note: Callable[[str], None] | None = None
        """Called once, from the reading thread, with that line: each viewer shows it at start."""
        self._cancelled = False
        self._started: tuple[int, Any] | None = None
        """(the pipe's read end, the diagnostics file) from `start` until a reader takes them."""
        self._lock = threading.Lock()

    def _command(self, out_fd: int) -> list[str]:
        return [sys.executable, "-m", "tui.engine.recording", self.path, "--out-fd", str(out_fd), *self.options.argv()]

    def lines(self, check: bool = True) -> Iterator[str]:
        """Yield each line as it arrives (str, no newline); the last one is always a summary.

        Every line is checked as the trace format says (tui.trace.check): the
        first one that is not a good frame ends the run as `crashed`, with the
        frames before it kept and a summary saying what was wrong. With
        `check=False` the caller checks instead (the app's Trace does, once)
        and ends the run the same way, through `malformed`.
        """
        for line, _record in self._checked_lines(check):
            yield line

    def records(self) -> Iterator[tuple[str, dict[str, Any] | None]]:
        """The lines `lines()` yields, each with the record its check read: a reader need not parse them again.

        The record is None where no check read one: a blank line, and the
        summary line `malformed` writes to end the run. A reader that keeps
        its own LineCheck (tui.render.listing) counts the others as read and
        checks only those, so it says what it would have said reading `lines()`.
        """
        return self._checked_lines(check=True)

    def _checked_lines(self, check: bool) -> Iterator[tuple[str, dict[str, Any] | None]]:
        checker = LineCheck()
        last: Frame | None = None
        pending = b""
        for chunk in self.chunks():
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                record = None
                try:
                    line = raw.decode("utf-8")
                    if check:
                        record = checker.read(line)
                except (UnicodeDecodeError, TraceFormatError) as exc:
                    if checker.summary is None:  # junk after the summary is not the run's
                        yield self.malformed(_as_format_error(exc, checker), checker.frames, last), None
                    return
                if record is not None:
                    last = cast(Frame, record)
                yield line, record

    def malformed(self, problem: TraceFormatError, frames: int, last: Frame | None = None) -> str:
        """End a run whose recording pipe sent a line that is not a good frame: the `crashed` summary line.

        Both viewers come here (through `lines`, or the app's ingest), so they
        say the same thing: which line, after which good frame, and what was wrong.
        """
        self._kill()
        where = f"after frame {frames}" if frames else "before its first frame"
        text = f"the recording pipe sent a malformed line {where}: {problem}"
        fields: dict[str, Any] = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "scenario": self.path}
        if last is not None and "summary" not in last:
            fields["virtual_time"] = last["t"] + last.get("d", 0.0)
        line = summary_line("crashed", frames=frames, error=text, seed=self.options.seed, **fields)
        self.summary = json.loads(line)["summary"]
        return line

    def start(self) -> None:
        """Start the recording process now, before anyone reads it (a viewer starting up meanwhile).

        Reading (`lines`, `chunks`) starts it if this was not called; a
        recording started and never read ends with `cancel`.
        """
        with self._lock:
            if self._started is not None or self._cancelled:
                return
            self._start()

    def _start(self) -> None:
        read_fd, write_fd = os.pipe()
        env = dict(os.environ, PYTHONHASHSEED="0", PYTHONIOENCODING="utf-8")
        env[VIEWER_PID_VARIABLE] = str(os.getpid())
        env.pop("PYTHONSTARTUP", None)
        keep_memory_private()
        diagnostics = tempfile.TemporaryFile()  # noqa: SIM115 (the reader closes it, or cancel does)
        try:
            try:
                self.process = subprocess.Popen(
                    self._command(write_fd),
                    stdin=subprocess.DEVNULL,
                    stdout=diagnostics,
                    stderr=diagnostics,
                    pass_fds=(write_fd,),
                    env=env,
                    # A session of its own: no controlling terminal (the program
                    # cannot open /dev/tty), and the terminal's signals are ours to pass on.
                    start_new_session=True,
                )
            finally:
                os.close(write_fd)
        except BaseException:
            os.close(read_fd)
            diagnostics.close()
            raise
        self.memory_guard = MemoryGuard(self.process.pid, memory_cap(self.options))
        self._started = (read_fd, diagnostics)

    def chunks(self) -> Iterator[bytes]:
        """Yield the trace as raw bytes, whole lines only; the last line is always a summary."""
        self.start()
        with self._lock:
            started, self._started = self._started, None  # this reader owns the pipe now
        if started is None:  # cancelled before it was read: nothing to read
            return
        read_fd, diagnostics = started
        assert self.memory_guard is not None
        with diagnostics:
            try:
                yield from self._noting_the_sandbox(self._read(read_fd, diagnostics))
            finally:
                self.memory_guard.close()
                os.close(read_fd)
                self._reap()

    def _noting_the_sandbox(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """Pass the chunks on; the header (the first line) says if the kernel half of the sandbox is missing."""
        first = True
        for chunk in chunks:
            if first:
                first = False
                header_line = chunk.split(b"\n", 1)[0]
                if b'"sandbox"' in header_line:
                    note = _header_field(header_line, "sandbox")
                    if isinstance(note, str):
                        self.sandbox_note = note
                        if self.on_note is not None:
                            self.on_note(f"concur-tui: warning: {note}")
            yield chunk

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
                    if len(partial) > MAX_LINE:  # no newline in sight: not a trace, and memory is finite
                        yield self._overlong_summary().encode() + b"\n"
                        return
                    continue
                whole = partial + chunk[: newline + 1]
                partial = chunk[newline + 1 :]
                previous = whole.rfind(b"\n", 0, len(whole) - 1)
                last_line = whole[previous + 1 : -1]
                self.frames_seen += whole.count(b"\n")
                yield whole
        finally:
            selector.close()
        summary = _summary_of(last_line)
        if summary is not None:
            self.frames_seen -= 1
            self.summary = summary
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
        with self._lock:
            self._cancelled = True
            unread, self._started = self._started, None
        self._kill()
        if unread is not None:  # started early and never read: nobody else closes these
            os.close(unread[0])
            unread[1].close()
            if self.memory_guard is not None:
                self.memory_guard.close()

    def _stalled_summary(self) -> str:
        limit = self.options.step_timeout
        text = (
            f"runaway: the program stopped responding for more than {limit + STALL_GRACE:g}s of wall time "
            "(a step that never yields, probably inside a C call), so the recording was stopped"
        )
        line = summary_line("runaway", frames=self.frames_seen, report={"text": text})
        self.summary = json.loads(line)["summary"]
        return line

    def _overlong_summary(self) -> str:
        frames = self.frames_seen
        problem = f"line {frames + 1} is longer than {MAX_LINE / 2**20:g} MiB"
        return self.malformed(TraceFormatError(problem, frames + 1), frames)

    def _crashed_summary(self, diagnostics: Any, last_line: bytes) -> str:
        process = self.process
        code = process.wait() if process is not None else None
        diagnostics.seek(0)
        log = diagnostics.read()[-4000:].decode("utf-8", "replace").strip()
        if self.memory_guard is not None and self.memory_guard.tripped:
            return self._memory_summary(log)
        text = crash_message(code, log, os.path.abspath(self.path))
        fields: dict[str, Any] = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "scenario": self.path}
        fields["seed"] = self.options.seed
        try:
            when = float(json.loads(last_line)["t"])
            if when - when == 0.0:  # a finite time: a summary never says NaN
                fields["virtual_time"] = when
        except (ValueError, KeyError, TypeError, IndexError, RecursionError):
            pass  # the last line was not a good frame: the checks in `lines` say so
        line = summary_line(
            "crashed", frames=self.frames_seen, error=text, **fields, report={"text": text, "log": log[-2000:]}
        )
        self.summary = json.loads(line)["summary"]
        return line

    def _memory_summary(self, log: str) -> str:
        """The guard stopped the run: the `memory` outcome, at the line faulthandler saw running."""
        where = allocating_line(log, os.path.abspath(self.path))
        cap = format_size(memory_cap(self.options))
        text = (
            f"memory: the recording used more than {cap} at {where} (allocating without letting"
            " other threads run), so it was stopped (--memory sets the cap)"
        )
        line = summary_line("memory", frames=self.frames_seen, report={"text": text, "where": where})
        self.summary = json.loads(line)["summary"]
        return line


def _header_field(line: bytes, name: str) -> Any:
    try:
        record = json.loads(line)
        return record["trace"].get(name)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # a malformed header: the trace's own checks say so


def is_saved_trace(path: str) -> bool:
    """Whether `path` holds a saved trace (what `trace --json` writes) rather than a program to record.

    Told by content, not by name: the first line is a JSON object that is a
    frame carrying the trace header, or a summary (a trace with no frames).
    A program never starts that way (a dict display on line 1 is no frame).
    Its format and version are checked later, by SavedTrace, which refuses an
    unknown version in one line; so is a `.jsonl` file whatever its first line
    (a damaged trace is told what is wrong with it, not run as Python).
    """
    if path.endswith(".jsonl"):
        return True
    try:
        with open(path, "rb") as handle:
            first = handle.readline(MAX_LINE + 1)  # no longer line can be a frame
    except OSError:
        return False  # the program path's own checks say what is wrong with it
    if not first.lstrip().startswith(b"{"):
        return False
    try:
        record = json.loads(first)
    except ValueError:
        return False
    if not isinstance(record, dict):
        return False
    header = record.get("trace") if record.get("i") == 0 else record.get("summary")
    return isinstance(header, dict) and "format" in header


def saved_trace_refusal(path: str) -> str | None:
    """Why a saved trace cannot be opened at all, in one line (its first line is not a frame this
    version reads: another format or version, or damage), or None. Later damage keeps the frames before it."""
    try:
        with open(path, "rb") as handle:
            first = handle.readline(MAX_LINE + 1)
    except OSError as exc:
        return f"{path}: cannot read: {exc.strerror or exc}"
    try:
        LineCheck().read(first.decode("utf-8").rstrip("\r\n"))
    except UnicodeDecodeError as exc:
        return f"{path}: line 1 is not UTF-8 ({exc.reason})"
    except TraceFormatError as exc:
        return f"{path}: {exc}"
    return None


class SavedTrace:
    """A trace saved to a file (`concur-tui trace FILE --json > saved.jsonl`), read as a Recording streams.

    Nothing is run: the lines are the frames and the summary the recording
    process wrote, on whatever Python recorded them. They are checked as they
    are read: a malformed file ends with an `error` summary naming the line
    and the field (the frames before it stay viewable), and a file cut short
    with the `cut` summary that tui.trace.check writes.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.summary: Summary | None = None
        self.frames_seen = 0

    def lines(self, check: bool = True) -> Iterator[str]:
        """Yield each line (str, no newline); the last one is always a summary. `check` is always on."""
        for line, _record in self.records():
            yield line

    def records(self) -> Iterator[tuple[str, dict[str, Any] | None]]:
        """The lines `lines()` yields, each with its checked record, as Recording.records (None: the
        `error` summary that ends an unreadable file, which no check read)."""
        checker = LineCheck()
        try:
            with open(self.path, "rb") as handle:
                for line, record in checked_records(read_lines(handle), checker):
                    if "summary" in record:
                        self.summary = record["summary"]
                    else:
                        self.frames_seen += 1
                    yield line.rstrip("\r\n"), record
        except TraceFormatError as exc:
            yield self._unreadable(f"{self.path}: {exc}"), None
        except OSError as exc:
            yield self._unreadable(f"{self.path}: cannot read: {exc.strerror or exc}"), None

    def _unreadable(self, text: str) -> str:
        """The `error` summary for a saved trace that cannot be shown past this point."""
        line = summary_line("error", frames=self.frames_seen, error=text, format=FORMAT_NAME, version=FORMAT_VERSION)
        self.summary = json.loads(line)["summary"]
        return line

    def malformed(self, problem: TraceFormatError, frames: int, last: Frame | None = None) -> str:
        """As Recording.malformed; `lines` has already checked every line, so this is only a backstop."""
        return self._unreadable(f"{self.path}: {problem}")

    def cancel(self) -> None:
        """Nothing to stop: no process runs for a saved trace."""


def _as_format_error(problem: Exception, checker: LineCheck) -> TraceFormatError:
    """A line that is not UTF-8 is as malformed as one that is not JSON: say so the same way."""
    if isinstance(problem, TraceFormatError):
        return problem
    number = checker.number + 1
    reason = problem.reason if isinstance(problem, UnicodeDecodeError) else str(problem)
    return TraceFormatError(f"line {number} is not UTF-8 text ({reason})", number)


def _summary_of(line: bytes) -> Summary | None:
    """The summary, if this last line is one (`lines` checks it properly; this only must not raise)."""
    if not line.startswith(b'{"summary"'):
        return None
    try:
        summary = json.loads(line)["summary"]
    except (ValueError, KeyError, TypeError, RecursionError):
        return None
    return cast(Summary, summary) if isinstance(summary, dict) else None


_FATAL = re.compile(r"^Fatal Python error: (.+)$", re.MULTILINE)
_FOREIGN_LOOKUP = re.compile(r"^concur-tui: ctypes looked up (.+) at (.+)$", re.MULTILINE)
_STACK_LINE = re.compile(r'^\s*File "(.+)", line (\d+) in ', re.MULTILINE)
ENGINE_DIR = os.path.dirname(os.path.abspath(engine_settings.__file__))
_THREAD_HEADER = re.compile(r"^(?:Current thread|Thread) 0x[0-9a-f]+", re.MULTILINE)


def allocating_line(log: str, program: str, parked_in: str = ENGINE_DIR) -> str:
    """`file:line` in `program` of the thread that was running when faulthandler dumped every thread.

    The simulation runs one thread at a time and parks the others inside the
    engine (`parked_in`), so the running one is the thread in the program whose
    most recent frame is elsewhere (the program, the standard library, C code
    called from either). faulthandler's "Current thread" is only the one the
    signal landed on, often the parked main thread: it is the fallback.
    """
    starts = [match.start() for match in _THREAD_HEADER.finditer(log)] or [0]
    blocks = [log[a:b] for a, b in zip(starts, [*starts[1:], len(log)], strict=True)]
    current = [block for block in blocks if block.startswith("Current thread")]
    running = [block for block in blocks if not _top_frame_in(block, parked_in)]
    for block in [*running, *current, *blocks]:
        line = next((n for p, n in _STACK_LINE.findall(block) if p == program), None)
        if line is not None:
            return f"{os.path.basename(program)}:{line}"
    return "?"


def _top_frame_in(block: str, folder: str) -> bool:
    top = _STACK_LINE.search(block)
    return top is not None and top.group(1).startswith(folder + os.sep)


def crash_message(code: int | None, log: str, program: str) -> str:
    """One line on how the recording process died, from its exit status and faulthandler's last words."""
    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
    where = next(
        (f"{os.path.basename(path)}:{line}" for path, line in _STACK_LINE.findall(log) if path == program), None
    )
    at = f" at {where}" if where else ""
    lost = "the step that crashed is missing from the trace"
    if code == -signal.SIGSYS:  # the sandbox's seccomp filter (tui.engine.sandbox)
        lookups = _FOREIGN_LOOKUP.findall(log)
        if not where and lookups:
            at = f" at {lookups[-1][1]} (the last C function it looked up through ctypes: {lookups[-1][0]})"
        return (
            f"stopped by the kernel{at}: the program made a system call outside the simulation (a real process,"
            f" a signal to another process or tracing one), below Python (ctypes or a C extension); {lost}"
        )
    fatal = _FATAL.search(log)
    if fatal is None:
        last = log.splitlines()[-1].strip() if log else ""
        return f"the recording process died ({how})" + (f": {last}" if last else "")
    return f"the program crashed the interpreter{at}: {fatal.group(1)} ({how}); {lost}"
