"""Provides Kernel: a deterministic scheduler for the recorded program's threads and processes.

Every thread of the program is a real OS thread, but only one of them runs at
a time: the one holding the baton. The others are parked on a private lock.
Who runs next is decided here, never by the OS, so the same program always
interleaves the same way.

The model, in the words a lesson would use:

- A **proc** is a simulated process. It has its own pid, its own virtual
  clock and its own GIL: one of its threads runs at a time. KernelProcesses run in
  parallel on `cores` simulated CPUs.
- A thread hands the GIL on when it blocks (a lock, a sleep, a join, an idle
  event loop) or ends, and, while other threads of its proc wait for the GIL,
  after a **switch interval** of CPU work (5 ms, CPython's default).
- **CPU work** is counted in bytecode instructions of the program's own code
  and of the standard library's Python code it calls (not C code, not the
  engine's), each costing `tick_cost` seconds of virtual time. Counting
  starts when the program starts its first thread or process (a lone thread
  has no GIL contention to show, and a pure asyncio program is recorded much
  faster without it). A switch lands only in the program's own code, where
  CPython checks its eval breaker (see cpu.switchpoints), or between any two
  of its instructions with `preempt_anywhere`.
- KernelProcesses are simulated by always running the one whose clock is earliest
  (a discrete-event simulation); a proc that gets more than a switch interval
  ahead of another that could run is paused, so causality holds to within
  that interval.

When nobody can run, the kernel jumps the clock to the earliest timed wait;
when nobody can ever run again, that is a deadlock and the kernel says so.

Why one module of this size: the kernel is one scheduler whose invariants (one baton, the
cores, the timed waits, the CPU accounting, the decision point) must be read together; its
records (processes, threads, blockers) are in threads.actors.
"""

from __future__ import annotations

import _thread
import heapq
import math
import random
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable
from typing import Any, NoReturn

from tui.engine import cpython
from tui.engine.clock import VirtualClock
from tui.engine.cpu import BytecodeCounter
from tui.engine.cpu.switchpoints import SwitchPoints
from tui.engine.hooks import Hooks
from tui.engine.schedule import FIRST_IN_LINE, Decision, Policy
from tui.engine.sites import in_engine, is_library_file, is_user_file
from tui.engine.threads.actors import (
    BLOCKED,
    DONE,
    NO_WAIT_PROBE,
    RUNNABLE,
    RUNNING,
    Blocker,
    KernelProcess,
    LoopIdle,
    SimThread,
    Sleep,
    WaitProbe,
    real_allocate_lock,
)

# The real primitives, captured before the recording process patches threading.
real_start_new_thread = _thread.start_new_thread
real_get_ident = _thread.get_ident


def forget_dummy_thread(ident: int) -> None:
    """The OS thread `ident` is about to end: drop the `_DummyThread` threading made for it, if any.

    A thread not started by `threading` (a child process's main thread, a program's own
    `_thread.start_new_thread`) gets a `_DummyThread` in `threading._active` the first
    time it asks `threading.current_thread()`; making one costs virtual time (its Event
    takes simulated locks) and a number from threading's name counter. 3.13 drops it when
    its thread ends (`_DeleteDummyThreadOnDel`); 3.11 and 3.12 never do, and the OS reuses
    an ended thread's ident for a later thread whenever that one starts after the ended
    one is fully gone, a race of real threads. The later thread would then find the stale
    object and skip making its own, so what a thread costs would hang on the OS. Dropped
    here, as 3.13 does, every such thread makes its own, on every run.
    """
    with threading._active_limbo_lock:  # type: ignore[attr-defined]
        active = threading._active  # type: ignore[attr-defined]
        if isinstance(active.get(ident), threading._DummyThread):  # type: ignore[attr-defined]
            del active[ident]


THREAD_START_COST = 1.5e-4
"""Virtual CPU seconds Thread.start() costs the starting thread: creating an OS thread and
waiting until it runs (125-190 us on the 2-core machine the model is calibrated on)."""
SLICE_SKEW = 64
"""A GIL slice runs up to this many instructions past its interval (see _new_slice)."""
LOCK_OP_COST = 1e-7
"""Virtual CPU seconds of one acquire or release of a simulated lock, which is C code in
CPython (an acquire/release pair in a loop took 250-320 ns there, the loop included)."""

