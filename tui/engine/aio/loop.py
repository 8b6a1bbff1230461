"""Provides SimEventLoop: CPython's event loop, run on a virtual clock.

Why one module of this size: it overrides BaseEventLoop's scheduling methods (call_soon,
call_at, create_task, run_in_executor, _run_once, ...) each mirroring CPython's own line for
line, with the handle, timer and task classes they make; one loop, as in asyncio.base_events.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import heapq
import math
import sys
import threading
from asyncio import base_events, events, futures
from collections.abc import Callable
from typing import Any, Protocol

from tui.engine.aio.sockets import SocketReadiness
from tui.engine.clock import VirtualClock
from tui.engine.errors import DeadlockError, UnsupportedInSimulation
from tui.engine.hooks import Hooks
from tui.engine.runtime import RUN

# Mirrors asyncio.base_events: past this many timers, and this share of them
# cancelled, the heap is rebuilt instead of popping cancelled heads lazily.
_MIN_SCHEDULED_TIMER_HANDLES = base_events._MIN_SCHEDULED_TIMER_HANDLES
_MIN_CANCELLED_TIMER_HANDLES_FRACTION = base_events._MIN_CANCELLED_TIMER_HANDLES_FRACTION

# CPython reads this from the monotonic clock (1 ns on Linux); a fixed value
# keeps the "is this timer due?" test identical on every machine.
CLOCK_RESOLUTION = 1e-09


class Idler(Protocol):
    """What the loop does when nothing is ready: wait for a timer or a thread."""

    def idle(self, loop: SimEventLoop, deadline: float | None) -> None:
        """Return once `deadline` is reached or another thread woke the loop."""

    def wakeup(self, loop: SimEventLoop) -> None:
        """Called by call_soon_threadsafe, from any thread."""


class _RecordedHandle(events.Handle):
    """A Handle that carries what the recorder needs to name its step."""

    __slots__ = ("_actor", "_hid", "_task", "_why")

    def cancel(self) -> None:
        if not self._cancelled:
            self._loop._rec.handle_cancelled(self)
        super().cancel()


class _ArmedTimerHandle(events.TimerHandle):
    """A TimerHandle that fires after the timers armed before it, when both are due together.

    On CPython the clock moves between two call_at() calls, so of two timers
    with the same delay the one armed later is due a little later: they fire
    in the order they were armed. On a virtual clock they would be due at the
    very same instant, and the heap could pick either; `_seq` keeps CPython's
    order (and so a packet sent before another arrives first).
    """

    __slots__ = ("_seq",)

    def __lt__(self, other: object) -> bool:
        if isinstance(other, _ArmedTimerHandle):
            when, other_when = self._when, other._when
            return when < other_when or (when == other_when and self._seq < other._seq)
        return super().__lt__(other)


class _RecordedTimerHandle(_ArmedTimerHandle):
    """An _ArmedTimerHandle that carries what the recorder needs to name its firing."""

    __slots__ = ("_actor", "_hid", "_task", "_why")

    def cancel(self) -> None:
        if not self._cancelled:
            self._loop._rec.handle_cancelled(self)
        super().cancel()


class RecordedTask(asyncio.Task):  # type: ignore[type-arg]
    """asyncio's own (C) Task, hashed by creation order instead of by address.

    asyncio keeps tasks in sets (all_tasks(), TaskGroup._tasks) and cancels them
    in set order when something fails; with address-based hashes that order,
    and so the recorded trace, would change from run to run.

    A task started eagerly (3.12+: `eager_start=True`, as eager_task_factory
    asks) runs its first step inside this constructor, so the recorder is told
    before and after it.
    """

    def __init__(self, coro: Any, *, loop: Any = None, name: Any = None, context: Any = None, **eager: Any) -> None:
        self._cc_number = RUN.number("task")
        if name is None:
            # CPython's own "Task-N" for an unnamed task, counted here, so the
            # name is known before an eager first step runs inside __init__.
            name = f"Task-{RUN.number('unnamed task')}"
        target = loop if loop is not None else events._get_running_loop()
        rec = getattr(target, "_rec", None)
        if rec is None or target is None or not eager.get("eager_start") or not target.is_running():
            super().__init__(coro, loop=loop, name=name, context=context, **eager)
            return
        rec.eager_step_begins(self, coro, name)
        try:
            super().__init__(coro, loop=loop, name=name, context=context, **eager)
        finally:
            rec.eager_step_ends(self)

    def __hash__(self) -> int:
        return self._cc_number

    def set_name(self, value: object) -> None:
        # asyncio.create_task(coro, name=...) names the task only after creating it.
        super().set_name(value)
        rec = getattr(self._loop, "_rec", None)  # asyncio.Task is a RecordedTask on any loop of the program
        if rec is not None:
            rec.task_renamed(self)


# asyncio names the class in messages ("Task exception was never retrieved",
# "<Task finished ...>"): the learner should read asyncio's own words.
RecordedTask.__name__ = RecordedTask.__qualname__ = "Task"


class StandaloneIdler:
    """Idling for a loop used on its own, outside the recording process.

    Threads here are real, so the loop cannot know what they will do; where
    CPython's loop would block in select(), this one:

    - with a timer pending, jumps the virtual clock to it, but first gives
      run_in_executor work in flight up to GRACE seconds of wall time to land:
      work in a thread costs no virtual time, so a quick job's result still
      arrives before a later timer (a job that waits on the loop itself, as
      run_coroutine_threadsafe() from a worker does, lets time go on);
    - with no timer at all, waits in wall time for another thread to call
      call_soon_threadsafe(), as CPython would, and reports a deadlock instead
      only once no other thread is left alive that could.
    """

    POLL = 0.05
    """Wall seconds between checks that some other thread could still wake the loop."""
    GRACE = 0.25
    """Wall seconds executor work in flight may take before the clock jumps to the next timer."""

    def __init__(self) -> None:
        self.in_flight = 0
        self._cond = threading.Condition(threading.Lock())
        self._woken = False

    def idle(self, loop: SimEventLoop, deadline: float | None) -> None:
        waited = 0.0
        with self._cond:
            while not self._woken:
                if deadline is not None and (not self.in_flight or waited >= self.GRACE):
                    break
                if deadline is None and not self.in_flight and not _another_thread_alive():
                    raise DeadlockError(describe_stuck_tasks(loop))
                self._cond.wait(self.POLL)
                waited += self.POLL
            if self._woken:
                self._woken = False
                return
        assert deadline is not None
        loop._clock.advance_to(deadline)

    def wakeup(self, loop: SimEventLoop) -> None:
        with self._cond:
            self._woken = True
            self._cond.notify_all()


def _idle_deadline(now: float, when: float) -> float | None:
    """Where an idle loop waits until, for the first timer's `when`, as CPython's select timeout works out.

    CPython waits `max(0, when - now)`: a NaN timer makes that 0, so it is
    due at once; an infinite one waits forever, which is no deadline at all.
    """
    if when != when:
        return now
    return None if when == math.inf else when


def _another_thread_alive() -> bool:
    me = threading.current_thread()
    return any(thread is not me and thread.is_alive() for thread in threading.enumerate())


def describe_stuck_tasks(loop: asyncio.AbstractEventLoop) -> str:
    """One line per unfinished task and what it awaits, for a deadlock report."""
    lines = ["deadlock: no callback is ready, no timer will fire, and no thread can wake the loop"]
    for task in sorted(asyncio.all_tasks(loop), key=lambda t: t.get_name()):
        waiter = task._fut_waiter  # type: ignore[attr-defined]
        lines.append(f"  {task.get_name()} waits for {waiter!r}")
    return "\n".join(lines)


class SimEventLoop(SocketReadiness, base_events.BaseEventLoop):
    """An asyncio event loop whose time is virtual and whose steps can be recorded.

    Everything that decides *what runs next* is CPython's own code or a line-for-
    line mirror of it (`_run_once`), so ready callbacks run in the same FIFO
    order and timers fire in the same heap order as on the stock loop. What
    differs: `time()` reads a VirtualClock, and instead of sleeping in
    `select()` the loop asks its Idler, which jumps the clock to the next timer.
    In the recording, simulated sockets it watches (add_reader, sock_recv...)
    are looked at where CPython selects, and wake it (SocketReadiness).
    """

    def __init__(
        self,
        *,
        clock: VirtualClock | None = None,
        idler: Idler | None = None,
        recorder: Hooks | None = None,
    ) -> None:
        super().__init__()
        self._clock = clock if clock is not None else VirtualClock()
        self._clock_resolution = CLOCK_RESOLUTION
        self._idler: Idler = idler if idler is not None else StandaloneIdler()
        self._rec = recorder
        self._hid = 0
        from tui.engine.network import net as simnet
        from tui.engine.network import select as simselect

        if simnet.in_simulation(self):
            self._watch_sockets(simselect.LoopSelector(self))

    # -- time ------------------------------------------------------------------

    def time(self) -> float:
        return self._clock.now

    # -- scheduling (mirrors base_events, plus a recorder hook) -----------------

    def _call_soon(self, callback: Callable[..., Any], args: Any, context: Any) -> events.Handle:
        rec = self._rec
        if rec is None:
            return super()._call_soon(callback, args, context)
        handle = _RecordedHandle(callback, args, self, context)
        if handle._source_traceback:
            del handle._source_traceback[-1]
        self._ready.append(handle)
        rec.handle_scheduled(handle, callback, args)
        return handle

    def call_at(self, when: float, callback: Callable[..., Any], *args: Any, context: Any = None) -> events.TimerHandle:
        """BaseEventLoop.call_at, with timers that keep the order they were armed in (_ArmedTimerHandle)."""
        if when is None:
            raise TypeError("when cannot be None")
        self._check_closed()
        if self._debug:
            self._check_thread()
            self._check_callback(callback, "call_at")
        rec = self._rec
        timer = (_RecordedTimerHandle if rec is not None else _ArmedTimerHandle)(when, callback, args, self, context)
        timer._seq = RUN.number("timer")  # one sequence for every loop: arming order is global, as wall time is
        if timer._source_traceback:
            del timer._source_traceback[-1]
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        if rec is not None:
            rec.timer_scheduled(timer, callback, args)
        return timer

    def create_task(self, coro: Any, *, name: str | None = None, context: Any = None) -> asyncio.Task[Any]:
        rec = self._rec
        if rec is None or self._task_factory is not None:
            return super().create_task(coro, name=name, context=context)
        self._check_closed()
        task = RecordedTask(coro, loop=self, name=name, context=context)
        if task._source_traceback:
            del task._source_traceback[-1]
        creator = sys._getframe(1)
        while creator.f_back is not None and creator.f_globals.get("__name__", "").startswith("asyncio"):
            creator = creator.f_back  # asyncio.create_task(...) and friends: who called them?
        rec.task_created(task, creator)
        return task

    def create_future(self) -> asyncio.Future[Any]:
        rec = self._rec
        if rec is None:
            return futures.Future(loop=self)
        return rec.make_future(self, sys._getframe(1))

    def run_forever(self) -> None:
        rec = self._rec
        if rec is not None:
            rec.loop_entered()
        try:
            super().run_forever()
        finally:
            if rec is not None:
                rec.loop_left()

    def run_until_complete(self, future: Any) -> Any:
        rec = self._rec
        if rec is None:
            return super().run_until_complete(future)
        is_main = rec.run_until_complete_started(self, future)
        result = super().run_until_complete(future)
        if is_main:
            rec.main_finished(result)
        return result

    def _write_to_self(self) -> None:
        self._idler.wakeup(self)

    def close(self) -> None:
        super().close()
        self._stop_watching()  # the sockets it watched forget it

    def _stop_serving(self, sock: Any) -> None:
        """Server.close() stops listening through its loop; a simulated server socket just closes."""
        sock.close()

    def run_in_executor(self, executor: Any, func: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        idler = self._idler
        if not isinstance(idler, StandaloneIdler):
            fut = super().run_in_executor(executor, func, *args)
            if self._rec is not None:
                self._rec.executor_future(fut, func)
            return fut
        idler.in_flight += 1
        fut = super().run_in_executor(executor, func, *args)

        def _landed(_: object) -> None:
            idler.in_flight -= 1

        fut.add_done_callback(_landed)
        return fut

    async def shutdown_default_executor(self, *args: Any, **kwargs: Any) -> None:
        if not isinstance(self._idler, StandaloneIdler):
            await super().shutdown_default_executor(*args, **kwargs)
            return
        # With real threads, a helper thread would wake the loop from outside
        # the virtual clock; joining the idle pool directly is equivalent.
        self._executor_shutdown_called = True
        executor: concurrent.futures.Executor | None = self._default_executor
        if executor is not None:
            executor.shutdown(wait=True)

    def _run_once(self) -> None:
        """One iteration, as BaseEventLoop._run_once, with select() replaced."""
        scheduled = self._scheduled
        sched_count = len(scheduled)
        if (
            sched_count > _MIN_SCHEDULED_TIMER_HANDLES
            and self._timer_cancelled_count / sched_count > _MIN_CANCELLED_TIMER_HANDLES_FRACTION
        ):
            live = []
            for handle in scheduled:
                if handle._cancelled:
                    handle._scheduled = False
                else:
                    live.append(handle)
            heapq.heapify(live)
            self._scheduled = scheduled = live
            self._timer_cancelled_count = 0
        else:
            while scheduled and scheduled[0]._cancelled:
                self._timer_cancelled_count -= 1
                handle = heapq.heappop(scheduled)
                handle._scheduled = False

        sockets_ready, room_at = self._look_at_sockets()
        if not (self._ready or self._stopping or sockets_ready):
            # Where CPython blocks in select(timeout), the idler either jumps
            # the clock to the next timer or lets another thread run.
            deadline = _idle_deadline(self._clock.now, scheduled[0]._when) if scheduled else None
            if room_at is not None:  # a full send buffer being waited on drains by then
                deadline = room_at if deadline is None else min(deadline, room_at)
            self._idler.idle(self, deadline)
            scheduled = self._scheduled
            sockets_ready, _ = self._look_at_sockets()
        if sockets_ready:
            self._process_events(sockets_ready)

        ready = self._ready
        rec = self._rec
        now = self._clock.now
        end_time = now + self._clock_resolution
        if end_time == now:
            # Past 2**24 s a nanosecond no longer moves a float: a timer due now must still be due.
            end_time = math.nextafter(now, math.inf)
        while scheduled:
            handle = scheduled[0]
            if handle._when >= end_time:
                break
            handle = heapq.heappop(scheduled)
            handle._scheduled = False
            ready.append(handle)
            if rec is not None:
                rec.timer_fired(handle)

        # Run only what was ready when the iteration began: callbacks they
        # schedule wait for the next iteration, exactly as on CPython.
        ntodo = len(ready)
        if self._debug:
            for _ in range(ntodo):
                handle = ready.popleft()
                if handle._cancelled:
                    continue
                self._run_debug(handle)
        elif rec is not None:
            run = rec.run_handle
            for _ in range(ntodo):
                handle = ready.popleft()
                if handle._cancelled:
                    continue
                run(handle)
        else:
            for _ in range(ntodo):
                handle = ready.popleft()
                if handle._cancelled:
                    continue
                handle._run()
        handle = None  # break cycles when a callback raised

    def _run_debug(self, handle: events.Handle) -> None:
        """Run one handle and warn if it held the loop, as debug mode does."""
        try:
            self._current_handle = handle
            t0 = self.time()
            if self._rec is not None:
                self._rec.run_handle(handle)
            else:
                handle._run()
            dt = self.time() - t0
            if dt >= self.slow_callback_duration:
                base_events.logger.warning("Executing %s took %.3f seconds", base_events._format_handle(handle), dt)
        finally:
            self._current_handle = None  # type: ignore[assignment]  # as BaseEventLoop._run_once does
            # A failed task's traceback keeps this frame (as the f_back of its
            # coroutine's frame): holding the handle here would keep the task
            # alive past its last reference, and delay "Task exception was
            # never retrieved" to the next garbage collection.
            handle = None  # type: ignore[assignment]

    # -- what the simulation does not model --------------------------------------

    def _unsupported(self, what: str) -> Any:
        raise UnsupportedInSimulation(what, "real sockets, pipes, signals and subprocesses are outside virtual time")

    # In the recording process the network is simulated (tui.engine.network.net);
    # a loop used on its own has no network at all.

    async def create_connection(self, *args: Any, **kwargs: Any) -> Any:
        from tui.engine.aio import streams as simstreams
        from tui.engine.network import net as simnet

        if simnet.in_simulation(self):
            return await simstreams.create_connection(self, *args, **kwargs)
        return self._unsupported("loop.create_connection() (real network I/O)")

    async def create_server(self, *args: Any, **kwargs: Any) -> Any:
        from tui.engine.aio import streams as simstreams
        from tui.engine.network import net as simnet

        if simnet.in_simulation(self):
            return await simstreams.create_server(self, *args, **kwargs)
        return self._unsupported("loop.create_server() (real network I/O)")

    async def create_unix_connection(self, *args: Any, **kwargs: Any) -> Any:
        return self._unsupported("loop.create_unix_connection() (real sockets)")

    async def create_unix_server(self, *args: Any, **kwargs: Any) -> Any:
        return self._unsupported("loop.create_unix_server() (real sockets)")

    async def create_datagram_endpoint(self, *args: Any, **kwargs: Any) -> Any:
        return self._unsupported("loop.create_datagram_endpoint() (real network I/O)")

    async def connect_accepted_socket(self, *args: Any, **kwargs: Any) -> Any:
        return self._unsupported("loop.connect_accepted_socket() (real sockets)")

    async def connect_read_pipe(self, *args: Any, **kwargs: Any) -> Any:
        return self._unsupported("loop.connect_read_pipe() (real pipes)")

    async def connect_write_pipe(self, *args: Any, **kwargs: Any) -> Any:
        return self._unsupported("loop.connect_write_pipe() (real pipes)")

    async def subprocess_exec(self, *args: Any, **kwargs: Any) -> Any:
        return self._unsupported("subprocesses (asyncio.create_subprocess_exec)")

    async def subprocess_shell(self, *args: Any, **kwargs: Any) -> Any:
        return self._unsupported("subprocesses (asyncio.create_subprocess_shell)")

    async def getaddrinfo(self, *args: Any, **kwargs: Any) -> Any:
        from tui.engine.aio import streams as simstreams
        from tui.engine.network import net as simnet

        if simnet.in_simulation(self):
            return await simstreams.getaddrinfo(*args, **kwargs)
        return self._unsupported("loop.getaddrinfo() (real DNS lookups)")

    async def getnameinfo(self, *args: Any, **kwargs: Any) -> Any:
        from tui.engine.aio import streams as simstreams
        from tui.engine.network import net as simnet

        if simnet.in_simulation(self):
            return await simstreams.getnameinfo(*args, **kwargs)
        return self._unsupported("loop.getnameinfo() (real DNS lookups)")

    async def sock_recvfrom(self, *args: Any) -> Any:
        return self._unsupported("loop.sock_recvfrom() (real sockets)")

    async def sock_sendto(self, *args: Any) -> Any:
        return self._unsupported("loop.sock_sendto() (real sockets)")

    async def sock_sendfile(self, *args: Any, **kwargs: Any) -> Any:
        return self._unsupported("loop.sock_sendfile() (real sockets)")

    async def sendfile(self, *args: Any, **kwargs: Any) -> Any:
        return self._unsupported("loop.sendfile() (real transports)")

    async def start_tls(self, *args: Any, **kwargs: Any) -> Any:
        return self._unsupported("loop.start_tls() (real transports)")

    def add_signal_handler(self, *args: Any) -> Any:
        return self._unsupported("loop.add_signal_handler() (POSIX signals)")

    def remove_signal_handler(self, *args: Any) -> Any:
        return self._unsupported("loop.remove_signal_handler() (POSIX signals)")


class SimEventLoopPolicy(asyncio.DefaultEventLoopPolicy):
    """Makes asyncio.run(), Runner and get_event_loop() create SimEventLoops."""

    loop_factory: Callable[[], asyncio.AbstractEventLoop] = SimEventLoop

    def __init__(self, factory: Callable[[], asyncio.AbstractEventLoop] | None = None) -> None:
        super().__init__()
        self._factory = factory if factory is not None else type(self).loop_factory

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        return self._factory()
