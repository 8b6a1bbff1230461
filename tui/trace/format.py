"""Provides the trace file format: its name, version and documented shape.

A trace is JSON Lines, UTF-8. Every line but the last is one **frame** (one
scheduling step); the last line is `{"summary": {...}}`. The first frame
carries the header under `"trace"`. Version 1 is described here and in the
README; a reader refuses other versions with a clear message.

Frame fields (absent when empty):

    i       frame index, from 0
    t       virtual time (seconds) when the step began
    d       virtual seconds the step itself took (a blocking call inside it)
    a       the actor that ran: a task id "T3", a thread id "Th2", or "cb"
    k       "task" | "cb" (plain callback) | "timer" (a timer came due) | "thread"
    h       id of the loop handle that ran (loop frames)
    n       label of a callback or timer ("sleep", "Future.set_result()")
    why     why it was ready:
              ["new", by]            first step of a task created by `by`
              ["yield"]              the task yielded (await asyncio.sleep(0))
              ["wake", ref, by]      the future it awaited (ref) was completed by `by`
              ["cancel", ref, by]    the future it awaited was cancelled by `by`
                                     (both may add the line it waited in, e.g. "get", and,
                                     when `by` is "cb", the label of that callback:
                                     ["cancel", ref, "cb", null, "timeout"])
              ["soon", by]           call_soon() from `by`
              ["timer", due, owner]  a timer armed by `owner`, due at `due`
              ["run"]                a thread ran code outside any loop step
              ["gil"]                a thread got the GIL back after being preempted
              ["core"]               a process got a core back after being descheduled
              ["resume", via, by]    the rest of a step whose thread blocked inside it (see st "blocked"),
                                     or, via "eager", the rest of the step that started task `by` eagerly
              ["eager", by]          (3.12+) a task's first step, run at once inside `by`'s step
                                     (eager_task_factory, Task(eager_start=True)); the frame before
                                     it is `by`'s step so far, with st "running" and stop "eager"
    st      state of the actor after the step: ready | wait | sleep | done |
            failed | cancelled | blocked | running | runaway | loop (a thread
            about to run an event loop) | preempted (a step cut short by a thread switch)
    on      what it waits on: a resource id ("Lock#1"), a task id, "sleep", or a label
    role    which line of the resource it waits in ("get"/"put" for queues,
            "notify"/"lock" for conditions)
    wait    what it waits on, in words ("waits for lock (Lock#1) held by worker-1, 1st in line")
    until   wake-up time of a sleep
    at      where the actor stopped: site ids, outermost first
    result  repr of a finished task's return value
    error   "Type: message" of a failed task or thread
    cpu     (thread frames) virtual CPU seconds the slice spent on bytecode
    stop    why a thread's slice ended while it could still run: "preempted" (the
            switch interval passed and another thread of its process wanted the
            GIL), "descheduled" (another process waited for a core), "paused"
            (another process fell behind in virtual time), "yield" (time.sleep(0));
            for a task step cut short with st "running": "eager" (a task it created
            runs its first step now)
    core    the simulated CPU the thread's process ran on
    op      where a preempted thread stopped: {"line", "offset", "ops": [[offset,
            opname, argrepr], ...]}: the switch fell just before the instruction at
            `offset` (the viewer shows the line's bytecode with that mark)
    exit    {process id: exit code} for processes that ended in this frame
    name    the task's new name, when it changed
    fired   ids of timers moved to the ready queue before this step
    ready   [[handle id, task id or callback label], ...] appended to the ready queue
            (a third element "cancel" marks a task woken to be cancelled)
    timers  [[handle id, due time, owner, label], ...] added to the timer heap (a due
            time, like a sleep's `until`, is NaN or Infinity when the program armed it
            so: Python's json reads those tokens)
    cancel  handle ids cancelled (removed from the heap, or marked in the ready queue)
    new     definitions: {"task", "name", "coro", "by", "at"?, "internal"?, "eager"?},
            {"thread", "name", "by"?, "proc"}, {"proc", "name", "pid", "parent"?, "by"?},
            {"res", "kind", "name", "by", "at"?, "internal"?, "part_of"?}
    names   {task id: new name} for tasks renamed (Task.set_name) after their definition
    set     {resource id: state} for resources whose state changed (see RESOURCE_STATES)
    out     text printed to stdout during the step; `err` the same for stderr
    sites   {site id: [file, line, function]} for sites first used by this frame
    trace   header (frame 0 only): format, version, scenario, file, seed,
            max_frames, python, lesson (the module docstring), source

Summary fields: format, version, outcome (completed | exception | deadlock |
frame-limit | runaway | memory | thread-limit | process-limit | crashed |
error | decision), frames, virtual_time, result,
scenario, seed, stdout, stderr, and where relevant exit_code, report, error,
schedule (under a --policy other than the default: the policy's answer at each
decision point, in order, a slice's among them; tui.engine.schedule),
deviations (with schedule: each answer that was not the default's, as
[frame, kind, answer, actor]: the first frame written after the decision,
and the actor the answer is about, the thread cut short, the thread or
process chosen, or the sender of a delayed delivery), and
candidate_counts (with schedule: how many candidates each of its decisions
had, 0 for a slice decision, whose answer is a count of switch points),
cuts_unreached (with schedule: the indexes of its slice decisions whose slice
ended before the switch point it was cut at), and
decision (outcome "decision", scheduler mode's `ask` policies only: the run
stopped to ask a person the next decision, {"kind": "gil" | "core" |
"same-time" | "slice", "candidates": actor ids, the default first (a slice's:
its thread), "time", "waiting": the threads waiting for that one's GIL}).

Reading a trace (tui.trace.check). Every line is checked once, as it is read:
it must be JSON, an object, in order (`i` counts from 0, the header is in frame
0 and only there, nothing follows the summary), and each field above must have
its type (times `t`, `d`, `cpu` and `virtual_time` finite; only due times, `until`
and a timer's `why[1]`, may be NaN or Infinity). Fields a reader does not know
are ignored. Anything else raises the one TraceFormatError, whose message names
the line and the field (`line 12: "new[0].task" must be a string, not 3`).

A trace that stops early keeps its complete frames: a last line cut off
mid-way (no newline, not complete JSON) is dropped, and a trace without its
summary is given one by the reader, outcome "cut" (never written by a
recorder), its `error` saying where it stops ("the trace ends mid-line after
frame 41", frames counted from 1 as on screen); `Trace.cut` holds that
sentence. On the recording pipe, by contrast, the first malformed line ends
the run as "crashed", its `error` naming that line and the last good frame
(tui.sources.Recording.malformed).
"""

