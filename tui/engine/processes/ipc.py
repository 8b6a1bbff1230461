"""Provides what processes send each other: multiprocessing's queues, pipes, shared values and locks.

A queue or a pipe is one kernel-level object that every process sees (fork
does not copy it: `Shared`); what goes through it is pickled by the sender
and unpickled by the receiver. multiprocessing.Queue has a pipe of
PIPE_CAPACITY bytes behind it, written by a feeder thread of the putting
process, so the documented trap of joining a child before reading what it
put is there (FeederQueue). Value, Array and the synchronization primitives
are one object for every process, with the lock they are made with.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from typing import Any

from tui.engine.processes.fork import Shared
from tui.engine.processes.identity import current_process, the_kernel
from tui.engine.processes.pickles import dumps, loads
from tui.engine.runtime import RUN
from tui.engine.threads.actors import Blocker, SimThread
from tui.engine.threads.kernel import Kernel
from tui.engine.threads.primitives import SimLock, allocate_lock


class SimQueue(Shared):
    """multiprocessing.Queue: objects are pickled on put and unpickled by the receiving process."""

    def __init__(self, maxsize: int = 0, *, ctx: Any = None) -> None:
        self._maxsize = maxsize if maxsize > 0 else 1 << 31
        self._items: deque[bytes] = deque()
        self._mutex = allocate_lock()
        self._not_empty = threading.Condition(self._mutex)
        self._not_full = threading.Condition(self._mutex)
        self._unfinished = 0
        self._all_done = threading.Condition(self._mutex)
        self._closed = False

    def put(self, obj: Any, block: bool = True, timeout: float | None = None) -> None:
        if self._closed:
            raise ValueError(f"Queue {self!r} is closed")
        data = dumps(obj)
        with self._not_full:
            if len(self._items) >= self._maxsize and (
                not block or not self._not_full.wait_for(lambda: len(self._items) < self._maxsize, timeout)
            ):
                raise queue.Full
            self._items.append(data)
            self._item_put()
            self._unfinished += 1
            self._not_empty.notify()

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        with self._not_empty:
            if not self._items and (not block or not self._not_empty.wait_for(lambda: bool(self._items), timeout)):
                raise queue.Empty
            data = self._items.popleft()
            self._item_taken()
            self._not_full.notify()
        return loads(data)

    def _item_put(self) -> None:
        """An item joined the end of the queue (the mutex is held)."""

    def _item_taken(self) -> None:
        """The first item left the queue (the mutex is held)."""

    def put_nowait(self, obj: Any) -> None:
        self.put(obj, False)

    def get_nowait(self) -> Any:
        return self.get(False)

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        return len(self._items) >= self._maxsize

    def close(self) -> None:
        self._closed = True

    def join_thread(self) -> None:
        """Nothing to flush: items are in the queue as soon as put() returns."""

    def cancel_join_thread(self) -> None:
        """Nothing to cancel (see join_thread)."""

    # JoinableQueue
    def task_done(self) -> None:
        with self._all_done:
            if self._unfinished <= 0:
                raise ValueError("task_done() called too many times")
            self._unfinished -= 1
            if self._unfinished == 0:
                self._all_done.notify_all()

    def join(self) -> None:
        with self._all_done:
            self._all_done.wait_for(lambda: self._unfinished == 0)


PIPE_CAPACITY = 64 * 1024
"""Bytes a Linux pipe holds: a Queue's feeder thread waits to write past this until the other end reads."""
MESSAGE_HEADER = 4
"""Bytes Connection.send_bytes() writes before each pickled object (its length)."""


class FeederFlush(Blocker):
    """A process that must let its Queue feeder write everything it was given into the pipe first."""

    __slots__ = ("pid", "queue")

    def __init__(self, queue: FeederQueue, pid: int) -> None:
        self.queue = queue
        self.pid = pid

    def describe(self, kernel: Kernel) -> tuple[str, str]:
        left = self.queue.unwritten(self.pid)
        return (
            "multiprocessing.Queue",
            f"waits for its multiprocessing.Queue feeder to write {left:,} more bytes into the queue's pipe "
            f"(full at {PIPE_CAPACITY:,} bytes until someone reads the queue)",
        )


