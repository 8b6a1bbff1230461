"""Provides multiprocessing.Pool: worker processes fed through a task queue, results through another.

As in CPython, the work is cut into chunks, each pickled onto the task queue
the workers share; a thread of the parent takes the results off the results
queue and hands each to the AsyncResult or the imap iterator waiting for it,
callbacks and all.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from tui.engine.processes.identity import the_kernel
from tui.engine.processes.ipc import SimQueue
from tui.engine.processes.pickles import dumps, loads
from tui.engine.processes.process import SimProcess
from tui.engine.processes.worker import STOP, pool_worker
from tui.engine.threads.primitives import allocate_lock


class AsyncResult:
    """What apply_async()/map_async() return: get(), wait(), ready(), successful()."""

    def __init__(self, parts: int, callback: Any, error_callback: Any, single: bool) -> None:
        self._parts: list[Any] = [None] * parts
        self._missing = parts
        self._ok = True
        self._error: BaseException | None = None
        self._event = threading.Event()
        self._callback = callback
        self._error_callback = error_callback
        self._single = single
        if parts == 0:
            self._finish()

    def _set(self, index: int, ok: bool, value: Any) -> None:
        if not ok and self._ok:
            self._ok, self._error = False, value
        self._parts[index] = value
        self._missing -= 1
        if self._missing == 0:
            self._finish()

    def _finish(self) -> None:
        if self._ok and self._callback is not None:
            self._callback(self._value())
        if not self._ok and self._error_callback is not None:
            self._error_callback(self._error)
        self._event.set()

    def _value(self) -> Any:
        if self._single:
            return self._parts[0]
        return [item for part in self._parts for item in part]

    def ready(self) -> bool:
        return self._event.is_set()

    def successful(self) -> bool:
        if not self.ready():
            raise ValueError(f"{self!r} not ready")
        return self._ok

    def wait(self, timeout: float | None = None) -> None:
        self._event.wait(timeout)

    def get(self, timeout: float | None = None) -> Any:
        self.wait(timeout)
        if not self.ready():
            import multiprocessing

            raise multiprocessing.TimeoutError
        if not self._ok:
            assert self._error is not None
            raise self._error
        return self._value()


class _Unordered:
    """imap_unordered(): results in the order they finish."""

    def __init__(self, count: int) -> None:
        self._results: deque[tuple[bool, Any]] = deque()
        self._cond = threading.Condition(allocate_lock())
        self._left = count
        """Chunks not yet taken."""
        self._ready: deque[Any] = deque()
        """Results of the chunk being handed out, one per item."""

    def _set(self, index: int, ok: bool, value: Any) -> None:
        with self._cond:
            self._results.append((ok, value))
            self._cond.notify()

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        while not self._ready:
            if self._left == 0:
                raise StopIteration
            ok, value = self._take_chunk()
            self._left -= 1
            if not ok:
                raise value
            self._ready.extend(value)
        return self._ready.popleft()

    def _take_chunk(self) -> tuple[bool, Any]:
        with self._cond:
            self._cond.wait_for(lambda: bool(self._results))
            return self._results.popleft()

    next = __next__


class _Ordered(_Unordered):
    """imap(): results in the order of the items, each as soon as it and those before it are in;
    an item that failed raises when the iteration reaches it."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self._chunks: dict[int, tuple[bool, Any]] = {}
        self._next_chunk = 0

    def _set(self, index: int, ok: bool, value: Any) -> None:
        with self._cond:
            self._chunks[index] = (ok, value)
            self._cond.notify()

    def _take_chunk(self) -> tuple[bool, Any]:
        with self._cond:
            self._cond.wait_for(lambda: self._next_chunk in self._chunks)
            taken = self._chunks.pop(self._next_chunk)
        self._next_chunk += 1
        return taken


_Ordered.__name__ = _Ordered.__qualname__ = "IMapIterator"
_Unordered.__name__ = _Unordered.__qualname__ = "IMapUnorderedIterator"


