"""Provides the one step that puts a program's world under the simulation, patch by patch, in order.

Every patch the recording process applies to the standard library is applied
here and nowhere else, so the order that makes them work is written once:

1. Time and randomness (`threads.vtime`): every clock follows the virtual one
   first, so whatever the later steps import or create reads virtual time.
2. Threads (`threads.primitives`): `_thread` and threading's lock become the
   kernel's before anything below makes a lock.
3. Probes, asyncio's (`aio.probes`) then threading's (`threads.probes`):
   threading's wrap the simulated lock of step 2, so they come after it.
4. Processes (`processes.context`): multiprocessing and the process executor
   stand on the simulated threads and locks of steps 2 and 3.
5. Refusals (`unsupported`): what cannot be simulated fails at the user's line;
   after step 4, which replaces some of the same os functions with simulated ones.
6. The network (`network.net`, then its `sockets` and `select` on top): the
   socket module, select and the selectors; the words for a task waiting on a
   stream are taught to the recorder.
7. Event loops: every loop and Task the program can create is a recorded one.

Before step 1 the runtime (tui.engine.runtime.RUN) is given the kernel and
the recorder; step 6 gives it the network.

The program's own output streams and the audit hook come later (they must not
see the engine's start-up): see `recording.main.Session.run`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tui.engine import cpython, unsupported
from tui.engine.aio import probes as aio_probes
from tui.engine.aio.loop import RecordedTask, SimEventLoop, SimEventLoopPolicy
from tui.engine.aio.streams import STREAM_WAITS
from tui.engine.clock import VirtualClock
from tui.engine.kinds.blocked import ThreadWaitProbe
from tui.engine.network import net, select, sockets
from tui.engine.processes import context as processes
from tui.engine.recording.recorder import Recorder
from tui.engine.runtime import RUN
from tui.engine.settings import Settings
from tui.engine.threads import primitives, vtime
from tui.engine.threads import probes as thread_probes
from tui.engine.threads.kernel import Kernel


def install_simulation(
    clock: VirtualClock, kernel: Kernel, recorder: Recorder, main_namespace: dict[str, Any], settings: Settings
) -> None:
    """Apply every patch, in the order the module docstring gives (recording process only)."""
    RUN.start(kernel, recorder, None, settings.seed)  # first: every step below reaches its parts through RUN
    vtime.install(clock, kernel, settings.seed)
    primitives.install()
    aio_probes.install()
    thread_probes.install()
    kernel.wait_probe = ThreadWaitProbe()  # a blocked thread's wait, in the words of its primitive's kind
    processes.install(main_namespace)
    unsupported.install(kernel)
    network = net.install(kernel, latency=settings.latency, bandwidth=settings.bandwidth)
    sockets.install(network)
    select.install()
    recorder.label_internal_futures(STREAM_WAITS)
    route_event_loops(clock, kernel, recorder)


def route_event_loops(clock: VirtualClock, kernel: Kernel, recorder: Recorder) -> None:
    """Every loop the program can create is a recorded one, however it asks for it."""

    class RecordedEventLoop(SimEventLoop):
        def __init__(self, selector: Any = None) -> None:
            super().__init__(clock=clock, idler=kernel, recorder=recorder)

    class RecordedEventLoopPolicy(SimEventLoopPolicy):
        loop_factory = RecordedEventLoop

    RecordedEventLoop.__name__ = RecordedEventLoop.__qualname__ = "SelectorEventLoop"
    for name in cpython.running.event_loop_classes:
        setattr(asyncio, name, RecordedEventLoop)
        setattr(asyncio.unix_events, name, RecordedEventLoop)  # type: ignore[attr-defined]
    # asyncio.Task(...) and the eager task factory (3.12+) make recorded tasks too.
    asyncio.Task = asyncio.tasks.Task = RecordedTask  # type: ignore[misc]
    if cpython.running.eager_tasks:
        # asyncio made its eager_task_factory from the C Task at import.
        factory = asyncio.tasks.create_eager_task_factory(RecordedTask)  # type: ignore[attr-defined]
        asyncio.eager_task_factory = asyncio.tasks.eager_task_factory = factory  # type: ignore[attr-defined]
    # asyncio.set_event_loop_policy(None) falls back to this name.
    asyncio.DefaultEventLoopPolicy = RecordedEventLoopPolicy  # type: ignore[misc]
    asyncio.set_event_loop_policy(RecordedEventLoopPolicy())
