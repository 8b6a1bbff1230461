"""Provides the recording process: runs one scenario under the engine and streams its trace.

Run as `python -m tui.engine.recording FILE --out-fd N ...` by `tui.sources`;
never imported by a viewer. It is the only place where asyncio, threading,
time and friends are patched, and the user's program runs here as if started
with `python FILE`. Frames go to the pipe as JSON Lines while they are made;
the last line is always `{"summary": ...}`, however the program ends.
"""

from __future__ import annotations

import _thread
import argparse
import atexit
import ctypes
import faulthandler
import gc
import io
import linecache
import os
import platform
import signal
import sys
import threading
import tokenize
import types
import warnings
from typing import Any, NoReturn

import tui.engine.aio.loop  # noqa: F401 (loaded first, as when the package loaded it: its names are lazy now)
from tui.engine import cpython, sandbox, settings
from tui.engine.clock import VirtualClock
from tui.engine.processes import process as simprocess
from tui.engine.recording.deadlock import deadlock_report
from tui.engine.recording.install import install_simulation
from tui.engine.recording.output import CapturedStream, FrameWriter, MemoryGauge
from tui.engine.recording.program import has_docstring, uses_threads_or_processes
from tui.engine.recording.recorder import FORMAT_NAME, FORMAT_VERSION, Recorder, RecordingStopped
from tui.engine.schedule import FIRST_IN_LINE, SLICE, Ask, Decision, parse_policy
from tui.engine.settings import Settings
from tui.engine.sites import Sites
from tui.engine.threads import vtime
from tui.engine.threads.actors import DONE
from tui.engine.threads.kernel import Kernel, real_start_new_thread
from tui.trace.codec import encode_summary

MAX_SUMMARY_OUTPUT = 1024 * 1024
RUNAWAY_WALL_FACTOR = 30
"""A step whose instructions are counted is stopped after this many times --step-timeout of
wall time, whatever its virtual CPU: above the slowest recording of counted code (3.11 counts
each instruction with a trace call, about 27 times CPython's own speed)."""
WATCH_INTERVAL = 0.01
"""Seconds between the watchdog's looks at the memory and the running step (a wake-up costs microseconds)."""

_real_exit = os._exit


