"""The simulation is closed: a hostile program reaches no real process, signal, socket or terminal.

Each route is tried twice where it can be: through Python (refused at the
user's line by the audit hook) and through ctypes (stopped by the kernel's
seccomp filter, or failing because the recording process has no terminal
and no right to trace). The test process is the viewer, so a route that got
through would signal or touch this very process; each test checks it did not.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tui.engine.sandbox import refused_path

pytestmark = pytest.mark.slow

ATTEMPT = """
import os, posix, signal, sys

def attempt(name, call):
    try:
        call()
    except Exception as exc:
        print(name, type(exc).__name__, str(exc).split(":")[0])
    else:
        print(name, "RAN")
"""


def test_refused_paths_are_terminals_devices_and_other_processes() -> None:
    assert refused_path("/dev/tty", 100) is not None
    assert refused_path("/dev/pts/3", 100) is not None
    assert refused_path("/dev/mem", 100) is not None
    assert refused_path("/proc/99/mem", 100) is not None
    assert refused_path("/proc/99", 100) is not None
    for allowed in ("/dev/null", "/dev/urandom", "/dev/shm/x", "/proc/100/status", "/proc/cpuinfo", "/tmp/x"):
        assert refused_path(allowed, 100) is None, allowed


def test_every_python_route_out_is_refused_at_the_users_line(record_source, tmp_path: Path) -> None:
    marker = tmp_path / "escaped"
    trace = record_source(
        ATTEMPT
        + f"""
