"""Provides the clear failures for what a recorded program cannot do: subprocesses, signals, stdin."""

from __future__ import annotations

import builtins
import os
import signal
import subprocess
from typing import Any, NoReturn

from tui.engine.errors import UnsupportedInSimulation
from tui.engine.kernel import Kernel


def _refuse(what: str, hint: str) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        raise UnsupportedInSimulation(what, hint)

    return refuse


def install(kernel: Kernel) -> None:
    """Make these fail at the user's line instead of reaching the real machine."""
    no_processes = "run it in the program itself, or use multiprocessing, which is simulated"
    subprocess.Popen.__init__ = _refuse("subprocesses (subprocess.Popen, run, check_output)", no_processes)  # type: ignore[method-assign]
    os.system = _refuse("os.system()", no_processes)
    os.popen = _refuse("os.popen()", no_processes)
    for name in ("execv", "execve", "execl", "execlp", "execvp", "spawnv", "spawnl", "posix_spawn"):
        if hasattr(os, name):
            setattr(os, name, _refuse(f"os.{name}()", no_processes))

    def kill(pid: int, sig: int) -> None:
        """Signals to simulated processes: SIGTERM and SIGKILL end them, as terminate()/kill() do."""
        if pid == 0 and sig == 0:
            return  # "may I signal my own process group?": yes, as on CPython
        lane = next((lane for lane in kernel.lanes if lane.pid == pid), None)
        if lane is None or (lane.process is None and sig != 0):
            if lane is None:
                raise ProcessLookupError(3, "No such process")
            raise UnsupportedInSimulation(f"os.kill() with signal {sig} to the main process")
        if sig == 0:
            return
        if sig in (signal.SIGTERM, signal.SIGKILL):
            if lane.alive:
                kernel.terminate_lane(lane, -int(sig))
            return
        raise UnsupportedInSimulation(f"os.kill() with signal {sig}", "only SIGTERM and SIGKILL are simulated")

    os.kill = kill

    def no_input(prompt: object = "") -> str:
        raise EOFError("EOF when reading a line (a recorded program has no keyboard: its stdin is empty)")

    builtins.input = no_input