class Session:
    """One recording: the engine's parts, wired together, and every way the run can end."""

    def __init__(self, path: str, options: Settings, fd: int) -> None:
        self.path = os.path.abspath(path)
        self.shown_path = path
        self.options = options
        self.seed = options.seed
        self.step_timeout = options.step_timeout
        self.writer = FrameWriter(fd)
        self.clock = VirtualClock()
        self.sites = Sites(self.path)
        self.kernel: Kernel | None = None
        self.recorder: Recorder | None = None
        self.max_frames = options.max_frames
        self.memory_cap = settings.memory_cap(options)
        self._gauge = MemoryGauge()
        self._ending = _thread.allocate_lock()

    # -- ending -----------------------------------------------------------------------

    def finish(self, outcome: str, **fields: Any) -> NoReturn:
        """Write the summary line and leave the process at once (other threads stay parked)."""
        if not self._ending.acquire(blocking=False):
            _thread.exit()  # another thread is already ending the run
        if self.kernel is not None:
            self.kernel.settle()  # the CPU of the last partial interval counts too
        rec = self.recorder
        summary: dict[str, Any] = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "outcome": outcome,
            "frames": rec.frames if rec else 0,
            "virtual_time": self.clock.now,
            "result": rec.main_result if rec else None,
            "scenario": self.shown_path,
            "seed": self.seed,
        }
        if rec is not None:
            stdout = "".join(rec.stdout_total)
            stderr = "".join(rec.stderr_total)
            summary["stdout"] = stdout[:MAX_SUMMARY_OUTPUT]
            summary["stderr"] = stderr[:MAX_SUMMARY_OUTPUT]
            if rec.stdout_size > MAX_SUMMARY_OUTPUT:
                summary["stdout_truncated"] = rec.stdout_size - MAX_SUMMARY_OUTPUT
            if rec.stderr_size > MAX_SUMMARY_OUTPUT:
                summary["stderr_truncated"] = rec.stderr_size - MAX_SUMMARY_OUTPUT
            if self.kernel is not None:
                summary["threads"] = len(self.kernel.threads)
                if self.kernel.policy is not FIRST_IN_LINE:
                    summary["schedule"] = list(self.kernel.choices)  # replayable: --policy replay:...
                    summary["deviations"] = [list(deviation) for deviation in self.kernel.deviations]
                    summary["candidate_counts"] = list(self.kernel.candidate_counts)
                    summary["cuts_unreached"] = list(self.kernel.cuts_unreached)
        else:
            summary.update(stdout="", stderr="")
        summary.update(fields)
        self.writer.write(encode_summary(summary))  # type: ignore[arg-type]  # built field by field above
        self.writer.flush()
        _real_exit(0)

    def on_stop(self, outcome: str, detail: str) -> NoReturn:
        self.finish(outcome, report={"text": detail})

    def on_deadlock(self, kernel: Kernel) -> NoReturn:
        assert self.recorder is not None
        report = deadlock_report(self.recorder, kernel)
        self.recorder.flush_pending(kernel.current.tid)
        self.finish("deadlock", report=report)

    def on_decision(self, decision: Decision) -> int:
        """Scheduler mode (schedule.Ask): a decision after the replayed answers. A slice of the one
        live thread of its process has nothing to choose and takes the default; any other decision
        ends the run here, asked in the summary, for the person to answer (outcome "decision")."""
        kernel, rec = self.kernel, self.recorder
        assert kernel is not None and rec is not None and isinstance(kernel.policy, Ask)
        if rec.frames < kernel.policy.from_frame:
            return 0
        waiting: list[str] = []
        if decision.kind == SLICE:
            (thread,) = [t for t in kernel.threads if t.tid == decision.candidates[0]]
            proc = thread.proc
            if not any(other is not thread and other.state != DONE for other in proc.threads):
                return 0
            waiting = [other.tid for other in proc.runnable]
        if decision.kind != "net":  # a delivery is decided inside a step: its frame is not written yet
            rec.flush_pending(kernel.current.tid)
        self.finish(
            "decision",
            decision={
                "kind": decision.kind,
                "candidates": list(decision.candidates),
                "time": decision.time,
                "waiting": waiting,
            },
        )

    def on_exit_call(self, code: int = 0) -> NoReturn:
        """os._exit() in the program: end the recording as the process would end (a child: just that process)."""
        assert self.recorder is not None
        kernel = self.kernel
        if kernel is not None and kernel.current.proc is not kernel.main.proc:
            simprocess.process_exiting()
            kernel.exit_process(code)
        frame = self.sites.user_frame(sys._getframe(1))
        where = f"{self.sites.display_path(frame.f_code.co_filename)}:{frame.f_lineno}" if frame else "?"
        self.recorder.flush_pending(self.kernel.current.tid if self.kernel else "Th1")
        if code == 0:
            self.finish("completed", exit_code=0)
        self.finish(
            "exception",
            exit_code=code,
            report={"type": "SystemExit", "message": f"os._exit({code}) at {where}", "where": where, "traceback": ""},
        )

    # -- watchdog ---------------------------------------------------------------------

    def _progress(self) -> int:
        rec, kernel = self.recorder, self.kernel
        return (rec.progress() if rec else 0) + (kernel.switches if kernel else 0)

    def watch(self) -> None:
        """Real thread: flush idle output, stop a step that never gives control back, and keep the memory cap."""
        last = -1
        since = vtime.real_monotonic()
        step_began = moved = self.clock.now  # virtual time when the step began, and when last seen
        moved_at = since  # wall time the virtual clock was last seen moving
        while True:
            # Often enough that a program allocating at full speed is stopped by this
            # watchdog, which names its line, well before the viewer's MemoryGuard margin.
            vtime.real_sleep(WATCH_INTERVAL)
            self._check_memory()
            now = vtime.real_monotonic()
            progress = self._progress()
            if progress != last:
                last, since = progress, now
                step_began = moved = self.clock.now
                moved_at = now
                continue
            if self.clock.now != moved:
                moved, moved_at = self.clock.now, now
            if now - since > 0.1:
                self.writer.flush()
            if now - since > self.step_timeout:
                self._check_step(now - since, now - moved_at, self.clock.now - step_began)

    def _check_step(self, stalled: float, clock_still: float, cpu: float) -> None:
        """A step has run `stalled` wall seconds: stop it if it is a runaway.

        Where the program's instructions are counted (threads), a step's length is
        its CPU in virtual time, what CPython would spend: a loop CPython runs in a
        second is no runaway however slowly it is recorded. It is one once it has
        spent --step-timeout of that CPU, once the virtual clock stood still for
        --step-timeout of wall time (stuck in C code, or in code that is not
        counted), or after RUNAWAY_WALL_FACTOR times --step-timeout of wall time
        whatever it did. Uncounted code (pure asyncio) is timed by the wall clock.
        """
        kernel = self.kernel
        if kernel is None or not kernel.tracing:
            self.runaway()
        if cpu > self.step_timeout:
            self.runaway(cpu=cpu)
        if clock_still > self.step_timeout or stalled > RUNAWAY_WALL_FACTOR * self.step_timeout:
            self.runaway()

    def _running_now(self) -> tuple[str, str, str, list[Any]]:
        """Who is running, and where in the program (seen from the watchdog): actor, name, file:line, stack."""
        rec, kernel = self.recorder, self.kernel
        assert rec is not None and kernel is not None
        thread = kernel.current
        frame = sys._current_frames().get(thread.ident)
        user = self.sites.user_frame(frame)
        where = f"{self.sites.display_path(user.f_code.co_filename)}:{user.f_lineno}" if user else "?"
        actor = rec.current if rec.running is not None else thread.tid
        return actor, rec.name_of(actor), where, self.sites.stack_of(user) if user else []

    def runaway(self, cpu: float | None = None) -> NoReturn:
        """Stop the running step; `cpu` is its virtual CPU when that is what ran out, else wall time did."""
        actor, name, where, stack = self._running_now()
        spent = (
            f"{self.step_timeout:g}s of wall time"
            if cpu is None
            else f"{self.step_timeout:g}s of CPU (virtual time, what CPython would spend)"
        )
        text = (
            f"runaway: {name} ran for {spent} without giving control back "
            f"(stopped at {where}); a coroutine must await, and a thread must block, for others to run"
        )
        assert self.recorder is not None
        self.recorder.runaway_frame(actor, stack)
        self.finish("runaway", report={"actor": actor, "name": name, "where": where, "text": text})

    def _check_memory(self) -> None:
        """The cap, checked by the watchdog and as each thread hands the baton on (Kernel.leaving).

        By the watchdog's next look (WATCH_INTERVAL, stretched on a loaded
        machine) the thread that allocated may have handed on to one that did
        not: checked at the switch too, the cap is blamed on the slice that passed it.
        """
        if self._gauge.resident() > self.memory_cap:
            self.out_of_memory()

    def out_of_memory(self) -> NoReturn:
        """Over the cap: stop where the program is allocating, keeping every frame so far."""
        if self.recorder is None or self.kernel is None:
            self.finish("memory", report={"text": f"memory: the recording used more than {self._cap_text()}"})
        actor, name, where, stack = self._running_now()
        text = (
            f"memory: the recording used more than {self._cap_text()} while {name} ran at {where},"
            " so it was stopped (--memory sets the cap)"
        )
        self.recorder.runaway_frame(actor, stack, stop="memory")
        self.finish("memory", report={"actor": actor, "name": name, "where": where, "text": text})

    def _cap_text(self) -> str:
        return settings.format_size(self.memory_cap)

    # -- running ----------------------------------------------------------------------

    def load(self) -> types.CodeType:
        """Read and compile the program as `python FILE` does: PEP 263 coding line, BOM, shebang."""
        try:
            with open(self.path, "rb") as handle:
                source_bytes = handle.read()
        except OSError as exc:
            self.finish("error", error=f"{self.shown_path}: cannot read: {exc.strerror or exc}")
        self.source = self._decode(source_bytes)
        # The trace shows the source as it was recorded, and so do tracebacks: a
        # program that edits its own file still sees the lines that ran (an
        # entry with no mtime is never re-read by linecache.checkcache).
        linecache.cache[self.path] = (len(self.source), None, self.source.splitlines(True), self.path)
        nul = source_bytes.find(b"\0")
        if nul >= 0:  # compile() gives no line for it; `python FILE` names the line
            self._syntax_error(source_bytes[:nul].count(b"\n") + 1, None, "source code cannot contain null bytes")
        try:
            return compile(source_bytes, self.path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            self._syntax_error(exc.lineno, exc.offset, exc.msg)
        except ValueError as exc:
            self.finish("error", error=f"{self.shown_path}: cannot compile: {exc}")

    def _decode(self, source_bytes: bytes) -> str:
        """The source as text, in the encoding its BOM or coding line declares (UTF-8 by default)."""
        declared = True
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(source_bytes).readline)
        except SyntaxError as exc:
            if not exc.msg.startswith("invalid or missing encoding declaration"):
                self._syntax_error(exc.lineno or 1, None, exc.msg)  # an unknown coding, or one the BOM contradicts
            encoding, declared = "utf-8", False  # non-UTF-8 bytes in the first two lines, and no coding line
        try:
            return source_bytes.decode(encoding)
        except UnicodeDecodeError as exc:
            line = source_bytes[: exc.start].count(b"\n") + 1
            shown = "UTF-8" if encoding.startswith("utf-8") else encoding
            problem = f"not {shown} text ({exc.reason} at byte {exc.start})"
            if not declared or encoding == "utf-8":
                problem += ", and no coding line declares another encoding (PEP 263)"
            self.finish("error", error=f"{self.shown_path}:{line}: {problem}")

    def _syntax_error(self, line: int | None, offset: int | None, message: str) -> NoReturn:
        where = f"{self.shown_path}:{line}" + (f":{offset}" if offset else "")
        self.finish(
            "error",
            error=f"{where}: SyntaxError: {message}",
            line=line,
            file=os.path.basename(self.path),
            source=getattr(self, "source", None),
        )

    def header(self, code: types.CodeType) -> dict[str, Any]:
        lesson = code.co_consts[0] if has_docstring(self.source) else None
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "scenario": self.shown_path,
            "file": os.path.basename(self.path),
            "seed": self.seed,
            "max_frames": self.max_frames,
            "settings": self.options.as_dict(),
            "python": platform.python_version(),
            "lesson": lesson,
            "source": self.source,
        } | ({"sandbox": self.sandbox_note} if self.sandbox_note else {})

    def run(self) -> NoReturn:
        code = self.load()
        # Last words if C code crashes the interpreter: the viewer reads them
        # from our stderr to say where the program was.
        stderr = sys.__stderr__.fileno() if sys.__stderr__ is not None else 2
        faulthandler.enable(file=stderr, all_threads=False)
        # The viewer's memory guard asks where the program is before it stops it (tui.sources).
        faulthandler.register(signal.SIGUSR1, file=stderr, all_threads=True)
        self.real_pid = os.getpid()  # before the simulation answers getpid() with its own pid
        self.sandbox_note = sandbox.close(stderr)
        opts = self.options
        self.kernel = kernel = Kernel(
            self.clock,
            self.on_deadlock,
            switch_interval=opts.switch_interval,
            tick_cost=opts.bytecode_cost,
            cores=opts.cores,
            preempt_anywhere=opts.preempt == "any",
            seed=self.seed,
            policy=parse_policy(opts.policy),
        )
        self.recorder = rec = Recorder(
            self.writer.write, self.clock, self.sites, max_frames=self.max_frames, header=self.header(code)
        )
        rec.kernel = kernel
        rec.on_stop = self.on_stop
        if isinstance(kernel.policy, Ask):
            kernel.policy.ask = self.on_decision
        kernel.leaving = self._check_memory
        kernel.recorder = rec
        rec.thread_created(kernel.main)

        module = types.ModuleType("__main__")
        install_simulation(self.clock, kernel, rec, module.__dict__, opts)
        os._exit = self.on_exit_call  # type: ignore[assignment]
        sys.stdout = CapturedStream(rec.write_out, "<stdout>")
        sys.stderr = CapturedStream(rec.write_err, "<stderr>")
        real_start_new_thread(self.watch, ())  # the watchdog is no thread of the program
        sandbox.refuse_at_the_users_line(self.real_pid)

        module.__file__ = self.path
        module.__builtins__ = __builtins__  # type: ignore[attr-defined]
        sys.modules["__main__"] = module
        sys.argv = [self.path, *self.options.program_args]
        sys.path[0] = os.path.dirname(self.path)
        if uses_threads_or_processes(self.source):
            # Count CPU from the first line, so that a serial run before the
            # threads or processes start is timed on the same scale.
            kernel.start_counting()
        main = [module]
        del module  # from here on only `main` and sys.modules hold the main module: _finalize drops both
        ending, detail = "completed", None
        try:
            exec(code, main[0].__dict__)
        except SystemExit as exc:
            ending, detail = "exit", (exc.code, rec.format_exception(exc))
            _drop_tracebacks(exc)
        except RecordingStopped as stop:
            self.finish(stop.outcome, report={"text": stop.detail})
        except BaseException as exc:
            ending, detail = "error", (f"{type(exc).__name__}: {exc}", rec.format_exception(exc))
            _drop_tracebacks(exc)
        try:
            self._finalize(main)
        except RecordingStopped as stop:
            self.finish(stop.outcome, report={"text": stop.detail})
        except BaseException as exc:
            if ending == "completed":  # else the program is already failing: report its own error
                ending, detail = "error", (f"{type(exc).__name__}: {exc}", rec.format_exception(exc))
        if ending == "exit":
            self._exited(*detail)  # type: ignore[misc]
        if ending == "error":
            failed, report = detail  # type: ignore[misc]
            kernel.finish_main(failed=failed)
            self.finish("exception", report=report)
        kernel.finish_main()
        self.finish("completed")

    def _finalize(self, main: list[types.ModuleType]) -> None:
        """What the interpreter does once the main module is done (Py_FinalizeEx), in its order.

        Non-daemon threads are joined and executors' exit hooks run
        (threading._shutdown); then the atexit handlers, the last registered
        first (multiprocessing's, which joins child processes, among them); then
        the main module is dropped and its globals collected, so `__del__`
        methods run and "coroutine ... was never awaited" is written, as at CPython's exit.
        """
        threading._shutdown()  # type: ignore[attr-defined]
        atexit._run_exitfuncs()
        self._drop_main(main)

    def _drop_main(self, main: list[types.ModuleType]) -> None:
        """Let go of the main module and collect it, as CPython's exit does.

        Its globals form a cycle with its functions, so the collector frees them:
        finalizers run first with every global still there (PEP 442), and not at
        all while a daemon thread still runs in the module. A warning raised with
        no frame of the program's below it is placed where CPython places one
        raised outside any Python frame ("sys:1" or "<sys>:0"), not in this file.
        """
        show = warnings.showwarning
        site = cpython.running.frameless_warning_site

        def placed(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
            if filename == __file__:
                filename, lineno = site
            show(message, category, filename, lineno, file, line)

        warnings.showwarning = placed
        try:
            main.clear()
            sys.modules.pop("__main__", None)
            if self.kernel is not None:
                self.kernel.main.proc.namespace = None
            gc.collect()
        finally:
            if warnings.showwarning is placed:
                warnings.showwarning = show

    def _exited(self, code: Any, report: dict[str, Any]) -> NoReturn:
        """sys.exit(code): the recording ends as the process would."""
        assert self.recorder is not None and self.kernel is not None
        self.kernel.finish_main()
        if code is None or code == 0:
            self.finish("completed", exit_code=0)
        if not isinstance(code, int):
            print(code, file=sys.__stderr__)
        self.finish("exception", exit_code=code if isinstance(code, int) else 1, report=report)


def _drop_tracebacks(exc: BaseException) -> None:
    """Forget where an exception (and those it chains) was raised: its frames would keep the
    main module's globals alive past the exit, and no `__del__` would run."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        pending += [current.__cause__, current.__context__]


def end_with_the_viewer() -> None:
    """Die with the viewer: when it exits, however (even SIGKILL), the kernel kills this process.

    The variable is the program's business no more once read. If the viewer
    is already gone, this process has been re-parented: nobody would read the trace.
    """
    viewer = os.environ.pop(settings.VIEWER_PID_VARIABLE, None)
    if viewer is None:
        return  # started by hand, for debugging
    try:
        ctypes.CDLL(None, use_errno=True).prctl(sandbox.PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if str(os.getppid()) != viewer:
        _real_exit(1)


def main(argv: list[str] | None = None) -> NoReturn:
    end_with_the_viewer()
    parser = argparse.ArgumentParser(prog="python -m tui.engine.recording")
    parser.add_argument("file")
    parser.add_argument("--out-fd", type=int, required=True)
    settings.add_arguments(parser)
    argv = sys.argv[1:] if argv is None else argv
    program_args: list[str] = []
    if "--" in argv:
        split = argv.index("--")
        argv, program_args = argv[:split], argv[split + 1 :]
    args = parser.parse_args(argv)
    session = Session(args.file, settings.from_arguments(args, program_args), args.out_fd)
    session.run()


if __name__ == "__main__":
    main()