import _posixsubprocess, _socket, pty
attempt("posix.system", lambda: posix.system("touch {marker}"))
attempt("posix_spawnp", lambda: os.posix_spawnp("touch", ["touch", "{marker}"], {{}}))
attempt("posix.fork", posix.fork)
attempt("pty.fork", pty.fork)
attempt("fork_exec", lambda: _posixsubprocess.fork_exec())
attempt("execv", lambda: posix.execv("/bin/true", ["true"]))
attempt("kill viewer", lambda: posix.kill(posix.getppid(), signal.SIGUSR2))
attempt("killpg", lambda: os.killpg(0, signal.SIGUSR2))
attempt("alarm", lambda: signal.alarm(1))
attempt("setitimer", lambda: signal.setitimer(signal.ITIMER_REAL, 0.1))
import _signal
attempt("_signal.alarm", lambda: _signal.alarm(1))
attempt("pidfd", lambda: signal.pidfd_send_signal(os.pidfd_open(posix.getppid()), signal.SIGUSR2))
attempt("socket", _socket.socket)
attempt("tty", lambda: open("/dev/tty", "w"))
attempt("viewer proc", lambda: open(f"/proc/{{posix.getppid()}}/environ", "rb"))
attempt("own proc", lambda: open("/proc/self/status").read(1))
"""
    )
    got = trace.summary["stdout"].splitlines()
    refused = "UnsupportedInSimulation concur-tui does not simulate "
    for name in ("posix.system", "posix_spawnp", "posix.fork", "pty.fork", "fork_exec", "execv"):
        assert f"{name} {refused}real processes (" in "\n".join(got), name
    assert any(line.startswith(f"_signal.alarm {refused}real timer signals") for line in got)
    for name in ("kill viewer", "killpg", "pidfd"):
        assert any(line.startswith(f"{name} {refused}real signals") for line in got), got
    assert any(line.startswith(f"alarm {refused}real timer signals") for line in got)
    assert any(line.startswith(f"setitimer {refused}real timer signals") for line in got)
    assert any(line.startswith(f"socket {refused}real sockets") for line in got)
    assert any(line.startswith(f"tty {refused}opening /dev/tty") for line in got)
    assert any(line.startswith(f"viewer proc {refused}opening /proc/") for line in got)
    assert "own proc RAN" in got
    assert trace.summary["outcome"] == "completed"
    assert not marker.exists()


def test_ctypes_calls_the_kernel_cannot_allow_fail_or_stop_the_run(record_source, tmp_path: Path) -> None:
    trace = record_source(
        """
        import ctypes, errno, os, posix
        libc = ctypes.CDLL(None, use_errno=True)
        def errno_of(result):
            return "ok" if result >= 0 else errno.errorcode[ctypes.get_errno()]
        print("socket", errno_of(libc.socket(2, 1, 0)))
        print("tty", errno_of(libc.open(b"/dev/tty", os.O_WRONLY)))
        fd = libc.open(f"/proc/{posix.getppid()}/mem".encode(), os.O_RDONLY)
        print("viewer mem", errno_of(fd))
        print("own pid signal 0", errno_of(libc.kill(posix.getpid(), 0)))
        print("drop the death signal", errno_of(libc.prctl(1, 0, 0, 0, 0)))
        """
    )
    got = trace.summary["stdout"].splitlines()
    expected = [
        "socket EACCES",
        "tty EACCES",
        "viewer mem EACCES",
        "own pid signal 0 ok",
        "drop the death signal EPERM",
    ]
    assert got == expected, got


@pytest.mark.parametrize(
    ("call", "line"),
    [
        ('libc.system(b"touch {marker}")', 4),  # the C library blocks every signal: named by its lookup
        ("libc.fork()", 4),
        ("libc.kill(posix.getppid(), signal.SIGUSR2)", 4),
    ],
)
def test_a_forbidden_system_call_from_c_code_is_stopped_by_the_kernel_at_the_users_line(
    record_source, tmp_path: Path, call: str, line: int
) -> None:
    marker = tmp_path / "escaped"
    received: list[int] = []
    previous = signal.signal(signal.SIGUSR2, lambda signum, frame: received.append(signum))
    try:
        trace = record_source(
            "import ctypes, posix, signal\n"
            "libc = ctypes.CDLL(None)\n"
            "print('before')\n" + call.format(marker=marker) + "\n"
            "print('after')\n",
            name="hostile.py",
        )
    finally:
        signal.signal(signal.SIGUSR2, previous)
    summary = trace.summary
    assert summary["outcome"] == "crashed"
    assert summary["error"].startswith(f"stopped by the kernel at hostile.py:{line}")
    assert "outside the simulation" in summary["error"]
    assert not marker.exists()
    assert received == []


def test_no_route_reaches_a_terminal_device_or_the_viewers_proc_entries(record_source) -> None:
    """Landlock closes /dev/pts and /proc/<viewer> by every route, not only the paths Python shows."""
    import pty

    primary, secondary = pty.openpty()
    try:
        terminal = os.ttyname(secondary)
        trace = record_source(
            ATTEMPT
            + f"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
viewer = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[1])
def through_dir_fd(directory, name):
    os.open(name, os.O_WRONLY, dir_fd=os.open(directory, os.O_RDONLY | os.O_DIRECTORY))
attempt("dir_fd pts", lambda: through_dir_fd("/dev", "{terminal.removeprefix("/dev/")}"))
attempt("dir_fd proc", lambda: through_dir_fd("/proc", f"{{viewer}}/environ"))
print("ctypes pts", libc.open(b"{terminal}", os.O_WRONLY) < 0)
print("ctypes environ", libc.open(f"/proc/{{viewer}}/environ".encode(), os.O_RDONLY) < 0)
attempt("own stat", lambda: open(f"/proc/self/stat").read(1))
"""
        )
        got = trace.summary["stdout"].splitlines()
        assert got[:2] == [
            "dir_fd pts PermissionError [Errno 13] Permission denied",
            "dir_fd proc PermissionError [Errno 13] Permission denied",
        ], got
        assert got[2:] == ["ctypes pts True", "ctypes environ True", "own stat RAN"], got
        os.set_blocking(primary, False)
        with pytest.raises(BlockingIOError):
            os.read(primary, 100)  # nothing reached the terminal
    finally:
        os.close(primary)
        os.close(secondary)


def test_threads_still_start_under_the_filter(record_source, python_output) -> None:
    source = """
        import threading
        from concurrent.futures import ThreadPoolExecutor
        def square(n):
            return n * n
        with ThreadPoolExecutor(4) as pool:
            print(list(pool.map(square, range(8))))
        t = threading.Thread(target=print, args=("thread ran",))
        t.start(); t.join()
        """
    trace = record_source(source)
    assert trace.summary["outcome"] == "completed"
    assert trace.summary["stdout"].splitlines() == python_output(source)


def test_over_the_memory_cap_the_run_stops_as_memory_at_the_allocating_line(record_source) -> None:
    trace = record_source(
        """
        import threading
        hoard = []
        def grow():
            while True:
                hoard.append(bytearray(8_000_000))
                hoard[-1][::4096] = b"x" * len(hoard[-1][::4096])
        worker = threading.Thread(target=grow)
        worker.start()
        worker.join()
        """,
        name="grow.py",
        memory=200 << 20,
    )
    summary = trace.summary
    assert summary["outcome"] == "memory"
    assert "more than 200 MiB" in summary["report"]["text"]
    # The watchdog samples where the program is when it sees the cap passed: any line of the allocating
    # loop, its `while` line too (CPython 3.11-3.13 give the jump back to the loop that line), never our code.
    assert summary["report"]["where"] in ("grow.py:5", "grow.py:6", "grow.py:7")
    assert summary["frames"] == len(trace) > 0


