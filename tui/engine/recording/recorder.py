"""Provides Recorder: turns each scheduling step into one JSON frame.

The loop and the thread kernel call in at every decision (a callback queued,
a timer armed, a step run, a thread switched); the recorder keeps the deltas
of the current step and writes them out as one line when the step ends. A
viewer folds those deltas to rebuild the whole state at any frame; see
`tui.trace.format` for the documented shape of a line.

This module sits on the hot path of every step: the common frame is built by
string formatting rather than json.dumps of a dict, and everything rare
(definitions, states, output) is encoded only when present.

Why one module of this size: the recorder is one state machine over the deltas of the step in
progress, read and written by every hook on the hot path. It is to be split into a frame
writer and its naming and resource tables with the recording-speed work (the hot path
changes shape there); its naming helpers are in recording.labels and recording.bytecode.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import weakref
from asyncio import futures, tasks, timeouts
from collections.abc import Callable
from types import CoroutineType, FrameType, GeneratorType
from typing import Any

from tui.engine.aio import probes
from tui.engine.aio.loop import RecordedTask
from tui.engine.clock import VirtualClock
from tui.engine.kinds.kind import Kind, WaitOn
from tui.engine.kinds.registry import ASYNCIO_NAMES, kind_of
from tui.engine.probing import short_repr
from tui.engine.recording.bytecode import bytecode_at
from tui.engine.recording.labels import (
    INTERNAL_FUTURES,
    LABEL_WORDS,
    WAITER_ROLES,
    armed_by_wait_for,
    assigned_name,
    callback_label,
    is_task_step,
)
from tui.engine.recording.tracebacks import traceback_sites, user_exception_report
from tui.engine.sites import Sites
from tui.engine.threads import probes as threadprobes
from tui.engine.threads.actors import BLOCKED, DONE, Sleep
from tui.trace.format import FORMAT_NAME, FORMAT_VERSION

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "Recorder", "RecordingStopped"]

MAX_OUT_PER_FRAME = 64 * 1024
MAX_OUT_IN_TRACE = 4 * 1024 * 1024
MAX_REPR = 200

_TASK_TYPES = {asyncio.Task, tasks._PyTask, RecordedTask}

_PRIMITIVES = (
    asyncio.Lock,
    asyncio.Event,
    asyncio.Condition,
    asyncio.Semaphore,
    asyncio.Barrier,
    asyncio.Queue,
)

_GATHERING = tasks._GatheringFuture
_SET_RESULT_UNLESS_CANCELLED = futures._set_result_unless_cancelled
_RELEASE_WAITER = tasks._release_waiter
_ON_TIMEOUT = timeouts.Timeout._on_timeout
_YIELD = ("yield",)


def _json_encoder() -> Callable[[Any], str]:
    """json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=repr).encode, minus its Python frames.

    That encoder's encode() and iterencode() are Python code of the standard
    library, run for every frame; under the CPU counter each of their calls and
    branches is an event. This calls the C encoder they build directly, so the
    text is the same. No cycle check (markers None): everything encoded here is
    made by the recorder itself, never cyclic.
    """
    make = json.encoder.c_make_encoder
    if make is None:  # a CPython built without _json
        return json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=repr).encode
    encode = make(None, repr, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    join = "".join

    def dumps(obj: Any) -> str:
        return join(encode(obj, 0))

    return dumps


_dumps = _json_encoder()


GATHER_NAMES_SHOWN = 6
"""A wait on gather() names at most this many of its tasks (the last place says how many more)."""


def _number(value: float) -> str:
    """A due time as JSON: a program may arm a timer at NaN or infinity, which repr() would write unreadably."""
    return repr(value) if math.isfinite(value) else _dumps(value)


class RecordingStopped(BaseException):
    """Raised inside the recorded program to stop it (a limit was reached).

    A BaseException, so that `except Exception` in user code cannot swallow it.
    """

    def __init__(self, outcome: str, detail: str) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail


class _EagerStep:
    """Stands for the handle while a task's eager first step runs (it ran from no handle)."""

    __slots__ = ("_actor", "_hid", "_task", "_why")

    def __init__(self, tid: str, task: Any, creator: str) -> None:
        self._actor = tid
        self._task = task
        self._why = ("eager", creator)
        self._hid = 0


class _TaskInfo:
    __slots__ = ("name", "tid")

    def __init__(self, tid: str, name: str) -> None:
        self.tid = tid
        self.name = name


def _attrs(obj: Any) -> dict[str, Any] | None:
    """obj.__dict__, or None where there is none (C futures; CPython's own tests even mix
    a subclass's __dict__ descriptor with a base instance, which raises TypeError)."""
    try:
        return obj.__dict__  # type: ignore[no-any-return]
    except (AttributeError, TypeError):
        return None


def _ints(values: list[int]) -> str:
    if len(values) == 1:
        return "[%d]" % values[0]
    return "[" + ",".join(map(str, values)) + "]"


