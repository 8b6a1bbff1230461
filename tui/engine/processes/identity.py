"""Provides which process is running, as multiprocessing and os say: current_process(), its pid, parent, children.

Every simulated process is a kernel lane; `the_kernel()` is the kernel that runs
them all, reached through the recording's runtime. The main process is the
kernel's first lane and has no Process object: MAIN_PROCESS stands in for it.
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


MAIN_PROCESS = _MainProcess()


def current_process() -> Any:
    kernel = RUN.kernel
    if kernel is None:
        return MAIN_PROCESS
    lane = kernel.lane
    return MAIN_PROCESS if lane.process is None else lane.process


def parent_process() -> Any:
    parent = the_kernel().lane.parent
    if parent is None:
        return None
    return MAIN_PROCESS if parent.process is None else parent.process


def active_children() -> list[SimProcess]:
    kernel = the_kernel()
    me = kernel.lane
    return [lane.process for lane in kernel.lanes if lane.parent is me and lane.alive and lane.process is not None]


def getpid() -> int:
    return the_kernel().lane.pid


def getppid() -> int:
    parent = the_kernel().lane.parent
    return parent.pid if parent is not None else 1