def test_an_allocation_that_holds_the_gil_is_stopped_from_outside(record_source) -> None:
    trace = record_source("x = 1\nbig = b'x' * (3 << 30)\nprint(len(big))\n", name="big.py", memory=200 << 20)
    summary = trace.summary
    assert summary["outcome"] == "memory"
    assert summary["report"]["where"] == "big.py:2"
    assert "(--memory sets the cap)" in summary["report"]["text"]


def test_killing_the_viewer_ends_the_recording_process(tmp_path: Path) -> None:
    """SIGKILL leaves the viewer no chance to clean up: the kernel ends the recording (PDEATHSIG)."""
    program = tmp_path / "spin.py"
    program.write_text("x = 0\nwhile True:\n    x += 1\n")
    viewer = subprocess.Popen(
        [sys.executable, "-m", "tui", "trace", str(program), "--json", "--step-timeout", "60"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    recording = _child_of(viewer.pid)
    viewer.kill()
    viewer.wait()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and _alive(recording):
        time.sleep(0.05)
    assert not _alive(recording)


def _child_of(pid: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise AssertionError("the recording process never started")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended; only its parent's reaping is left


def test_the_viewer_says_once_when_the_kernel_half_is_missing(tmp_path: Path) -> None:
    """No libseccomp binding: the run goes on with Python's refusals, and the header says so."""
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "pyseccomp.py").write_text("raise ImportError('no libseccomp here')\n")
    program = tmp_path / "hello.py"
    program.write_text("print('hello')\n")
    done = subprocess.run(
        [sys.executable, "-m", "tui", "trace", str(program)],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(fake), os.environ.get("PYTHONPATH", "")])),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "closed simulation" in line]
    assert warnings == [
        "concur-tui: warning: the kernel does not enforce the closed simulation here"
        " (system calls: no libseccomp here);"
        " Python-level refusals still apply"
    ]


def test_sources_are_read_as_cpython_reads_them(tmp_path: Path) -> None:
    from conftest import record, run_with_python

    cases = {
        "latin.py": b'# -*- coding: latin-1 -*-\n"""Le\xe7on."""\nprint("caf\xe9")\n',
        "bom.py": b'\xef\xbb\xbf"""A lesson after a BOM."""\nprint("bom")\n',
        "shebang.py": b'#!/usr/bin/env python3\n# a comment\n"""A lesson after a shebang."""\nprint("she")\n',
    }
    lessons = {"latin.py": "Le\xe7on.", "bom.py": "A lesson after a BOM.", "shebang.py": "A lesson after a shebang."}
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        trace = record(path)
        assert trace.summary["outcome"] == "completed", trace.summary
        assert trace.summary["stdout"] == run_with_python(path).stdout
        assert trace.header["lesson"] == lessons[name]


def test_a_nul_byte_is_an_error_at_its_line(tmp_path: Path) -> None:
    from conftest import record, run_with_python

    path = tmp_path / "nul.py"
    path.write_bytes(b'x = 1\ny = "\x00"\n')
    trace = record(path)
    assert trace.summary["outcome"] == "error"
    assert trace.summary["error"] == f"{path}:2: SyntaxError: source code cannot contain null bytes"
    assert "source code cannot contain null bytes" in run_with_python(path).stderr


def test_tracebacks_show_the_source_as_it_was_recorded(record_source) -> None:
    trace = record_source(
        textwrap.dedent(
            """
            import pathlib
            me = pathlib.Path(__file__)
            me.write_text(me.read_text().replace("raise ValueError" + "('original')", "pass  # EDITED"))
            raise ValueError('original')
            """
        )
    )
    assert trace.summary["outcome"] == "exception"
    shown = trace.summary["report"]["traceback"]
    assert "raise ValueError('original')" in shown
    assert "EDITED" not in shown
    assert "\nraise ValueError('original')\n" in trace.header["source"]


def test_the_standard_librarys_own_commands_fail_as_commands_that_are_not_there(record_source, python_output) -> None:
    """platform asks `uname -p` through subprocess and handles OSError: it works, as under python."""
    source = """
        import platform
        print(platform.platform(), platform.machine(), repr(platform.processor()))
        """
    trace = record_source(source)
    assert trace.summary["outcome"] == "completed", trace.summary
    assert trace.summary["stdout"].splitlines() == python_output(source)
