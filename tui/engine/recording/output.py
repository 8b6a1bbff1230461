"""Provides the recording process's outputs: the frame writer on the trace's pipe, the program's captured
stdout and stderr, and the gauge of its own memory."""

from __future__ import annotations

import _thread
import io
import os
from typing import Any

from tui.engine.threads import vtime

_real_exit = os._exit
"""os._exit as it was before the program could replace it."""


class FrameWriter:
    """Buffers JSON lines and writes them to the pipe in large, timely chunks."""

    WRITE_THROUGH_LINES = 4096
    """The first lines go out one by one: a short program that crashes the
    interpreter (a segfault in C code) still leaves every frame behind."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._chunks: list[str] = []
        self._lock = _thread.allocate_lock()
        self._last_flush = vtime.real_monotonic()
        self._write_through = self.WRITE_THROUGH_LINES

    def write(self, line: str) -> None:
        chunks = self._chunks
        chunks.append(line)
        if self._write_through:
            self._write_through -= 1
            self.flush()
        # Check the size and the wall clock only every 64 lines: cheap, and
        # still a flush at least every ~20 ms while frames keep coming.
        elif not len(chunks) & 63 and (len(chunks) > 600 or vtime.real_monotonic() - self._last_flush > 0.02):
            self.flush()

    def flush(self) -> None:
        with self._lock:
            if not self._chunks:
                return
            data = ("\n".join(self._chunks) + "\n").encode("utf-8", "backslashreplace")
            self._chunks.clear()
            self._last_flush = vtime.real_monotonic()
            view = memoryview(data)
            try:
                while view:
                    written = os.write(self.fd, view)
                    view = view[written:]
            except BrokenPipeError:
                _real_exit(0)  # the viewer went away; nobody is left to tell
            except OSError as exc:  # the program closed or replaced the trace's pipe (os.close, os.dup2)
                try:
                    os.write(2, f"the program broke the trace's pipe (fd {self.fd}: {exc.strerror})\n".encode())
                finally:
                    _real_exit(1)


class MemoryGauge:
    """The recording process's resident memory, read from /proc (opened once: the sandbox allows it)."""

    def __init__(self) -> None:
        try:
            self._fd: int | None = os.open("/proc/self/statm", os.O_RDONLY)
        except OSError:
            self._fd = None  # no /proc: no cap, as on a system without the feature
        self._page = os.sysconf("SC_PAGE_SIZE") if self._fd is not None else 0

    def resident(self) -> int:
        if self._fd is None:
            return 0
        fields = os.pread(self._fd, 128, 0).split()
        return int(fields[1]) * self._page


class CapturedStream(io.TextIOBase):
    """sys.stdout/sys.stderr of the program: text goes into the current frame."""

    def __init__(self, sink: Any, name: str) -> None:
        self._sink = sink
        self._name = name

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._sink(text)
        return len(text)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    @property
    def name(self) -> str:
        return self._name
