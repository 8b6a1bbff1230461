"""Provides Kernel: a deterministic scheduler for the recorded program's threads.

Every thread of the program is a real OS thread, but only one of them runs at
a time: the one holding the baton (our model of the GIL). The others are
parked on a private lock. A thread hands the baton on only where CPython's
would let another thread in: when it blocks (a lock, a sleep, a join, an idle
event loop) or ends. Who runs next is the oldest runnable thread, so the same
program always interleaves the same way. When nobody can run, the kernel
jumps the virtual clock to the earliest timed wait; when nobody can ever run
again, that is a deadlock and the kernel says who waits for whom.
"""

from __future__ import annotations

import _thread
import heapq
import sys
from collections import deque
from collections.abc import Callable
from typing import Any

from tui.engine.clock import VirtualClock

# The real primitives, captured before the recording process patches threading.
real_allocate_lock = _thread.allocate_lock
real_start_new_thread = _thread.start_new_thread
real_get_ident = _thread.get_ident

RUNNING = "running"
RUNNABLE = "runnable"
BLOCKED = "blocked"
DONE = "done"


class SimThread:
    """One thread of the recorded program, as the kernel sees it."""

    __slots__ = (
        "actor",
        "blocked_on",
        "failed",
        "ident",
        "loop_depth",
        "name",
        "park",
        "sentinel",
        "slice_start",
        "state",
        "tid",
        "timed_out",
        "wake_seq",
        "why",
    )

    def __init__(self, tid: str, name: str) -> None:
        self.tid = tid
        self.name = name
        self.ident = 0
        self.park = real_allocate_lock()
        self.state = RUNNABLE
        self.blocked_on: Any = None
        self.timed_out = False
        self.wake_seq = 0
        self.sentinel: Any = None
        self.loop_depth = 0
        self.actor = tid
        """The actor to restore in the recorder when this thread runs again."""
        self.slice_start = 0.0
        self.why: list[Any] = ["new"]
        self.failed: str | None = None

    def __repr__(self) -> str:
        return f"<SimThread {self.tid} {self.name} {self.state}>"


class Blocker:
    """Something a thread blocks on; subclasses say what, for frames and reports."""

    __slots__ = ()

    def describe(self, kernel: Kernel) -> tuple[str, str]:
        """(resource id or label, words) for a frame's `on` and `wait`."""
        return ("?", "blocked")

    def holders(self, kernel: Kernel) -> list[str]:
        """Actors that must act before the waiter can go on (edges of a wait-for graph)."""
        return []


class Sleep(Blocker):
    __slots__ = ("until",)

    def __init__(self, until: float) -> None:
        self.until = until

    def describe(self, kernel: Kernel) -> tuple[str, str]:
        return ("sleep", f"sleeps until t={self.until:.3f}s")


class LoopIdle(Blocker):
    """The event loop waits in what would be select(): for a timer or a thread."""

    __slots__ = ("loop",)

    def __init__(self, loop: Any) -> None:
        self.loop = loop

    def describe(self, kernel: Kernel) -> tuple[str, str]:
        return ("loop", "event loop idle")