class SimPool:
    """multiprocessing.Pool: worker processes fed through a task queue, results through another."""

    def __init__(
        self,
        processes: int | None = None,
        initializer: Callable[..., Any] | None = None,
        initargs: Iterable[Any] = (),
        maxtasksperchild: int | None = None,
        context: Any = None,
    ) -> None:
        count = processes if processes is not None else the_kernel().cores
        if count < 1:
            raise ValueError("Number of processes must be at least 1")
        self._tasks = SimQueue()
        self._results = SimQueue()
        self._jobs: dict[int, Any] = {}
        self._job_numbers = itertools.count()
        self._closed = False
        self._pool = []
        for _ in range(count):
            worker = SimProcess(
                target=pool_worker,
                args=(self._tasks, self._results, initializer, tuple(initargs)),
                daemon=True,
            )
            worker.name = worker.name.replace("Process", "ForkPoolWorker")  # as multiprocessing.pool does
            worker.start()
            self._pool.append(worker)
        self._handler = threading.Thread(target=self._handle_results, name="Thread (pool results)", daemon=True)
        self._handler.start()

    def _handle_results(self) -> None:
        """Runs in the parent, like CPython's result-handler thread: results and callbacks."""
        while True:
            item = self._results.get()
            if item is STOP:
                return
            job, index, data = item
            ok, value = loads(data)
            self._jobs[job]._set(index, ok, value)

    def _check_running(self) -> None:
        if self._closed:
            raise ValueError("Pool not running")

    def _submit(self, result: Any, chunks: list[tuple[Any, Any, str]]) -> Any:
        job = next(self._job_numbers)
        self._jobs[job] = result
        for index, (function, arguments, mode) in enumerate(chunks):
            self._tasks.put((job, index, dumps((function, arguments, mode))))
        return result

    @staticmethod
    def _chunks(iterable: Iterable[Any], chunksize: int) -> list[list[Any]]:
        items = list(iterable)
        return [items[i : i + chunksize] for i in range(0, len(items), chunksize)]

    def _chunksize(self, iterable: list[Any], chunksize: int | None) -> int:
        if chunksize is not None:
            return max(1, chunksize)
        size, extra = divmod(len(iterable), len(self._pool) * 4)
        return max(1, size + (1 if extra else 0))

    def apply_async(
        self,
        func: Callable[..., Any],
        args: Iterable[Any] = (),
        kwds: dict[str, Any] | None = None,
        callback: Any = None,
        error_callback: Any = None,
    ) -> AsyncResult:
        self._check_running()
        result = AsyncResult(1, callback, error_callback, single=True)
        return self._submit(result, [(func, (tuple(args), dict(kwds or {})), "call")])

    def apply(self, func: Callable[..., Any], args: Iterable[Any] = (), kwds: dict[str, Any] | None = None) -> Any:
        return self.apply_async(func, args, kwds).get()

    def map_async(
        self,
        func: Callable[..., Any],
        iterable: Iterable[Any],
        chunksize: int | None = None,
        callback: Any = None,
        error_callback: Any = None,
        *,
        _mode: str = "map",
    ) -> AsyncResult:
        self._check_running()
        items = list(iterable)
        chunks = self._chunks(items, self._chunksize(items, chunksize))
        result = AsyncResult(len(chunks), callback, error_callback, single=False)
        return self._submit(result, [(func, chunk, _mode) for chunk in chunks])

    def map(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int | None = None) -> list[Any]:
        return self.map_async(func, iterable, chunksize).get()

    def starmap(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int | None = None) -> list[Any]:
        return self.map_async(func, iterable, chunksize, _mode="star").get()

    def starmap_async(
        self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int | None = None, **kw: Any
    ) -> Any:
        return self.map_async(func, iterable, chunksize, _mode="star", **kw)

    def imap(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int = 1) -> Iterator[Any]:
        return self._imap(_Ordered, func, iterable, chunksize)

    def imap_unordered(self, func: Callable[..., Any], iterable: Iterable[Any], chunksize: int = 1) -> Iterator[Any]:
        return self._imap(_Unordered, func, iterable, chunksize)

    def _imap(self, kind: type[_Unordered], func: Callable[..., Any], iterable: Iterable[Any], chunksize: int) -> Any:
        self._check_running()
        chunks = self._chunks(iterable, max(1, chunksize))
        results = kind(len(chunks))
        self._submit(results, [(func, chunk, "map") for chunk in chunks])
        return results

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            for _ in self._pool:
                self._tasks.put(STOP)

    def terminate(self) -> None:
        self._closed = True
        for worker in self._pool:
            worker.terminate()

    def join(self) -> None:
        for worker in self._pool:
            worker.join()

    def __enter__(self) -> SimPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.terminate()  # as CPython's Pool does

    def __repr__(self) -> str:
        return f"<multiprocessing.pool.Pool state={'CLOSE' if self._closed else 'RUN'} pool_size={len(self._pool)}>"
