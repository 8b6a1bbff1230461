"""Provides concurrent.futures.ProcessPoolExecutor: each call pickled to a worker process and back.

As in concurrent.futures.process: the workers start at the first submit(), a
manager thread of the parent takes the results and settles the futures, and
at most max_workers + 1 calls wait in the call queue (those not in it yet are
PENDING and can be cancelled). A worker whose initializer fails, or that
ends by os._exit(), breaks the executor (BrokenProcessPool). At the
program's exit an executor it never shut down finishes its work first.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from tui.engine.processes.fork import Shared
from tui.engine.processes.identity import the_kernel
from tui.engine.processes.ipc import SimQueue
from tui.engine.processes.pickles import dumps, loads
from tui.engine.processes.process import SimProcess
from tui.engine.processes.worker import INIT_FAILED, STOP, WORKER_DIED, pool_worker
from tui.engine.runtime import RUN


class SimProcessPoolExecutor(Shared):
    """concurrent.futures.ProcessPoolExecutor: each call pickled to a worker process and back."""

    def __init__(
        self,
        max_workers: int | None = None,
        mp_context: Any = None,
        initializer: Callable[..., Any] | None = None,
        initargs: tuple[Any, ...] = (),
        *,
        max_tasks_per_child: int | None = None,
    ) -> None:
        if max_workers is not None and max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        self._max_workers = max_workers or the_kernel().cores
        self._initializer = initializer
        self._initargs = initargs
        self._tasks = SimQueue()
        self._results = SimQueue()
        self._futures: dict[int, Any] = {}
        self._payloads: dict[int, bytes] = {}
        self._pending: deque[int] = deque()
        """Submitted calls not yet in the call queue: their futures are PENDING and can be cancelled."""
        self._queued = 0
        """Calls handed to the workers and not yet answered (at most max_workers + 1, as in CPython)."""
        self._numbers = itertools.count()
        self._processes: list[SimProcess] = []
        self._manager: threading.Thread | None = None
        self._shutdown = False
        self._broken: str | None = None
        RUN.processes.open_executors.append(weakref.ref(self))

    def _start(self) -> None:
        while len(self._processes) < self._max_workers:
            worker = SimProcess(
                target=pool_worker,
                args=(self._tasks, self._results, self._initializer, self._initargs, True),
            )
            worker.name = worker.name.replace("Process", "ForkProcess")  # the fork context's Process
            worker.start()
            self._processes.append(worker)
        if self._manager is None:
            self._manager = threading.Thread(target=self._manage, name="ExecutorManagerThread", daemon=True)
            self._manager.start()

    def _feed(self) -> None:
        """Move pending calls to the workers while the call queue has room (max_workers + 1 places)."""
        while self._pending and self._queued < self._max_workers + 1:
            number = self._pending.popleft()
            payload = self._payloads.pop(number)
            if not self._futures[number].set_running_or_notify_cancel():
                del self._futures[number]  # cancelled while it waited
                continue
            self._queued += 1
            self._tasks.put((number, 0, payload))

    def _manage(self) -> None:
        while True:
            item = self._results.get()
            if item is STOP:
                return
            if item in (INIT_FAILED, WORKER_DIED):
                self._break()
                return
            number, _index, data = item
            ok, value = loads(data)
            self._queued -= 1
            future = self._futures.pop(number)
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
            self._feed()

    def _break(self) -> None:
        """A worker died (its initializer failed, or os._exit): every call not done fails, and no new one is taken."""
        from concurrent.futures.process import BrokenProcessPool

        self._broken = "A child process terminated abruptly, the process pool is not usable anymore"
        self._pending.clear()
        self._payloads.clear()
        for future in self._futures.values():
            if future.cancelled():
                continue  # cancelled while it waited: it stays so
            future.set_exception(
                BrokenProcessPool(
                    "A process in the process pool was terminated abruptly while the future was running or pending."
                )
            )
        self._futures.clear()
        for worker in self._processes:
            worker.terminate()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        import concurrent.futures

        if self._broken:
            from concurrent.futures.process import BrokenProcessPool

            raise BrokenProcessPool(self._broken)
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            payload = dumps((fn, (args, kwargs), "call"))
        except Exception as exc:  # CPython reports this through the future too
            future.set_exception(exc)
            return future
        number = next(self._numbers)
        self._futures[number] = future
        self._payloads[number] = payload
        self._pending.append(number)
        self._start()
        self._feed()
        return future

    def map(
        self, fn: Callable[..., Any], *iterables: Iterable[Any], timeout: float | None = None, chunksize: int = 1
    ) -> Iterator[Any]:
        import concurrent.futures

        return concurrent.futures.Executor.map(self, fn, *iterables, timeout=timeout)  # type: ignore[arg-type]

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._shutdown:
            return
        self._shutdown = True
        if cancel_futures:
            for number in self._pending:
                self._futures.pop(number).cancel()
            self._pending.clear()
        # What is still pending runs before the workers stop (the call queue's order).
        self._queued += len(self._pending)
        while self._pending:
            number = self._pending.popleft()
            if self._futures[number].set_running_or_notify_cancel():
                self._tasks.put((number, 0, self._payloads.pop(number)))
            else:
                self._queued -= 1
                del self._futures[number]
                self._payloads.pop(number, None)
        for _ in self._processes:
            self._tasks.put(STOP)
        if wait:
            for worker in self._processes:
                worker.join()
            if self._manager is not None:
                self._results.put(STOP)
                self._manager.join()

    def __enter__(self) -> SimProcessPoolExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown(wait=True)


def shutdown_open_executors() -> None:
    """concurrent.futures.process's exit hook (threading._register_atexit): an executor the program
    never shut down finishes the work it was given, then its workers stop."""
    for ref in RUN.processes.open_executors:
        executor = ref()
        if executor is not None:
            executor.shutdown(wait=True)
