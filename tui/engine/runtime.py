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
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.engine.hooks import Hooks
    from tui.engine.network.net import Network
    from tui.engine.threads.kernel import Kernel


class Runtime:
    """What one recording's simulation holds."""

    __slots__ = ("_counters", "kept_alive", "kernel", "network", "probed_executors", "recorder", "seed")

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
        self.kept_alive: list[Any] = []
        """Real functions the simulation replaced (threads.vtime), kept so no other object takes their id."""

    def start(self, kernel: Kernel, recorder: Hooks, network: Network | None, seed: int) -> None:
        """The recording begins: its parts, and numbering from 1 again."""
        self.kernel, self.recorder, self.network, self.seed = kernel, recorder, network, seed
        self._counters.clear()

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