DELIVERY_STEPS = 3
"""Answers of a network decision: a delivery arrives after its latency, or up to one latency more,
in this many even steps (the default's answer, 0, is the exact model)."""

MAIN_PID = 4100
"""The pid the recorded program's main process sees (fixed, so traces never differ)."""

MAX_THREADS = 25_000
"""Threads of the program alive at once (every process's, parked ones of terminated processes too).

Each is a real OS thread of the recording process, and Linux's default pid_max (32,768) counts
every thread of the machine: past it CPython itself fails with "can't start new thread", at a
point that depends on the machine. The cap ends a runaway loop of thread starts first, at the
same place on every machine, with its own outcome ("thread-limit")."""
MAX_PROCESSES = 128
"""Simulated processes one recording can start, the main one included (P0 to P127).

The trace numbers processes in a byte per frame (tui.trace.check refuses `P128`), and each one
copies its parent's globals and holds OS threads: a multiprocessing fork bomb, or a Pool
replacing workers without end, stops here with its own outcome ("process-limit") rather
than at the machine's limits or as an unreadable trace."""


def _nothing() -> None:
    pass


def _by_file(is_kind: Callable[[str], bool]) -> Callable[[Any], bool]:
    """`is_kind` asked of a code object's file, once per file (the counters ask at every new code object)."""
    known: dict[str, bool] = {}

    def of_code(code: Any) -> bool:
        filename = code.co_filename
        answer = known.get(filename)
        if answer is None:
            answer = known[filename] = is_kind(filename)
        return answer

    return of_code