class FeederQueue(SimQueue):
    """multiprocessing.Queue and JoinableQueue: a pipe of PIPE_CAPACITY bytes behind each queue.

    As in CPython, put() never blocks on the pipe: a feeder thread of the
    putting process writes each pickled object into it, waiting while it is
    full. What this makes visible is the documented trap: a process cannot
    exit while its feeder still has data to write, so a parent that joins a
    child before reading what the child put in the queue waits for ever once
    that is more than the pipe holds (a deadlock, reported). The same holds
    for the main process at exit. `cancel_join_thread()` lets a process exit
    anyway, and what was not written yet is lost.
    """

    def __init__(self, maxsize: int = 0, *, ctx: Any = None) -> None:
        super().__init__(maxsize, ctx=ctx)
        self._writers: deque[int] = deque()
        """The pid of the process that put each item, in the order of _items."""
        self._flushing: list[SimThread] = []
        self._no_flush: set[int] = set()
        """Processes that called cancel_join_thread()."""
        RUN.processes.feeder_queues[RUN.number("feeder queue", 0)] = self

    def _item_put(self) -> None:
        self._writers.append(the_kernel().proc.pid)

    def _item_taken(self) -> None:
        self._writers.popleft()
        kernel = the_kernel()
        for thread in list(self._flushing):
            kernel.wake(thread, via="multiprocessing.Queue")

    def unwritten(self, pid: int) -> int:
        """Bytes of what process `pid` put that are not in the pipe yet (they wait in its feeder)."""
        written = left = 0
        for data, writer in zip(self._items, self._writers, strict=True):
            start, written = written, written + len(data) + MESSAGE_HEADER
            if writer == pid and written > PIPE_CAPACITY:
                left += written - max(start, PIPE_CAPACITY)
        return left

    def flush(self, pid: int) -> None:
        """Wait until process `pid`'s feeder has written all it holds (or drop it: cancel_join_thread)."""
        if pid in self._no_flush:
            self.drop_unwritten(pid)
            return
        kernel = the_kernel()
        while self.unwritten(pid) > 0:
            me = kernel.current
            self._flushing.append(me)
            try:
                kernel.block(FeederFlush(self, pid), None)
            finally:
                self._flushing.remove(me)

    def drop_unwritten(self, pid: int) -> None:
        """Process `pid`'s feeder is gone: what it had not begun to write is lost.

        A JoinableQueue still counts those items as unfinished (put() counted
        them), so a join() on it waits for ever, as in CPython.
        """
        with self._mutex:
            kept: list[tuple[bytes, int]] = []
            written = 0
            for data, writer in zip(self._items, self._writers, strict=True):
                start, written = written, written + len(data) + MESSAGE_HEADER
                if writer == pid and start >= PIPE_CAPACITY:
                    continue  # still in the dead feeder's buffer: lost
                kept.append((data, writer))
            self._items = deque(data for data, _ in kept)
            self._writers = deque(writer for _, writer in kept)

    def join_thread(self) -> None:
        """Wait for this process's feeder to write everything into the pipe (after close(), as CPython asserts)."""
        if not self._closed:
            raise AssertionError(f"Queue {self!r} not closed")
        self.flush(the_kernel().proc.pid)

    def cancel_join_thread(self) -> None:
        """Let this process exit without waiting for its feeder (what it has not written is lost)."""
        self._no_flush.add(the_kernel().proc.pid)


def _queues_in_order() -> list[FeederQueue]:
    """Every live Queue, in the order they were made (never by address)."""
    return [queue_ for _number, queue_ in sorted(RUN.processes.feeder_queues.items())]


def flush_feeders(pid: int) -> None:
    """Process `pid` ends: each Queue's feeder of it writes what it holds first (Queue._finalize_join)."""
    for queue_ in _queues_in_order():
        queue_.flush(pid)


def lose_feeders(pid: int) -> None:
    """Process `pid` dies (os._exit, a signal): what its feeders had not written yet is lost."""
    for queue_ in _queues_in_order():
        queue_.drop_unwritten(pid)


class SimSimpleQueue(SimQueue):
    def __init__(self, *, ctx: Any = None) -> None:
        super().__init__()


class SimConnection(Shared):
    """One end of multiprocessing.Pipe()."""

    def __init__(self, incoming: SimQueue, outgoing: SimQueue | None) -> None:
        self._incoming = incoming
        self._outgoing = outgoing
        self.closed = False

    def send(self, obj: Any) -> None:
        if self._outgoing is None:
            raise OSError("connection is read-only")
        self._outgoing.put(obj)

    def recv(self) -> Any:
        return self._incoming.get()

    def poll(self, timeout: float | None = 0.0) -> bool:
        if self._incoming.qsize():
            return True
        if not timeout:
            return False
        with self._incoming._not_empty:
            return self._incoming._not_empty.wait_for(lambda: bool(self._incoming._items), timeout)

    def close(self) -> None:
        self.closed = True


def Pipe(duplex: bool = True) -> tuple[SimConnection, SimConnection]:
    a_to_b, b_to_a = SimQueue(), SimQueue()
    if duplex:
        return SimConnection(b_to_a, a_to_b), SimConnection(a_to_b, b_to_a)
    return SimConnection(a_to_b, None), SimConnection(a_to_b, a_to_b)


class SimValue(Shared):
    """multiprocessing.Value: one shared value and its lock."""

    def __init__(self, typecode_or_type: Any, *args: Any, lock: Any = True) -> None:
        self._typecode = typecode_or_type
        self.value = args[0] if args else 0
        self._lock = SharedRLock() if lock is True else (lock or None)

    def get_lock(self) -> Any:
        return self._lock

    def __repr__(self) -> str:
        return f"<Synchronized wrapper for c_{self._typecode}({self.value!r})>"


class SimArray(Shared, list):  # type: ignore[misc]
    """multiprocessing.Array: a shared list and its lock."""

    def __init__(self, typecode_or_type: Any, size_or_initializer: Any, *, lock: Any = True) -> None:
        initial = [0] * size_or_initializer if isinstance(size_or_initializer, int) else list(size_or_initializer)
        list.__init__(self, initial)
        self._lock = SharedRLock() if lock is True else (lock or None)

    def get_lock(self) -> Any:
        return self._lock


class SharedLock(Shared, SimLock):
    """multiprocessing.Lock: one lock for every process."""

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise RuntimeError("Lock objects should only be shared between processes through inheritance")

    def __repr__(self) -> str:
        """As multiprocessing.synchronize.Lock words its owner, seen from the caller."""
        me = the_kernel().current
        owner = self._owner if self._locked else None
        if owner is None:
            name = "None"
        elif owner is me:
            name = current_process().name + ("" if me.name == "MainThread" else f"|{me.name}")
        else:
            name = "SomeOtherThread" if owner.proc is me.proc else "SomeOtherProcess"
        return f"<Lock(owner={name})>"


class SharedRLock(Shared, threading._PyRLock):  # type: ignore[misc, name-defined]
    pass


class SharedSemaphore(Shared, threading.Semaphore):
    pass


class SharedBoundedSemaphore(Shared, threading.BoundedSemaphore):
    pass


class SharedEvent(Shared, threading.Event):
    pass


class SharedCondition(Shared, threading.Condition):
    pass


class SharedBarrier(Shared, threading.Barrier):
    pass
