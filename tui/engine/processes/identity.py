"""Provides which process is running, as multiprocessing and os say: current_process(), its pid, parent, children.

Every simulated process is a KernelProcess of the kernel; `the_kernel()` is the kernel that runs
them all, reached through the recording's runtime. The main process is the
kernel's first process and has no Process object: main_process() stands in for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.engine.runtime import RUN
from tui.engine.threads.kernel import MAIN_PID, Kernel

if TYPE_CHECKING:
    from tui.engine.processes.process import SimProcess


def the_kernel() -> Kernel:
    """The kernel of the recording (simulated processes exist only there)."""
    kernel = RUN.kernel
    assert kernel is not None, "simulated processes exist only in the recording process"
    return kernel


class _MainProcess:
    name = "MainProcess"
    daemon = False
    exitcode = None
    ident = pid = MAIN_PID

    def is_alive(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "<_MainProcess name='MainProcess' parent=None started>"


def main_process() -> Any:
    """The main process's stand-in, this recording's own."""
    main = RUN.processes.main_process
    if main is None:
        main = RUN.processes.main_process = _MainProcess()
    return main


def current_process() -> Any:
    kernel = RUN.kernel
    if kernel is None:
        return main_process()
    proc = kernel.proc
    return main_process() if proc.process is None else proc.process


def parent_process() -> Any:
    parent = the_kernel().proc.parent
    if parent is None:
        return None
    return main_process() if parent.process is None else parent.process


def active_children() -> list[SimProcess]:
    kernel = the_kernel()
    me = kernel.proc
    return [proc.process for proc in kernel.procs if proc.parent is me and proc.alive and proc.process is not None]


def getpid() -> int:
    return the_kernel().proc.pid


def getppid() -> int:
    parent = the_kernel().proc.parent
    return parent.pid if parent is not None else 1