class Kernel:
    """Owns the baton, the processes, the timed waits and the CPU accounting of every thread."""

    def __init__(
        self,
        clock: VirtualClock,
        on_deadlock: Callable[[Kernel], None],
        *,
        switch_interval: float = 0.005,
        tick_cost: float = 3e-8,
        cores: int = 4,
        preempt_anywhere: bool = False,
        seed: int = 0,
        policy: Policy = FIRST_IN_LINE,
    ) -> None:
        self.clock = clock
        self.preempt_anywhere = preempt_anywhere
        """Whether a thread may lose the GIL between any two instructions, not only where CPython checks."""
        self._switch_points = SwitchPoints()
        self.on_deadlock = on_deadlock
        self.switch_interval = switch_interval
        self.tick_cost = tick_cost
        self.cores = cores
        self.threads: list[SimThread] = []
        self.procs: list[KernelProcess] = []
        self.by_ident: dict[int, SimThread] = {}
        self.os_threads = 0
        """OS threads the program's threads hold: started and not yet returned (see MAX_THREADS)."""
        self._timed: list[tuple[float, int, SimThread]] = []
        self._callbacks: list[tuple[float, int, Callable[[], None]]] = []
        self._callback_at: float | None = None
        """While a kernel callback runs: its time (what it wakes cannot run before then)."""
        self._seq = 0
        self._core_free = [0.0] * cores
        self._core_holder: list[KernelProcess | None] = [None] * cores
        self._core_queue: deque[KernelProcess] = deque()
        """Processes with a thread to run but no free core, in arrival order."""
        self.recorder: Hooks | None = None
        self.policy: Policy = policy
        """Who picks at the decision point (_choose); FIRST_IN_LINE is the default."""
        self.choices: list[int] = []
        """The policy's choice at each decision it was asked (none under the default): the run's schedule."""
        self.deviations: list[tuple[int, str, int, str]] = []
        """Each answer that was not the default's: (the next frame written after the decision, the decision's
        kind, the answer, the actor it is about: the thread or process chosen, the one cut, the sender)."""
        self.candidate_counts: list[int] = []
        """How many candidates each decision of `choices` had; 0 for a slice decision (its answer counts
        switch points, with no upper end). An explorer reads the other answers a decision could have had."""
        self.cuts_unreached: list[int] = []
        """The slice decisions (indexes into `choices`) whose slice ended before the switch point it was
        cut at: any later point would have made the same run, bit for bit, which an explorer need not try."""
        self.released_sentinels: set[Any] = set()
        """Thread sentinels released since threading last pruned `_shutdown_locks` (3.11, 3.12): the
        only locks of that set that can be unlocked (each is locked when threading adds it)."""
        self.joinable: list[Any] = []
        """Handles of non-daemon threads, joined at interpreter shutdown (3.13+; threads.primitives)."""
        self.wait_probe: WaitProbe = NO_WAIT_PROBE
        """Set by threads.probes.install: how a blocked thread's wait is described."""
        self.switches = 0
        self.leaving: Callable[[], None] = _nothing
        """Called by a thread as it gives up the baton, while it is still the current one:
        the session's memory check, so a cap passed in a slice is blamed on that slice's thread."""
        self.tracing = False
        self.counter: BytecodeCounter | None = None
        """Counts the program's bytecode once a thread or process starts (see start_counting)."""
        self._take_ticks: Callable[[], int] = lambda: 0
        self._quantum = 1
        """The counter's quantum in instructions (start_counting)."""
        self._slice_skew = random.Random(f"slice-skew:{seed}")
        self._skew_bits = SLICE_SKEW.bit_length()
        """Seeded, and the program's own `random` never sees it (see _new_slice)."""
        main_proc = self.new_proc("MainProcess", MAIN_PID, None)
        main = self._new_thread("MainThread", main_proc)
        main.ident = real_get_ident()
        main.state = RUNNING
        main.why = ["run"]
        self.by_ident[main.ident] = main
        self.main = main
        self.current = main
        self._give_core(main_proc, 0)

    # -- simulated processes (KernelProcess) ---------------------------------------------------------

    def new_proc(self, name: str, pid: int, parent: KernelProcess | None, start: float | None = None) -> KernelProcess:
        if len(self.procs) >= MAX_PROCESSES:
            self.refuse("process-limit", f"started {MAX_PROCESSES} processes, the main one included (the process cap)")
        proc = KernelProcess(len(self.procs), name, pid, self.clock.now if start is None else start, parent)
        self.procs.append(proc)
        return proc

    def _new_thread(self, name: str, proc: KernelProcess) -> SimThread:
        thread = SimThread(f"Th{len(self.threads) + 1}", name, proc)
        thread.park.acquire()
        self.threads.append(thread)
        proc.threads.append(thread)
        proc.live_threads += 1
        return thread

    def refuse(self, outcome: str, what: str) -> NoReturn:
        """A cap is reached: end the recording with `outcome`, naming the program's line that asked.

        Without a recorder (the kernel used on its own) it is the error CPython gives when
        the OS refuses a thread.
        """
        rec = self.recorder
        if rec is None:
            raise RuntimeError(f"can't start new thread: {what}")
        user = rec.sites.user_frame(sys._getframe(2))
        where = f"{rec.sites.display_path(user.f_code.co_filename)}:{user.f_lineno}" if user else "?"
        rec.flush_pending(self.current.tid)
        rec.stop(outcome, f"stopped at {where}: the program {what}")
        raise AssertionError("Recorder.stop must not return")

    @property
    def proc(self) -> KernelProcess:
        """The process whose thread is running now."""
        return self.current.proc

    # -- cores ----------------------------------------------------------------------------------

    def _give_core(self, proc: KernelProcess, core: int) -> None:
        proc.core = core
        self._core_holder[core] = proc
        if proc.time < self._core_free[core]:
            proc.time = self._core_free[core]  # it waited for the core
        proc.core_since = proc.time

    def _needs_core(self, proc: KernelProcess) -> None:
        """A process got a thread to run: it takes a free core, or queues for one."""
        if proc.core is not None or proc in self._core_queue:
            return
        free = [c for c in range(self.cores) if self._core_holder[c] is None]
        if free:
            self._give_core(proc, min(free, key=lambda c: (self._core_free[c], c)))
        else:
            self._core_queue.append(proc)

    def _release_core(self, proc: KernelProcess) -> None:
        """A process has nothing to run (or its time slice is up): hand its core on."""
        core = proc.core
        if core is None:
            return
        proc.core = None
        self._core_holder[core] = None
        self._core_free[core] = max(self._core_free[core], proc.time)
        queue = self._core_queue
        if queue:
            if self.policy is FIRST_IN_LINE or len(queue) == 1:
                self._give_core(queue.popleft(), core)  # the default's choice, without building a Decision
            else:
                index = self._choose("core", [waiting.pid_label for waiting in queue], self.clock.now)
                waiting = queue[index]
                del queue[index]
                self._give_core(waiting, core)

    def _make_runnable(self, thread: SimThread) -> None:
        thread.proc.runnable.append(thread)
        self._needs_core(thread.proc)

    # -- CPU accounting ------------------------------------------------------------------------

    def start_counting(self) -> None:
        """From now on every bytecode costs virtual time and can end a GIL slice."""
        if self.tracing:
            return
        self.tracing = True
        # Check in every `quantum` of CPU: often enough to keep processes in step
        # with each other (within a millisecond), while GIL switches still come
        # every switch interval.
        quantum = min(self.switch_interval, 0.001)
        # Rounded up: a quantum is never shorter than `quantum`, so five of them
        # make a full 5 ms switch interval whatever the instruction cost.
        limit = self._quantum = max(1, math.ceil(quantum / self.tick_cost - 1e-9))
        # The program's own code is counted and can be interrupted. The standard
        # library's Python code costs what it costs when the program calls it (a
        # log call is not free), but a thread is never switched out inside it:
        # some of it holds real locks taken before the recording began
        # (importlib's, logging's module lock), and a thread parked while
        # holding one would stall the simulation.
        is_counted, is_library = _by_file(is_user_file), _by_file(is_library_file)
        self.counter = cpython.running.bytecode_counter(is_counted, is_library)
        self.counter.start(limit, self._interval_elapsed)
        self._take_ticks = self.counter.take
        self.trace_current_thread()

    def trace_current_thread(self) -> None:
        """Count the running thread's bytecodes, in new frames and in the ones already running."""
        me = self.current
        if not self.tracing or me.traced:
            return
        me.traced = True
        counter = self.counter
        assert counter is not None  # tracing is on only once start_counting made a counter
        counter.thread_started(sys._getframe(1))

    def charge(self, seconds: float) -> None:
        """Spend `seconds` of CPU in the running thread (e.g. the cost of fork())."""
        self.clock.now += seconds
        self.current.cpu += seconds
        self.current.slice_cpu += seconds

    def settle(self) -> None:
        """Turn the instructions counted so far into virtual time on the current process."""
        spent = self._take_ticks()
        if spent:
            self._charge(spent)

    def _charge(self, ticks: int) -> None:
        seconds = ticks * self.tick_cost
        self.clock.now += seconds
        me = self.current
        me.cpu += seconds
        me.slice_cpu += seconds

    def _interval_elapsed(self, ticks: int, frame: Any) -> bool:
        """A quantum of CPU work is done: drop the GIL if someone wants it.

        `frame` is about to execute its instruction at f_lasti: a switch here
        lands between the previous instruction and that one. A thread another
        thread waits for drops the GIL only where CPython checks its eval breaker
        (unless preempt_anywhere): elsewhere this returns False, and the counter
        asks again at the next instruction. (A process time-sliced by the OS, or
        one ahead in virtual time, can stop anywhere.)
        """
        self._charge(ticks)
        if frame.f_code.co_filename == "<string>" and frame.f_back is not None and in_engine(frame.f_back):
            # Code made by exec that the engine itself calls (a namedtuple's __new__, a dataclass's
            # __init__) is counted as the program's, since a program's exec'd code has that file name
            # too; but a thread inside the engine is never switched out: ask at the next instruction.
            return False
        me = self.current
        proc = me.proc
        cut_here = False
        if me.cut and (self.preempt_anywhere or self._switch_points.allows(frame)):
            # A slice the policy cut short counts the points where it could switch (asked at
            # every instruction: see _new_slice), and offers the GIL at the one it was given.
            me.cut -= 1
            cut_here = not me.cut
        full_interval = cut_here or me.slice_cpu >= self.switch_interval - 1e-12
        wants_gil = bool(proc.runnable) and full_interval
        # Where it may switch is asked only when it would (cut_here: just asked, and yes).
        if wants_gil and (cut_here or self.preempt_anywhere or self._switch_points.allows(frame)):
            me.stop = "preempted"  # another thread of this process wants the GIL
        elif self._core_queue and self.clock.now - proc.core_since >= self.switch_interval - 1e-12:
            me.stop = "descheduled"  # another process waits for a core: the OS time-slices
        elif self._earliest_other_event(proc) < self.clock.now:
            me.stop = "paused"  # another process is behind in virtual time: it acts first
        else:
            # The drop request stands until the next eval-breaker check; a cut slice counting down
            # is asked again at the next instruction too.
            return not wants_gil and not me.cut
        me.stop_at = frame
        me.state = RUNNABLE
        self._end_slice(me)
        next_why = {"preempted": ["gil"], "descheduled": ["core"]}.get(me.stop, ["resume"])
        proc.time = self.clock.now
        if me.stop == "descheduled":
            proc.runnable.append(me)
            self._release_core(proc)
            self._needs_core(proc)
        else:
            self._make_runnable(me)
        self._hand_on(me, next_why)
        return True

    def _end_slice(self, me: SimThread) -> None:
        """Write the frame of a thread's slice as it ends, while it still holds its core.

        A thread inside an event loop step is written at the switch instead (as
        part of its step), and only if another thread really gets to run.
        """
        rec = self.recorder
        if rec is not None and me.loop_depth == 0:
            rec.thread_slice_ended(self, me)

    def _earliest_other_event(self, proc: KernelProcess) -> float:
        earliest = float("inf")
        for other in self.procs:
            if other is not proc and other.runnable and other.core is not None and other.time < earliest:
                earliest = other.time
        if self._timed and self._timed[0][0] < earliest:
            earliest = self._timed[0][0]
        if self._callbacks and self._callbacks[0][0] < earliest:
            earliest = self._callbacks[0][0]
        return earliest

    # -- blocking and waking --------------------------------------------------------------------

    def block(self, on: Blocker, deadline: float | None = None) -> bool:
        """Park the current thread on `on` until woken or `deadline`; False if it timed out."""
        self.settle()
        me = self.current
        me.state = BLOCKED
        me.blocked_on = on
        me.timed_out = False
        me.stop = None
        if deadline is not None:
            self._seq += 1
            me.wake_seq = self._seq
            heapq.heappush(self._timed, (deadline, self._seq, me))
        else:
            me.wake_seq = 0
        self._end_slice(me)
        self._hand_on(me)
        me.blocked_on = None
        return not me.timed_out

    def wake(self, thread: SimThread, by: str | None = None, via: str | None = None) -> None:
        """Make a blocked thread runnable: it queues for its process's GIL."""
        if thread.state != BLOCKED:
            return
        self.settle()
        thread.state = RUNNABLE
        thread.wake_seq = 0
        thread.why = ["wake", via or "?", by or (self.recorder.current if self.recorder else self.current.tid)]
        proc = thread.proc
        if (proc is not self.current.proc or self._callback_at is not None) and proc.time < self.clock.now:
            # Woken by another process, or by a kernel callback (a network delivery):
            # not before that happened, even when the waker's process is its own.
            proc.time = self.clock.now
        self._make_runnable(thread)

    def yield_now(self) -> None:
        """time.sleep(0): let the other threads of this process take the GIL first."""
        self.settle()
        me = self.current
        if not me.proc.runnable:
            return
        me.state = RUNNABLE
        me.stop = "yield"
        self._end_slice(me)
        self._make_runnable(me)
        self._hand_on(me, ["yield"])

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            self.yield_now()
            return
        self.settle()
        until = self.clock.now + seconds
        self.block(Sleep(until), until)

    def call_at(self, when: float, callback: Callable[[], None]) -> None:
        """Run kernel-level `callback` (never user code, never blocking) at virtual time `when`."""
        self._seq += 1
        heapq.heappush(self._callbacks, (when, self._seq, callback))

    # -- choosing who runs ---------------------------------------------------------------------

    def _pick_next(self) -> SimThread:
        """The next thread to run: the earliest event among all processes, deterministically."""
        while True:
            best: KernelProcess | None = None
            for proc in self.procs:
                if proc.runnable and proc.core is not None and (best is None or proc.time < best.time):
                    best = proc
            best_time = best.time if best is not None else float("inf")
            timed = self._timed
            while timed and (timed[0][2].wake_seq != timed[0][1] or timed[0][2].state != BLOCKED):
                heapq.heappop(timed)
            timed_at = timed[0][0] if timed else float("inf")
            callback_at = self._callbacks[0][0] if self._callbacks else float("inf")
            if callback_at <= timed_at and callback_at < best_time and callback_at != float("inf"):
                when, _seq, callback = heapq.heappop(self._callbacks)
                # The callback happens at its own time: whatever it reads or schedules
                # sees `when`, and a thread it wakes (wake() above) resumes no earlier,
                # even the loop thread that is handing on right now. Without this an
                # idle loop woken by a delivery would run at the time it went idle.
                now = self.clock.now
                self.clock.now = when
                self._callback_at = when
                try:
                    callback()
                finally:
                    self._callback_at = None
                    self.clock.now = now
                continue
            if timed_at < best_time:
                when, _seq, thread = heapq.heappop(timed)
                thread.state = RUNNABLE
                thread.timed_out = True
                thread.wake_seq = 0
                thread.why = ["timer", when]
                if thread.proc.time < when:
                    thread.proc.time = when
                self._make_runnable(thread)
                continue
            if best is None:
                self.on_deadlock(self)
                raise AssertionError("on_deadlock must not return")
            if self.policy is FIRST_IN_LINE:
                return best.runnable.popleft()  # the default's choice, without building a Decision
            return self._decide(best)

    def _decide(self, earliest: KernelProcess) -> SimThread:
        """Who runs next, under a policy other than the default: which process, then which of its threads.

        Only orders a real runtime could produce are offered (see tui.engine.schedule):
        processes on their cores whose next events fall at the same time, then the
        threads of the chosen process waiting for its GIL.
        """
        now = earliest.time
        procs = [proc for proc in self.procs if proc.runnable and proc.core is not None and proc.time == now]
        proc = earliest
        if len(procs) > 1:
            proc = procs[self._choose("same-time", [candidate.pid_label for candidate in procs], now)]
        runnable = proc.runnable
        if len(runnable) == 1:
            return runnable.popleft()
        index = self._choose("gil", [thread.tid for thread in runnable], now)
        thread = runnable[index]
        del runnable[index]
        return thread

    def _choose(self, kind: str, candidates: list[str], now: float) -> int:
        """The decision point: every choice of who runs next goes through here, once per decision.

        Each choice is kept in `choices`, in order, so that replaying them gives the same run.
        """
        index = self.policy.choose(Decision(kind, tuple(candidates), now))
        if not 0 <= index < len(candidates):
            raise ValueError(f"the scheduling policy chose {index} of {len(candidates)} candidates")
        self.choices.append(index)
        if index:
            rec = self.recorder
            # Who the answer is about: the actor chosen, or for a delivery the one sending it.
            actor = candidates[index] if kind != "net" else rec.current if rec is not None else self.current.tid
            self._deviated(kind, index, actor)
        self.candidate_counts.append(len(candidates))
        return index

    def _deviated(self, kind: str, answer: int, actor: str) -> None:
        self.deviations.append((self.recorder.frames if self.recorder is not None else 0, kind, answer, actor))

    def delivery_delay(self, latency: float) -> float:
        """The network decision (kind "net"): how much later than `latency` a packet or a handshake
        arrives, under any policy but the default (which keeps the network exact, as before)."""
        if self.policy is FIRST_IN_LINE or latency <= 0:
            return 0.0
        steps = [latency * step / (DELIVERY_STEPS - 1) for step in range(DELIVERY_STEPS)]
        labels = [f"after {(latency + extra) * 1000:g} ms" for extra in steps]
        return steps[self._choose("net", labels, self.clock.now)]

    def _cut(self, thread: SimThread) -> int:
        """The slice decision (see tui.engine.schedule): at which of its switch points `thread` offers the GIL."""
        cut = self.policy.cut(thread.tid, self.clock.now)
        if type(cut) is not int or cut < 0:
            raise ValueError(f"the scheduling policy cut a slice at {cut!r} instructions")
        self.choices.append(cut)
        if cut:
            self._deviated("slice", cut, thread.tid)
        self.candidate_counts.append(0)
        return cut

    def _hand_on(self, me: SimThread, next_why: list[Any] | None = None) -> None:
        """Give the baton to the next thread and park until it comes back.

        `next_why` is why `me` will be running again, for a thread that stays
        runnable (preempted, yielding); it is set only once this slice's frame
        has been written, which happens at the switch.
        """
        if me.cut:
            self.cuts_unreached.append(me.cut_decision)  # the slice ends with its cut still counting down
        proc = me.proc
        proc.time = self.clock.now
        if me.state in (BLOCKED, DONE) and not proc.runnable:
            self._release_core(proc)
        nxt = self._pick_next()
        if nxt is me:
            self.clock.now = me.proc.time
            me.state = RUNNING
            self._new_slice(me)
            me.stop = None
            return
        self._switch(me, nxt)
        if next_why is not None:
            me.why = next_why
        if me.state != DONE:
            me.park.acquire()
            self.trace_current_thread()
            if me.loop_depth and self.recorder is not None:
                self.recorder.thread_resumed(me)

    def _switch(self, me: SimThread, nxt: SimThread) -> None:
        self.leaving()
        self.switches += 1
        rec = self.recorder
        if rec is not None:
            me.actor = rec.current
            if me.loop_depth:
                rec.step_interrupted(self, me)
            rec.switched_to(nxt.actor)
        if self.counter is not None:
            self.counter.thread_switched(me, nxt)
        old_proc, new_proc = me.proc, nxt.proc
        if new_proc is not old_proc:
            # Each process has its own copy of the random module's state, as after fork().
            old_proc.random_state = random.getstate()
            if new_proc.random_state is not None:
                random.setstate(new_proc.random_state)
        self.clock.now = new_proc.time
        nxt.state = RUNNING
        self._new_slice(nxt)
        nxt.stop = None
        self.current = nxt
        nxt.park.release()

    def _skew(self) -> int:
        """`self._slice_skew.randrange(SLICE_SKEW)`, the same numbers, without its Python frames.

        random.randrange() is Python code of the standard library, and this runs
        at every switch, where the CPU counter would see each of its calls and
        branches. This is its algorithm for one positive argument, as in 3.11 to
        3.13: the lowest bits of getrandbits (C), drawn again while out of range.
        """
        bits = self._skew_bits
        draw = self._slice_skew.getrandbits
        r = draw(bits)
        while r >= SLICE_SKEW:
            r = draw(bits)
        return r

    def _new_slice(self, thread: SimThread) -> None:
        """`thread` gets the GIL afresh: its switch interval, and the counter's quantum, start now."""
        thread.slice_start = self.clock.now
        thread.slice_cpu = 0.0
        thread.cut = 0
        if self.counter is not None:
            # CPython's interval is time, not an instruction count, and
            # instructions differ in cost: the instruction the interval ends at
            # drifts from slice to slice. A seeded skew of a few instructions
            # stands for that drift; without it a loop whose length divides the
            # quantum would be interrupted at the same instruction every time.
            skew = self._skew()  # drawn under every policy: the skews stay the same sequence
            if self.policy is not FIRST_IN_LINE:
                thread.cut = self._cut(thread)
                thread.cut_decision = len(self.choices) - 1
                if thread.cut:
                    skew = 1 - self._quantum  # a quantum of one: _interval_elapsed counts the switch points
            self.counter.new_slice(skew)

    # -- thread lifecycle ----------------------------------------------------------------------

    def start_thread(
        self,
        function: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None,
        *,
        proc: KernelProcess | None = None,
        name: str | None = None,
    ) -> int:
        """What threading's `_start_new_thread` does here: a real thread that waits for the baton."""
        owner = getattr(function, "__self__", None)
        name = name or getattr(owner, "name", None) or getattr(function, "__name__", "thread")
        in_a_new_process = proc is not None and proc is not self.current.proc
        proc = proc or self.current.proc
        if self.os_threads >= MAX_THREADS:
            self.refuse("thread-limit", f"had {MAX_THREADS:,} threads alive at once (the thread cap)")
        thread = self._new_thread(str(name), proc)
        self.start_counting()
        if not in_a_new_process:  # a process's first thread comes with its fork (FORK_COST)
            self.charge(THREAD_START_COST)

        def bootstrap() -> None:
            thread.park.acquire()
            self.trace_current_thread()
            try:
                function(*args, **(kwargs or {}))
            except SystemExit:
                pass
            except BaseException as exc:  # what _thread writes for an unhandled error
                thread.failed = f"{type(exc).__name__}: {exc}"
                print(cpython.running.thread_exception_header(function), file=sys.stderr)
                below_bootstrap = exc.__traceback__.tb_next if exc.__traceback__ is not None else None
                traceback.print_exception(type(exc), exc, below_bootstrap, file=sys.stderr)
            finally:
                if self.counter is not None:
                    self.counter.thread_ended()
                forget_dummy_thread(thread.ident)
                self._exit(thread)

        thread.why = ["new", self.recorder.current if self.recorder is not None else self.current.tid]
        self.os_threads += 1
        try:
            ident = real_start_new_thread(bootstrap, ())
        except RuntimeError as exc:  # the OS refused one before the cap (pid_max, memory): the same ending
            alive = self.os_threads - 1
            self.refuse("thread-limit", f"had {alive:,} threads alive at once, and the system refused another ({exc})")
        thread.ident = ident
        self.by_ident[ident] = thread
        if self.recorder is not None:
            self.recorder.thread_created(thread)
        # The new thread queues for its process's GIL; in a new process it
        # starts at that process's own clock, once the process has a core.
        self._make_runnable(thread)
        return ident

    def _exit(self, thread: SimThread) -> None:
        self.settle()
        sentinel = thread.sentinel
        if sentinel is not None and sentinel.locked():
            sentinel.release()
        thread.state = DONE
        self.os_threads -= 1  # its OS thread returns right after the hand-on below
        proc = thread.proc
        proc.live_threads -= 1
        if proc is not self.main.proc and proc.live_threads == 0:
            # The process ends with its last thread: the exit goes into that thread's frame.
            proc.time = self.clock.now
            proc.alive = False
            if proc.exitcode is None:
                proc.exitcode = 0
            if proc.sentinel is not None and proc.sentinel.locked():
                proc.sentinel.release()
            if self.recorder is not None:
                self.recorder.process_exited(proc)
        self._end_slice(thread)
        self._hand_on(thread)

    def finish_main(self, failed: str | None = None) -> None:
        """The program's last line ran: the main thread's final slice becomes a frame."""
        self.settle()
        main = self.current
        main.state = DONE
        main.failed = failed
        if main.why[0] != "new":
            main.why = ["run"]
        self._end_slice(main)

    def terminate_proc(self, proc: KernelProcess, exitcode: int) -> None:
        """Process.terminate(): its threads never run again; whoever joins it is released."""
        proc.alive = False
        proc.exitcode = exitcode
        for thread in proc.threads:
            if thread.state != DONE:
                thread.state = DONE  # its OS thread stays parked until the recording ends (still counted)
                proc.live_threads -= 1
        proc.runnable.clear()
        if proc in self._core_queue:
            self._core_queue.remove(proc)
        self._release_core(proc)
        if proc.sentinel is not None and proc.sentinel.locked():
            proc.sentinel.release()
        if self.recorder is not None:
            self.recorder.process_exited(proc)

    def exit_process(self, exitcode: int) -> NoReturn:
        """os._exit() in a child process: the process ends here, and the calling thread never runs again."""
        me = self.current
        proc = me.proc
        assert proc is not self.main.proc, "the main process's os._exit() ends the recording"
        self.settle()
        proc.time = self.clock.now
        if self.counter is not None:
            self.counter.thread_ended()
        self.terminate_proc(proc, exitcode)
        self._end_slice(me)
        self._hand_on(me)
        # Like a terminated process's threads, its OS thread stays parked until the recording ends.
        never = real_allocate_lock()
        never.acquire()
        never.acquire()
        raise AssertionError("unreachable")

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