from __future__ import annotations

FORMAT_NAME = "concur-tui-trace"
FORMAT_VERSION = 1

OUTCOMES = (
    "completed",
    "exception",
    "deadlock",
    "frame-limit",
    "runaway",
    "memory",
    "thread-limit",
    "process-limit",
    "crashed",
    "error",
    "decision",
)

RESOURCE_STATES = {
    "Lock": ("locked", "owner"),
    "Semaphore": ("value", "holders"),
    "BoundedSemaphore": ("value", "holders", "bound"),
    "Event": ("set",),
    "Condition": ("lock", "locked", "owner"),
    "Barrier": ("parties", "count", "state"),
    "Queue": ("size", "maxsize", "items", "unfinished", "shutdown"),
    "Future": ("state", "result", "error"),
    "RLock": ("locked", "owner", "count"),
    "Executor": ("max_workers", "workers", "queued", "shutdown"),
    "Socket": ("state", "local", "peer", "buffered", "eof", "backlog"),
}
"""The fields a resource's state carries, per kind (PriorityQueue/LifoQueue as Queue).

A definition's `api` says whose primitive it is: absent for asyncio, "threading"
(threading and queue), "concurrent.futures", "socket"; Lock, Event, Semaphore and
the rest have the same state fields whichever API made them.

A queue's `shutdown` is present (true) once Queue.shutdown() was called (3.13+).

Waiters are not stored with resources: a task's own frame says what it waits
on, so a viewer lists the waiters of a resource from the tasks' states.
"""
