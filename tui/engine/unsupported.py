"""Provides the clear failures for what a recorded program cannot do: subprocesses, signals, stdin."""

from __future__ import annotations

import builtins
import errno
import os
import signal
import subprocess
import sys
from typing import Any, NoReturn

from tui.engine.errors import UnsupportedInSimulation
from tui.engine.sites import is_library_file
from tui.engine.threads.kernel import Kernel


def refusal(what: str, hint: str) -> Any:
    """A stand-in for a call the simulation refuses: it raises UnsupportedInSimulation(what, hint)."""

    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        raise UnsupportedInSimulation(what, hint)

    return refuse


def _refuse_subprocess(hint: str) -> Any:
    """subprocess.Popen refused: at the program's own line as UnsupportedInSimulation; inside the
    standard library (platform asking `uname -p`, ctypes.util looking for a library) as the OSError
    of a command that is not there, which that code already expects and handles."""
    what = "subprocesses (subprocess.Popen, run, check_output)"

    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        frame: Any = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename == subprocess.__file__:
            frame = frame.f_back  # run(), check_output(): who called them
        if frame is not None and is_library_file(frame.f_code.co_filename):
            raise FileNotFoundError(errno.ENOENT, str(UnsupportedInSimulation(what, hint)))
        raise UnsupportedInSimulation(what, hint)

    return refuse


def install(kernel: Kernel) -> None:
    """Make these fail at the user's line instead of reaching the real machine."""
    no_processes = "run it in the program itself, or use multiprocessing, which is simulated"
    subprocess.Popen.__init__ = _refuse_subprocess(no_processes)  # type: ignore[method-assign]
    os.system = refusal("os.system()", no_processes)
    os.popen = refusal("os.popen()", no_processes)
    for name in ("execv", "execve", "execl", "execlp", "execvp", "spawnv", "spawnl", "posix_spawn"):
        if hasattr(os, name):
            setattr(os, name, refusal(f"os.{name}()", no_processes))

    def kill(pid: int, sig: int) -> None:
        """Signals to simulated processes: SIGTERM and SIGKILL end them, as terminate()/kill() do."""
        if pid == 0 and sig == 0:
            return  # "may I signal my own process group?": yes, as on CPython
        proc = next((proc for proc in kernel.procs if proc.pid == pid), None)
        if proc is None or (proc.process is None and sig != 0):
            if proc is None:
                raise ProcessLookupError(3, "No such process")
            raise UnsupportedInSimulation(f"os.kill() with signal {sig} to the main process")
        if sig == 0:
            return
        if sig in (signal.SIGTERM, signal.SIGKILL):
            if proc.alive:
                kernel.terminate_proc(proc, -int(sig))
            return
        raise UnsupportedInSimulation(f"os.kill() with signal {sig}", "only SIGTERM and SIGKILL are simulated")

    os.kill = kill

    def no_input(prompt: object = "") -> str:
        raise EOFError("EOF when reading a line (a recorded program has no keyboard: its stdin is empty)")

    builtins.input = no_input