class Recorder:
    """Collects one step's changes and writes them as a frame when the step ends."""

    def __init__(
        self,
        emit: Callable[[str], None],
        clock: VirtualClock,
        sites: Sites,
        *,
        max_frames: int = 100_000,
        header: dict[str, Any] | None = None,
    ) -> None:
        self.emit = emit
        self.clock = clock
        self.sites = sites
        self.max_frames = max_frames
        self._header = header
        self.frames = 0
        self.current: str = "Th1"
        self._internal_futures = dict(INTERNAL_FUTURES)
        """Futures made inside a library, by the qualname of their maker: (label, words); see label_internal_futures."""
        self._label_words = dict(LABEL_WORDS)
        """The actor running right now: a task id, "cb", or a thread id."""
        self.kernel: Any = None
        self.on_stop: Callable[[str, str], None] | None = None
        """Called instead of raising RecordingStopped (the recording process exits there)."""
        self.stopped: tuple[str, str] | None = None
        self.running: Any = None
        """The handle being run (for a runaway report, or a step split by a thread switch)."""
        self.running_since = 0.0
        self._interrupted = False
        self._resume: tuple[float, list[Any]] | None = None
        """When a step's thread lost the baton mid-step: when and why it got it back."""
        self._eager_outer: list[tuple[Any, float, str, Any, bool]] = []
        """The steps an eager first step runs inside (creator's handle, start, actor, resume, interrupted)."""
        self.main_tasks: list[str] = []
        self.main_result: str | None = None
        self._expect_main = False

        self._hid = 0
        self._tasks: dict[Any, _TaskInfo] = {}
        self._finished: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
        self._task_count = 0
        self._tasks_before_frame = 0
        """_task_count when the last frame was written: the tasks the step in progress made are the rest."""
        self._names: dict[str, str] = {}
        # The program's objects are held weakly (invariant): a recorded program must see its
        # locks, futures and executors freed as under CPython (weakref callbacks, an executor's
        # workers exiting when it is collected).
        self._resources: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
        self._kinds: dict[str, str] = {}
        self._declared: dict[str, Kind | None] = {}
        """Each resource's declared kind (tui.engine.kinds), found once when it is made: None for none."""
        self._kind_counts: dict[str, int] = {}
        self._var_names: dict[str, int] = {}
        self._last_state: dict[str, dict[str, Any]] = {}
        self._defs: dict[str, dict[str, Any]] = {}
        """The definitions in `_new` (not yet written) of resources and tasks, by id: a later fix to one
        (a task's final name, a part's name) finds it in O(1), however many the step made (invariant:
        a step creating N tasks costs O(N), never a scan of the step's definitions per task)."""
        self._futs: weakref.WeakKeyDictionary[Any, tuple[str, Any, float | None]] = weakref.WeakKeyDictionary()
        """Waiter futures -> (resource id or label, resource object, sleep deadline)."""
        self._fut_ids: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
        self._rare = True
        """Some delta other than the ready queue is waiting for the next frame."""
        self._callback_label = ""
        self._renames: dict[str, str] = {}
        self._exits: dict[str, int | None] = {}
        self._main_defined = False
        self._roles: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
        """Waiter futures -> the line they stand in (queue get/put, condition notify, join)."""
        self._waiter_tid: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
        """Waiter futures -> the task waiting on them, until it wakes."""

        # deltas of the step in progress, kept as ready-made JSON fragments
        self._ready_add: list[str] = []
        self._timers_add: list[str] = []
        self._cancelled: list[int] = []
        self._fired: list[int] = []
        self._new: list[dict[str, Any]] = []
        # Weak references in a plain dict rather than a WeakValueDictionary, whose
        # __setitem__ and items() are Python code run at every frame. A dead entry
        # is skipped where the dict is read.
        self._dirty: dict[str, weakref.ref[Any]] = {}
        """Resources whose state the next frame writes (one freed meanwhile has no state left to write)."""
        self._out: list[str] = []
        self._err: list[str] = []
        self._out_in_trace = 0
        self.stdout_total: list[str] = []
        self.stdout_size = 0
        self.stderr_total: list[str] = []
        self.stderr_size = 0

    def progress(self) -> int:
        """What the watchdog counts as the running step getting somewhere: frames written, and the
        tasks this step made, up to max_frames of them.

        A step that creates 200,000 tasks is busy for seconds without writing a frame, and is no
        runaway. Past max_frames tasks it is: they could never all run before the frame limit.
        """
        return self.frames + min(self._task_count - self._tasks_before_frame, self.max_frames)

    # -- naming -------------------------------------------------------------------------

    def name_of(self, actor: str | None) -> str:
        if actor is None:
            return "nobody"
        return self._names.get(actor, actor)

    def shown(self, rid: str) -> str:
        """How a resource reads in a sentence: `lock (Lock#1)`, or just `Lock#1`."""
        name = self._names.get(rid, rid)
        return rid if name == rid else f"{name} ({rid})"

    def task_id(self, task: Any) -> str | None:
        info = self._tasks.get(task)
        if info is not None:
            return info.tid
        try:
            return self._finished.get(task)
        except TypeError:
            return None

    def _register_task(self, task: Any, coro: Any = None, name: str | None = None, eager: bool = False) -> _TaskInfo:
        self._task_count += 1
        tid = f"T{self._task_count}"
        info = self._tasks[task] = _TaskInfo(tid, name if name is not None else task.get_name())
        self._names[tid] = info.name
        if coro is None:
            coro = task.get_coro()
        definition: dict[str, Any] = {
            "task": tid,
            "name": info.name,
            "coro": getattr(coro, "__qualname__", type(coro).__name__).replace("SimEventLoop.", "BaseEventLoop."),
            "by": self.current,
        }
        if eager:
            definition["eager"] = True
        frame = getattr(coro, "cr_frame", None)
        if frame is not None and self.sites.is_user(frame.f_code):
            definition["at"] = [self.sites.site(frame.f_code, frame.f_code.co_firstlineno)]
        else:
            definition["internal"] = True
        self._defs[tid] = definition
        self._new.append(definition)
        self._rare = True
        return info

    def task_renamed(self, task: Any) -> None:
        """Task.set_name(): fix the pending definition, or tell the viewer in this frame."""
        info = self._tasks.get(task)
        name = task.get_name()
        if info is None or name == info.name:
            return
        info.name = self._names[info.tid] = name
        definition = self._defs.get(info.tid)
        if definition is not None:
            definition["name"] = name
        else:
            self._renames[info.tid] = name
            self._rare = True

    def task_created(self, task: Any, creator: FrameType) -> None:
        """loop.create_task() returned: the name is final now, and we know who asked for it.

        On 3.11 a Task schedules its first step before it takes its name, so
        the definition written at scheduling time may carry `Task-N`.
        """
        info = self._tasks.get(task)
        if info is None:
            return
        definition = self._defs.get(info.tid)
        name = task.get_name()
        if name != info.name:
            info.name = self._names[info.tid] = name
            if definition is not None:
                definition["name"] = name
        if definition is not None and definition.get("internal") and self.sites.is_user(creator.f_code):
            del definition["internal"]  # create_task(asyncio.to_thread(f)) from the user's code

    def resource_created(self, obj: Any, kind: str, maker: FrameType | None = None, api: str = "asyncio") -> str:
        """Give a new primitive its id (`Lock#1`) and, if we can find it, its variable name."""
        if api == "asyncio":
            kind = kind if kind in ASYNCIO_NAMES else probes.kind_of(obj)
        count = self._kind_counts[kind] = self._kind_counts.get(kind, 0) + 1
        rid = f"{kind}#{count}"
        attrs = getattr(obj, "__dict__", None)
        if attrs is not None:
            attrs["_cc_rid"] = rid
        else:
            self._fut_ids[obj] = rid
        try:
            self._resources[rid] = obj
        except TypeError:
            pass  # not weakly referable: only its id is kept
        self._kinds[rid] = kind
        self._declared[rid] = kind_of(api, kind)
        if maker is None:
            # Frame 1 is the probe that called us; its caller made the object.
            maker = sys._getframe(2)
        internal = not self.sites.is_user(maker.f_code)
        user = self.sites.user_frame(maker)
        name = self._variable_name(user) if user is not None and not internal else None
        if internal and kind not in ("Lock", "Condition", "Event"):
            name = f"{maker.f_code.co_name}() {kind.lower()}"  # e.g. as_completed()'s queue
        definition: dict[str, Any] = {"res": rid, "kind": kind, "name": name or rid, "by": self.current}
        if api != "asyncio":
            definition["api"] = api
        if internal and attrs is not None:
            attrs["_cc_internal"] = True
            definition["internal"] = True
        if user is not None:
            definition["at"] = self.sites.site(user.f_code, user.f_lineno)
        self._names[rid] = definition["name"]
        self._defs[rid] = definition
        self._new.append(definition)
        self._rare = True
        self._dirty[rid] = weakref.ref(obj)
        self._rare = True
        if attrs is not None:
            self._adopt_parts(obj, definition["name"])
        return rid

    def _adopt_parts(self, obj: Any, shown: str) -> None:
        """Name the Lock inside a Condition `cond.lock`; a Barrier's inner condition waits for it."""
        for attr in ("_lock", "_cond", "_finished"):
            part = obj.__dict__.get(attr)
            part_attrs = getattr(part, "__dict__", None)
            if not part_attrs or not part_attrs.get("_cc_internal"):
                continue
            part_rid = part_attrs["_cc_rid"]
            part_name = f"{shown}.{attr.strip('_')}"
            self._names[part_rid] = part_name
            definition = self._defs.get(part_rid)
            if definition is not None:
                definition["name"] = part_name
                definition["part_of"] = obj.__dict__["_cc_rid"]
            if attr in ("_cond", "_finished"):
                part_attrs["_cc_parent"] = obj
                part_attrs["_cc_parent_role"] = "join" if attr == "_finished" else None
            self._adopt_parts(part, part_name)

    def _variable_name(self, frame: FrameType) -> str | None:
        """The variable a new object is assigned to (labels.assigned_name), numbered when reused: `lock-2`."""
        name = assigned_name(frame)
        if name is None:
            return None
        seen = self._var_names[name] = self._var_names.get(name, 0) + 1
        return name if seen == 1 else f"{name}-{seen}"

    def rid_of(self, obj: Any) -> str | None:
        attrs = _attrs(obj)
        return attrs.get("_cc_rid") if attrs is not None else self._fut_ids.get(obj)

    def future_ref(self, fut: Any) -> tuple[str, Any, float | None]:
        """What a future stands for: (id or label, resource object or None, sleep deadline)."""
        known = self._futs.get(fut)
        if known is not None:
            return known
        tid = self.task_id(fut)
        if tid is not None:
            return (tid, None, None)
        rid = self.rid_of(fut)
        if rid is not None:
            return (rid, fut, None)
        if type(fut) is _GATHERING:
            children = [self.future_ref(c)[0] for c in fut._children]
            ref = self._futs[fut] = ("gather(" + ", ".join(children) + ")", None, None)
            return ref
        # A future made inside asyncio or a library: not one of the program's resources.
        return ("future", None, None)

    # -- hooks called by the loop -----------------------------------------------------------

    def handle_scheduled(self, handle: Any, callback: Any, args: tuple[Any, ...]) -> None:
        self._hid += 1
        hid = handle._hid = self._hid
        owner = getattr(callback, "__self__", None)
        if (type(owner) in _TASK_TYPES or isinstance(owner, asyncio.Task)) and is_task_step(callback):
            info = self._tasks.get(owner)
            if info is None:
                info = self._register_task(owner)
                why: tuple[Any, ...] = ("new", self.current)
                if self._expect_main:
                    self._expect_main = False
                    self.main_tasks.append(info.tid)
            elif args:
                fut = args[0]
                kind = "cancel" if fut.cancelled() else "wake"
                # A callback (a timer, a TaskGroup's done-callback) woke it: say which.
                why = (kind, fut, "cb", self._callback_label) if self.current == "cb" else (kind, fut, self.current)
            elif self.current == info.tid:
                why = _YIELD
            else:
                why = ("soon", self.current)
            tid = handle._actor = info.tid
            handle._task = owner
            handle._why = why
            if why[0] == "cancel" and type(why[1]) not in _TASK_TYPES:
                # Its own wait was cancelled (task.cancel()), not a task it awaited ending cancelled.
                self._ready_add.append('[%d,"%s","cancel"]' % (hid, tid))
            else:
                self._ready_add.append('[%d,"%s"]' % (hid, tid))
        else:
            label = handle._actor = callback_label(callback)
            handle._task = None
            handle._why = ("soon", self.current)
            self._ready_add.append("[%d,%s]" % (hid, _dumps(label)))

    def timer_scheduled(self, timer: Any, callback: Any, args: tuple[Any, ...]) -> None:
        self._hid += 1
        hid = timer._hid = self._hid
        when = timer._when
        owner = self.current
        if callback is _SET_RESULT_UNLESS_CANCELLED and args:
            label = "sleep"
            self._futs[args[0]] = ("sleep", None, when)
        elif getattr(callback, "__func__", None) is _ON_TIMEOUT:
            label = "wait_for timeout" if armed_by_wait_for() else "timeout"
        elif callback is _RELEASE_WAITER:
            label = "wait_for timeout"
        else:
            label = callback_label(callback)
        timer._actor = label
        timer._task = None
        timer._why = ("timer", when, owner)
        self._timers_add.append('[%d,%s,"%s",%s]' % (hid, _number(when), owner, _dumps(label)))
        self._rare = True

    def timer_fired(self, timer: Any) -> None:
        self._fired.append(timer._hid)
        self._rare = True

    def handle_cancelled(self, handle: Any) -> None:
        # A handle that already ran changes nothing when cancelled (asyncio.sleep
        # cancels its timer after it fired); only a pending one leaves the queue.
        if handle._hid > 0:
            self._cancelled.append(handle._hid)
            self._rare = True

    def make_future(self, loop: Any, creator: FrameType) -> Any:
        """A future for loop.create_future(); a user's own futures become probed resources."""
        code = creator.f_code
        if self.sites.is_user(code):
            probed = probes.ProbedFuture(loop=loop)
            self.resource_created(probed, "Future", creator)
            return probed
        fut: asyncio.Future[Any] = futures.Future(loop=loop)
        owner = creator.f_locals.get("self")
        attrs = _attrs(owner)
        rid = attrs.get("_cc_rid") if attrs else None
        if rid is None and isinstance(owner, _PRIMITIVES):
            # Without probes (a loop recorded in-process) primitives are met at their first wait.
            rid = self.resource_created(owner, type(owner).__name__, creator)
        if rid is not None:
            role = WAITER_ROLES.get(code.co_qualname)
            # A Barrier's inner Condition and a Queue's `finished` Event wait
            # on behalf of the barrier or the queue.
            parent = attrs.get("_cc_parent") if attrs else None
            if attrs and parent is not None:
                role = attrs.get("_cc_parent_role", role)
                owner, rid = parent, parent.__dict__["_cc_rid"]
            self._futs[fut] = (rid, owner, None)
            if role is not None:
                self._roles[fut] = role
        else:
            internal = self._internal_futures.get(code.co_qualname)
            if internal is not None:
                self._futs[fut] = (internal[0], None, None)
        return fut

    def executor_future(self, fut: Any, func: Any) -> None:
        inner = getattr(func, "func", None)
        if inner is not None:  # asyncio.to_thread: partial(context.run, func, *args)
            args = getattr(func, "args", ())
            func = args[0] if getattr(inner, "__name__", "") == "run" and args else inner
        self._futs[fut] = (f"executor:{getattr(func, '__name__', type(func).__name__)}", None, None)

    def dirty(self, obj: Any) -> None:
        rid = self.rid_of(obj)
        if rid is not None:
            self._dirty[rid] = weakref.ref(obj)
            self._rare = True

    def run_until_complete_started(self, loop: Any, future: Any) -> bool:
        """True for the first run_until_complete() of a loop: asyncio.run's main."""
        if getattr(loop, "_cc_main_seen", False):
            return False
        loop._cc_main_seen = True
        tid = self.task_id(future)
        if tid is not None:
            self.main_tasks.append(tid)
        else:
            self._expect_main = True
        return True

    def main_finished(self, result: Any) -> None:
        self.main_result = short_repr(result, MAX_REPR)

    # -- output -------------------------------------------------------------------------

    def write_out(self, text: str) -> None:
        self._out.append(text)
        self._rare = True
        if self.stdout_size < MAX_OUT_IN_TRACE:
            self.stdout_total.append(text)
        self.stdout_size += len(text)

    def write_err(self, text: str) -> None:
        self._err.append(text)
        self._rare = True
        if self.stderr_size < MAX_OUT_IN_TRACE:
            self.stderr_total.append(text)
        self.stderr_size += len(text)

    # -- steps --------------------------------------------------------------------------

    def run_handle(self, handle: Any) -> None:
        """Run one ready handle and record it as one frame."""
        if self.stopped is not None:
            raise RecordingStopped(*self.stopped)
        outer = self.current
        task = handle._task
        if task is not None:
            self.current = handle._actor
        else:
            self.current = "cb"
            self._callback_label = handle._actor
        started = self.clock.now
        self.running = handle
        self.running_since = started
        hid = handle._hid
        handle._hid = -hid  # marks it as run: cancelling it now changes nothing
        try:
            handle._run()
        finally:
            self.running = None
            self.current = outer
            resume = None
            if self._interrupted:
                resume = self._resume
                self._resume = None
                self._interrupted = False
            if task is not None:
                self._end_task_step(hid, handle, task, started, resume)
            else:
                self._end_callback(hid, handle, started, resume)
            # A failed task's traceback keeps this frame alive (its coroutine's frame
            # points back here): let go of the task, as CPython's loop does, so an
            # unreferenced failed task is collected, and reported, at once.
            handle = task = None

    def _why_json(self, why: tuple[Any, ...]) -> str:
        kind = why[0]
        if why is _YIELD:
            return '["yield"]'
        if kind == "wake" or kind == "cancel":
            role = self._roles.get(why[1])
            ref = _dumps(self.future_ref(why[1])[0])
            if len(why) > 3:  # woken by a callback: [kind, ref, "cb", role, callback label]
                return '["%s",%s,"cb",%s,%s]' % (kind, ref, _dumps(role), _dumps(why[3]))
            if role is not None:
                return '["%s",%s,"%s","%s"]' % (kind, ref, why[2], role)
            return '["%s",%s,"%s"]' % (kind, ref, why[2])
        if kind == "timer":
            return '["timer",%s,"%s"]' % (_number(why[1]), why[2])
        return '["%s","%s"]' % why

    def _end_task_step(
        self, hid: int, handle: Any, task: Any, started: float, resume: tuple[float, list[Any]] | None
    ) -> None:
        tid = handle._actor
        why = handle._why
        if resume is not None:
            # The rest of a step whose thread lost the baton (it blocked inside
            # the step): the earlier part already took the handle off the queue.
            started = resume[0]
            head = '{"i":%d,"t":%r,"a":"%s","k":"task","why":%s' % (self.frames, started, tid, _dumps(resume[1]))
        elif why is _YIELD:
            head = '{"i":%d,"t":%r,"a":"%s","k":"task","h":%d,"why":["yield"]' % (self.frames, started, tid, hid)
        else:
            head = '{"i":%d,"t":%r,"a":"%s","k":"task","h":%d,"why":%s' % (
                self.frames,
                started,
                tid,
                hid,
                self._why_json(why),
            )
            if why[0] == "wake" or why[0] == "cancel":
                woke_from = self._futs.pop(why[1], None)
                if woke_from is not None and woke_from[1] is not None:
                    self._dirty[woke_from[0]] = weakref.ref(self._resources.get(woke_from[0], woke_from[1]))
                    self._rare = True
                self._waiter_tid.pop(why[1], None)
                self._roles.pop(why[1], None)
        self._finish_task_frame([head], tid, task, started)

    def _finish_task_frame(self, parts: list[str], tid: str, task: Any, started: float) -> None:
        """After a task frame's head: how the step left the task, then the step's deltas."""
        if task.done():
            parts.append(self._task_end_json(task))
            self._finished[task] = tid
            info = self._tasks.pop(task)
        else:
            fw = task._fut_waiter
            if fw is None:
                parts.append(',"st":"ready","at":')
            else:
                parts.append(self._wait_json(tid, fw))
                parts.append(',"at":')
            parts.append(_ints(self.coro_stack(task.get_coro())))
            info = None
        if type(task) is not RecordedTask:
            # Tasks made with asyncio.Task(...) directly cannot report set_name().
            info = info or self._tasks[task]
            name = task.get_name()
            if name != info.name:
                info.name = self._names[tid] = name
                parts.append(',"name":' + _dumps(name))
        self._finish_frame(parts, started)

    def _wait_json(self, tid: str, fw: Any) -> str:
        """The `st`/`on`/`wait` fields of a task that suspended on future `fw`."""
        ref, obj, until = self.future_ref(fw)
        if until is not None:
            return ',"st":"sleep","on":"sleep","until":%s' % _number(until)
        if obj is None:
            return ',"st":"wait","on":%s,"wait":%s' % (_dumps(ref), _dumps(self.label_words(ref, fw)))
        self._waiter_tid[fw] = tid
        role, words = self.resource_wait(ref, obj, fw)
        self._dirty[ref] = weakref.ref(self._resources.get(ref, obj))
        self._rare = True
        if role is not None:
            return ',"st":"wait","on":"%s","role":"%s","wait":%s' % (ref, role, _dumps(words))
        return ',"st":"wait","on":"%s","wait":%s' % (ref, _dumps(words))

    def resource_wait(self, ref: str, obj: Any, fut: Any) -> tuple[str | None, str]:
        """(role, words) of a task waiting with future `fut` on resource `obj`: in a frame and in a deadlock report."""
        declared = self._declared.get(ref)
        wait = WaitOn(obj, self.shown(ref), self.name_of, fut=fut, waiter_of=self._waiter_tid)
        if declared is None:
            return self._roles.get(fut), f"waits for {wait.shown}"
        wait.role = self._roles.get(fut) or declared.role(wait)
        return wait.role, declared.words(wait)

    def resource_holders(self, ref: str, obj: Any, fut: Any) -> list[str]:
        """Who must act before the task waiting with `fut` on resource `obj` can go on (a deadlock report's edges)."""
        declared = self._declared.get(ref)
        if declared is None:
            return []
        return declared.holders(WaitOn(obj, self.shown(ref), self.name_of, fut=fut, waiter_of=self._waiter_tid))

    def label_internal_futures(self, labels: dict[str, tuple[str, str]]) -> None:
        """Name futures made inside a library: {qualname of the maker: (label, words)}.

        Simulated I/O (stream readers, servers) uses this so a task waiting on one
        reads "waits for data from the network" rather than "waits for a future".
        """
        self._internal_futures.update(labels)
        self._label_words.update(dict(labels.values()))

    def label_words(self, ref: str, fut: Any) -> str:
        """Words for a wait on something that is not a resource: a task, a gather, an executor job."""
        shown = self._names.get(ref)
        if shown is not None:
            return f"waits for task {shown} to finish"
        if ref.startswith("gather("):
            names = [self.name_of(self.task_id(child)) if self.task_id(child) else "a job" for child in fut._children]
            if len(names) > GATHER_NAMES_SHOWN:
                # A sentence stays a sentence: the frame's "on" still lists every child.
                names = [*names[: GATHER_NAMES_SHOWN - 1], f"and {len(names) - GATHER_NAMES_SHOWN + 1} more"]
            return f"waits for gather({', '.join(names)}) to finish"
        if ref.startswith("executor:"):
            return f"waits for {ref.split(':', 1)[1]}() to finish in a worker thread"
        return self._label_words.get(ref, f"waits for {ref}")

    def _task_end_json(self, task: Any) -> str:
        if task.cancelled():
            return ',"st":"cancelled"'
        exc = task._exception
        if exc is None:
            return ',"st":"done","result":' + _dumps(short_repr(task._result, MAX_REPR))
        message = str(exc)[:MAX_REPR] or short_repr(exc, 160)
        error = f"{type(exc).__name__}: {message}"
        sites = traceback_sites(self.sites, exc.__traceback__)
        return ',"st":"failed","error":%s,"at":%s' % (_dumps(error), _ints(sites))

    def coro_stack(self, coro: Any) -> list[int]:
        """Sites of the user's frames along a task's await chain, outermost first.

        Each link is told by its code object (`cr_code`, one attribute read), and
        only the user's links read their frame: the chain of an `await
        asyncio.sleep(0)` is the user's coroutine, then two of asyncio's.
        """
        sites = self.sites
        by_name = sites._codes.by_name
        out: list[int] = []
        while coro is not None:
            kind = type(coro)
            if kind is CoroutineType:
                code = coro.cr_code
                nxt = coro.cr_await
            elif kind is GeneratorType:
                code = coro.gi_code
                nxt = coro.gi_yieldfrom
            else:
                break
            entry = by_name.get(code.co_qualname)  # Sites' CodeTable.get(), inlined
            known = entry[1] if entry is not None and entry[0] is code else sites.of(code)
            if known.user:
                frame = coro.cr_frame if kind is CoroutineType else coro.gi_frame
                if frame is None:
                    break  # finished: nothing of it is waiting
                line = frame.f_lineno
                sid = known.lines.get(line)
                out.append(sid if sid is not None else sites.site(code, line))
            coro = nxt
        return out

    def _end_callback(self, hid: int, handle: Any, started: float, resume: tuple[float, list[Any]] | None) -> None:
        why = handle._why
        kind = "timer" if why[0] == "timer" else "cb"
        if resume is not None:
            started = resume[0]
            head = '{"i":%d,"t":%r,"a":"cb","k":"%s","n":%s,"why":%s' % (
                self.frames,
                started,
                kind,
                _dumps(handle._actor),
                _dumps(resume[1]),
            )
        else:
            head = '{"i":%d,"t":%r,"a":"cb","k":"%s","h":%d,"n":%s,"why":%s' % (
                self.frames,
                started,
                kind,
                hid,
                _dumps(handle._actor),
                self._why_json(why),
            )
        self._finish_frame([head], started)

    def _partial_step(self) -> dict[str, Any] | None:
        """The head of a frame for the step running now, cut short (None outside any step)."""
        handle = self.running
        if handle is None:
            return None  # the loop is idle, not inside a step
        task = handle._task
        frame: dict[str, Any] = {"a": handle._actor if task is not None else "cb"}
        frame["k"] = "task" if task is not None else ("timer" if handle._why[0] == "timer" else "cb")
        if self._resume is not None:
            frame["t"], frame["why"] = self._resume
        else:
            frame["t"] = self.running_since
            if handle._hid:  # an eager first step ran from no handle
                frame["h"] = -handle._hid
            frame["why"] = json.loads(self._why_json(handle._why))
        if task is None:
            frame["n"] = handle._actor
        return frame

    def step_interrupted(self, kernel: Any, thread: Any) -> None:
        """The loop's thread blocks inside a step and another thread gets the baton.

        The step so far becomes a frame of its own, so the frames stay in the
        order things happened: this part, the other threads, then the rest.
        """
        frame = self._partial_step()
        if frame is None:
            return
        blocker = thread.blocked_on
        if blocker is None:
            frame["st"] = "preempted"
            frame["stop"] = thread.stop or "preempted"
        else:
            on, words = blocker.describe(kernel)
            frame.update(st="blocked", on=on, wait=words)
            if blocker.role():
                frame["role"] = blocker.role()
        if thread.slice_cpu:
            frame["cpu"] = round(thread.slice_cpu, 9)
        frame["at"] = self.sites.stack_of(self.sites.user_frame(sys._getframe(1)))
        self._interrupted = True
        self.thread_frame(frame)

    # -- eager tasks (3.12+) ---------------------------------------------------------------

    def eager_step_begins(self, task: Any, coro: Any, name: str) -> None:
        """A task starts eagerly: its first step runs now, inside its creator's call.

        The creator's step so far becomes a frame of its own ("st": "running",
        "stop": "eager"); the eager step is written as the task's own frame when
        it pauses or ends ("why": ["eager", creator]); then the creator's step
        goes on as a frame that resumes it.
        """
        creator = self.current
        info = self._register_task(task, coro, name, eager=True)
        frame = self._partial_step()
        if frame is not None:
            frame.update(st="running", stop="eager")
            frame["at"] = self.sites.stack_of(self.sites.user_frame(sys._getframe(1)))
            self.thread_frame(frame)
        self._eager_outer.append((self.running, self.running_since, self.current, self._resume, self._interrupted))
        self.running = _EagerStep(info.tid, task, creator)
        self.running_since = self.clock.now
        self.current = info.tid
        self._resume = None
        self._interrupted = False

    def eager_step_ends(self, task: Any) -> None:
        step = self.running
        started = self.running_since
        resume = self._resume if self._interrupted else None
        self.running, self.running_since, self.current, self._resume, self._interrupted = self._eager_outer.pop()
        tid = step._actor
        if resume is not None:  # a thread switch cut the eager step, which goes on here
            head = '{"i":%d,"t":%r,"a":"%s","k":"task","why":%s' % (self.frames, resume[0], tid, _dumps(resume[1]))
            started = resume[0]
        else:
            head = '{"i":%d,"t":%r,"a":"%s","k":"task","why":%s' % (self.frames, started, tid, _dumps(step._why))
        self._finish_task_frame([head], tid, task, started)
        # The creator's step goes on once create_task() (or Task()) returns.
        self._interrupted = True
        self._resume = (self.clock.now, ["resume", "eager", tid])

    def thread_resumed(self, thread: Any) -> None:
        if self._interrupted and self.running is not None:
            why = thread.why
            via = why[1] if why[0] == "wake" else "a timeout" if why[0] == "timer" else "its turn"
            self._resume = (self.clock.now, ["resume", via, why[2] if len(why) > 2 else None])

    def thread_frame(self, frame: dict[str, Any]) -> None:
        """A frame built as a dict (threads, rare events): same deltas, same line."""
        started = frame.pop("t")
        head = _dumps({"i": self.frames, "t": started, **frame})
        self._finish_frame([head[:-1]], started)

    def _finish_frame(self, parts: list[str], started: float) -> None:
        """Attach this step's deltas to the frame and write it."""
        now = self.clock.now
        if now != started:
            parts.append(',"d":%r' % (now - started))
        if self._ready_add:
            parts.append(',"ready":[' + ",".join(self._ready_add) + "]")
            self._ready_add = []
        if self._rare:
            # Everything but the ready queue is rare on the hot path: one test for all of it.
            self._rare = False
            self._rare_deltas(parts)
        if self.sites.pending:
            parts.append(',"sites":' + _dumps(self.sites.pending))
            self.sites.pending = {}
        parts.append("}")
        self.emit("".join(parts))
        self.frames += 1
        self._tasks_before_frame = self._task_count
        if self.frames >= self.max_frames:
            # Said with the option that raises it: the user's next move is to run again with more.
            self.stop(
                "frame-limit",
                f"stopped after {self.frames} frames (the frame limit); "
                "run again with a larger --max-frames to record more",
            )

    def _rare_deltas(self, parts: list[str]) -> None:
        if self._fired:
            parts.append(',"fired":' + _ints(self._fired))
            self._fired = []
        if self._timers_add:
            parts.append(',"timers":[' + ",".join(self._timers_add) + "]")
            self._timers_add = []
        if self._cancelled:
            parts.append(',"cancel":' + _ints(self._cancelled))
            self._cancelled = []
        if self._new:
            parts.append(',"new":' + _dumps(self._new))
            self._new = []
            self._defs.clear()
        if self._renames:
            parts.append(',"names":' + _dumps(self._renames))
            self._renames = {}
        if self._exits:
            parts.append(',"exit":' + _dumps(self._exits))
            self._exits = {}
        if self._dirty:
            changed = self._changed_states()
            if changed:
                parts.append(',"set":' + _dumps(changed))
        if self._out:
            parts.append(',"out":' + _dumps(self._take_output(self._out)))
            self._out = []
        if self._err:
            parts.append(',"err":' + _dumps(self._take_output(self._err)))
            self._err = []
        if self._header is not None:
            parts.append(',"trace":' + _dumps(self._header))
            self._header = None

    def stop(self, outcome: str, detail: str) -> None:
        """End the recording: hand over to on_stop, or raise into the program."""
        self.stopped = (outcome, detail)
        if self.on_stop is not None:
            self.on_stop(outcome, detail)
        raise RecordingStopped(outcome, detail)

    def _take_output(self, chunks: list[str]) -> str:
        text = "".join(chunks)
        room = max(0, min(MAX_OUT_PER_FRAME, MAX_OUT_IN_TRACE - self._out_in_trace))
        if len(text) > room:
            dropped = len(text) - room
            text = text[:room] + f"\n[concur-tui: {dropped} more characters of output not kept in the trace]\n"
        self._out_in_trace += len(text)
        return text

    def _changed_states(self) -> dict[str, Any]:
        changed: dict[str, Any] = {}
        for rid, ref in self._dirty.items():
            obj = ref()
            declared = self._declared.get(rid)
            if declared is None or obj is None:
                continue
            state = declared.state(obj)
            if self._last_state.get(rid) != state:
                self._last_state[rid] = state
                changed[rid] = state
        self._dirty.clear()
        return changed

    # -- threads --------------------------------------------------------------------------

    def thread_created(self, thread: Any) -> None:
        self._main_defined = True
        proc = thread.proc
        if thread.tid == "Th1":
            self.process_created(proc)  # the main process, defined with its main thread
        name = thread.name
        if proc.number:
            # In a child process: its main thread is named after the process, others say where they run.
            name = proc.name if name == "MainThread" else f"{name} [{proc.name}]"
        self._names[thread.tid] = name
        definition: dict[str, Any] = {"thread": thread.tid, "name": name}
        if thread.tid != "Th1":
            definition["by"] = self.current
        proc = thread.proc
        definition["proc"] = proc.pid_label
        self._new.append(definition)
        self._rare = True

    def process_created(self, proc: Any) -> None:
        """A simulated process (a KernelProcess) appears: its pid, name and parent."""
        self._names[proc.pid_label] = proc.name
        definition: dict[str, Any] = {"proc": proc.pid_label, "name": proc.name, "pid": proc.pid}
        if proc.parent is not None:
            definition["parent"] = proc.parent.pid_label
            definition["by"] = self.current
        self._new.append(definition)
        self._rare = True

    def process_exited(self, proc: Any) -> None:
        self._exits[proc.pid_label] = proc.exitcode
        self._rare = True

    def thread_slice_ended(self, kernel: Any, thread: Any) -> None:
        """A thread stops running (blocked, yielded or ended): one frame for its slice."""
        frame: dict[str, Any] = {"t": thread.slice_start, "a": thread.tid, "k": "thread", "why": thread.why}
        if thread.slice_cpu:
            frame["cpu"] = round(thread.slice_cpu, 9)
        proc = thread.proc
        if proc.core is not None:
            frame["core"] = proc.core
        if thread.state == DONE:
            frame["st"] = "failed" if thread.failed else "done"
            if thread.failed:
                frame["error"] = thread.failed
        elif thread.state == BLOCKED:
            blocker = thread.blocked_on
            if isinstance(blocker, Sleep):
                frame["st"] = "sleep"
                frame["on"] = "sleep"
                frame["until"] = blocker.until
            else:
                on, words = blocker.describe(kernel)
                frame["st"] = "blocked"
                frame["on"] = on
                frame["wait"] = words
                role = blocker.role()
                if role:
                    frame["role"] = role
        else:
            frame["st"] = "ready"
            if thread.stop:
                frame["stop"] = thread.stop
            if thread.stop_at is not None and thread.stop in ("preempted", "descheduled", "paused"):
                frame["op"] = bytecode_at(thread.stop_at)
        frame["at"] = self.sites.stack_of(self.sites.user_frame(sys._getframe(1)))
        thread.stop_at = None
        threadprobes.touch_executors()
        self.thread_frame(frame)

    def runaway_frame(self, actor: str, stack: list[int], stop: str | None = None) -> None:
        """The last frame of a run stopped by the watchdog: the step that never ended
        (`stop` says why when it is not the step timeout: "memory")."""
        frame: dict[str, Any] = {"t": self.clock.now, "a": actor, "st": "runaway", "at": stack}
        if stop is not None:
            frame["stop"] = stop
        handle = self.running
        if handle is not None:
            frame.update(t=self.running_since, h=-handle._hid, why=json.loads(self._why_json(handle._why)))
            frame["k"] = "task" if handle._task is not None else "cb"
        else:
            frame["k"] = "thread"
        self.thread_frame(frame)

    def loop_entered(self) -> None:
        kernel = self.kernel
        if kernel is None:
            # A loop recorded in-process: what happened before it ran (tasks
            # created, callbacks queued) is the calling thread's own frame.
            if not self._main_defined:
                self._main_defined = True
                self._names["Th1"] = "MainThread"
                self._new.insert(0, {"thread": "Th1", "name": "MainThread"})
                self._rare = True
            self.flush_pending("Th1", state="loop")
            return
        thread = kernel.current
        if thread.loop_depth == 0:
            self.flush_pending(thread.tid, thread.slice_start, state="loop")
        thread.loop_depth += 1

    def loop_left(self) -> None:
        kernel = self.kernel
        if kernel is None:
            return
        thread = kernel.current
        thread.loop_depth -= 1
        thread.slice_start = self.clock.now

    # -- end of run -----------------------------------------------------------------------

    def pending_tasks(self) -> list[tuple[str, Any]]:
        return [(info.tid, task) for task, info in self._tasks.items()]

    def switched_to(self, actor: str) -> None:
        """The kernel handed the baton on: `actor` runs from now (see tui.engine.hooks)."""
        self.current = actor

    def kind_of(self, rid: str) -> str:
        return self._kinds.get(rid, "")

    def flush_pending(self, actor: str = "Th1", since: float | None = None, state: str = "running") -> None:
        """Write what a thread did outside any loop step (module code, output) as its own frame.

        `state` is "loop" when the thread is about to run an event loop.
        """
        dirty = any(ref() is not None for ref in self._dirty.values())
        if self._out or self._err or self._new or dirty or self._header is not None or self._ready_add:
            frame: dict[str, Any] = {"t": self.clock.now if since is None else since, "a": actor, "k": "thread"}
            frame["why"] = ["run"]
            frame["st"] = state
            frame["at"] = self.sites.stack_of(self.sites.user_frame(sys._getframe(1)))
            self.thread_frame(frame)

    def format_exception(self, exc: BaseException) -> dict[str, Any]:
        return user_exception_report(self.sites, exc)
