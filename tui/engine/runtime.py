"""Provides the one runtime of a recording: its kernel, recorder, network and numbering, reached through RUN.

A recording process records one program, so it has one runtime. Every part of
the simulation that needs another part (the simulated lock needs the kernel, a
probe the recorder, a socket the network) reaches it through `RUN` and no
module keeps a reference of its own: there is no other module-level state to
reset, and what a recording holds can be read in one place. (trio reaches its
one Runner through GLOBAL_RUN_CONTEXT the same way.)

`RUN` is filled in once, by the install step (tui.engine.recording.install),
before any patch is applied; outside a recording (the standalone loop, the
tests' in-process recorder) its parts stay None, and the code that needs one
says so.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.engine.hooks import Hooks
    from tui.engine.network.net import Network
    from tui.engine.processes.executor import SimProcessPoolExecutor
    from tui.engine.processes.ipc import FeederQueue
    from tui.engine.processes.manager import BaseProxy
    from tui.engine.threads.kernel import Kernel


class ProcessRegistry:
    """What the simulated processes of one recording keep across processes (tui.engine.processes)."""

    __slots__ = (
        "abrupt_exit_hooks",
        "child_exit_handlers",
        "feeder_queues",
        "main_process",
        "open_executors",
        "proxies",
    )

    def __init__(self) -> None:
        self.main_process: Any = None
        """What multiprocessing.current_process() is in the main process (made on first use, see
        processes.identity.main_process): a program may rename it, so each recording has its own."""
        self.feeder_queues: weakref.WeakValueDictionary[int, FeederQueue] = weakref.WeakValueDictionary()
        """Every live multiprocessing.Queue by its number: flushed in the order they were made (never by address)."""
        self.child_exit_handlers: dict[int, list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]]] = {}
        """atexit handlers a child process registered, by pid (see CPython313.child_runs_atexit)."""
        self.abrupt_exit_hooks: dict[int, Callable[[], None]] = {}
        """pid -> what to do if that process ends by os._exit() (an executor's worker tells its manager)."""
        self.open_executors: list[weakref.ref[SimProcessPoolExecutor]] = []
        """ProcessPoolExecutors in the order they were made, held weakly: at exit, each one left open is
        shut down and waited for."""
        self.proxies: dict[int, BaseProxy] = {}
        """Every manager proxy by its token, so that a pickled proxy comes back as the same proxy (never
        collected: the manager keeps its objects until the recording ends, as a server process keeps them
        until shutdown)."""


class Runtime:
    """What one recording's simulation holds."""

    __slots__ = (
        "_counters",
        "executors_probed",
        "kept_alive",
        "kernel",
        "network",
        "probed_executors",
        "processes",
        "recorder",
        "seed",
    )

    def __init__(self) -> None:
        self.kernel: Kernel | None = None
        """Every thread and process of the program (threads.kernel)."""
        self.recorder: Hooks | None = None
        """Where the schedulers report what happens (tui.engine.hooks)."""
        self.network: Network | None = None
        """The simulated network (network.net)."""
        self.seed = 0
        """The recording's --seed: what seeds a child process's `random`, among others."""
        self._counters: dict[str, Iterator[int]] = {}
        self.probed_executors: weakref.WeakSet[Any] = weakref.WeakSet()
        """The program's own ThreadPoolExecutors (threads.probes), held weakly: one it drops is
        collected, and its workers exit, as on CPython."""
        self.executors_probed = False
        """Whether the program ever made one: asked at every frame, where a WeakSet's len() is Python code."""
        self.kept_alive: list[Any] = []
        """Real functions the simulation replaced (threads.vtime), kept so no other object takes their id."""
        self.processes = ProcessRegistry()
        """What the simulated processes keep across processes: queues, exit handlers, executors, proxies."""

    def start(self, kernel: Kernel, recorder: Hooks, network: Network | None, seed: int) -> None:
        """The recording begins: its parts, numbering from 1 again, and no process has registered anything."""
        self.kernel, self.recorder, self.network, self.seed = kernel, recorder, network, seed
        self._counters.clear()
        self.processes = ProcessRegistry()

    def number(self, kind: str, start: int = 1) -> int:
        """The next number of a kind ("task", "timer", "future", "process", ...): 1, 2, 3, ... per recording.

        Numbers are the order things were made in, never addresses, so the same
        program numbers them alike on every run.
        """
        counter = self._counters.get(kind)
        if counter is None:
            counter = self._counters[kind] = itertools.count(start)
        return next(counter)


RUN = Runtime()
"""The recording's runtime: the only module-level state of the simulation."""