class Kernel:
    """Owns the baton, the runnable queue and the timed waits of every thread."""

    def __init__(self, clock: VirtualClock, on_deadlock: Callable[[Kernel], None]) -> None:
        self.clock = clock
        self.on_deadlock = on_deadlock
        self.threads: list[SimThread] = []
        self.by_ident: dict[int, SimThread] = {}
        self.runnable: deque[SimThread] = deque()
        self._timed: list[tuple[float, int, SimThread]] = []
        self._seq = 0
        self.recorder: Any = None
        self.switches = 0
        main = self._new_thread("MainThread")
        main.ident = real_get_ident()
        main.state = RUNNING
        self.by_ident[main.ident] = main
        self.main = main
        self.current = main

    def _new_thread(self, name: str) -> SimThread:
        thread = SimThread(f"Th{len(self.threads) + 1}", name)
        thread.park.acquire()
        self.threads.append(thread)
        return thread

    # -- blocking and waking --------------------------------------------------------

    def block(self, on: Blocker, deadline: float | None = None) -> bool:
        """Park the current thread on `on` until woken or `deadline`; False if it timed out."""
        me = self.current
        me.state = BLOCKED
        me.blocked_on = on
        me.timed_out = False
        if deadline is not None:
            self._seq += 1
            me.wake_seq = self._seq
            heapq.heappush(self._timed, (deadline, self._seq, me))
        else:
            me.wake_seq = 0
        self._hand_on(me)
        me.blocked_on = None
        return not me.timed_out

    def wake(self, thread: SimThread, by: str | None = None, via: str | None = None) -> None:
        """Make a blocked thread runnable (it runs when the baton reaches it)."""
        if thread.state != BLOCKED:
            return
        thread.state = RUNNABLE
        thread.wake_seq = 0
        thread.why = ["wake", via or "?", by or self.current.actor]
        self.runnable.append(thread)

    def yield_now(self) -> None:
        """time.sleep(0): let every other runnable thread go first."""
        if not self.runnable:
            return
        me = self.current
        me.state = RUNNABLE
        me.why = ["yield"]
        self.runnable.append(me)
        self._hand_on(me)

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            self.yield_now()
            return
        until = self.clock.now + seconds
        self.block(Sleep(until), until)

    def _pick_next(self) -> SimThread:
        if self.runnable:
            return self.runnable.popleft()
        timed = self._timed
        while timed:
            when, seq, thread = heapq.heappop(timed)
            if thread.wake_seq == seq and thread.state == BLOCKED:
                self.clock.advance_to(when)
                thread.state = RUNNABLE
                thread.timed_out = True
                thread.wake_seq = 0
                thread.why = ["timer", when]
                return thread
        self.on_deadlock(self)
        raise AssertionError("on_deadlock must not return")

    def _hand_on(self, me: SimThread) -> None:
        """Give the baton to the next thread and park until it comes back."""
        nxt = self._pick_next()
        if nxt is me:
            me.state = RUNNING
            return
        self._switch(me, nxt)
        if me.state != DONE:
            me.park.acquire()
            if me.loop_depth and self.recorder is not None:
                self.recorder.thread_resumed(me)

    def _switch(self, me: SimThread, nxt: SimThread) -> None:
        self.switches += 1
        rec = self.recorder
        if rec is not None:
            me.actor = rec.current
            if me.loop_depth == 0:
                rec.thread_slice_ended(self, me)
            else:
                rec.step_interrupted(self, me)
            rec.current = nxt.actor
        nxt.state = RUNNING
        nxt.slice_start = self.clock.now
        self.current = nxt
        nxt.park.release()

    # -- thread lifecycle --------------------------------------------------------------

    def start_thread(self, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any] | None) -> int:
        """What threading's `_start_new_thread` does here: a real thread that waits for the baton."""
        owner = getattr(function, "__self__", None)
        name = getattr(owner, "name", None) or getattr(function, "__name__", "thread")
        thread = self._new_thread(str(name))

        def bootstrap() -> None:
            thread.park.acquire()
            try:
                function(*args, **(kwargs or {}))
            except SystemExit:
                pass
            except BaseException as exc:  # what _thread prints for an unhandled error
                thread.failed = f"{type(exc).__name__}: {exc}"
                print(f"Exception in thread {thread.name}: {exc!r}", file=sys.stderr)
            finally:
                self._exit(thread)

        thread.why = ["new", self.current.actor if self.recorder is None else self.recorder.current]
        ident = real_start_new_thread(bootstrap, ())
        thread.ident = ident
        self.by_ident[ident] = thread
        if self.recorder is not None:
            self.recorder.thread_created(thread)
        # The new thread runs first: Thread.start() waits for it to signal
        # that it started, and on CPython it then keeps the GIL until it
        # blocks or its switch interval ends.
        self.runnable.append(thread)
        return ident

    def _exit(self, thread: SimThread) -> None:
        sentinel = thread.sentinel
        if sentinel is not None and sentinel.locked():
            sentinel.release()
        thread.state = DONE
        self._hand_on(thread)

    def idle(self, loop: Any, deadline: float | None) -> None:
        """The Idler protocol: an idle event loop blocks its thread until a timer or a wakeup."""
        blocker = LoopIdle(loop)
        loop._cc_idle = (self.current, blocker)
        self.block(blocker, deadline)
        loop._cc_idle = None

    def wakeup(self, loop: Any) -> None:
        """call_soon_threadsafe: wake the loop's thread if it sits idle."""
        idle = getattr(loop, "_cc_idle", None)
        if idle is not None:
            thread, blocker = idle
            if thread.blocked_on is blocker:
                self.wake(thread, via="loop")

    def thread_of_ident(self, ident: int) -> SimThread | None:
        return self.by_ident.get(ident)

    def blocked_threads(self) -> list[SimThread]:
        return [t for t in self.threads if t.state == BLOCKED]
