"""Provides the recording process: runs one scenario under the engine and streams its trace.

Run as `python -m tui.engine.record FILE --out-fd N ...` by `tui.recording`;
never imported by a viewer. It is the only place where asyncio, threading,
time and friends are patched, and the user's program runs here as if started
with `python FILE`. Frames go to the pipe as JSON Lines while they are made;
the last line is always `{"summary": ...}`, however the program ends.
"""

from __future__ import annotations

import _thread
import argparse
import ast
import asyncio
import atexit
import faulthandler
import gc
import io
import json
import os
import platform
import sys
import threading
import types
import warnings
from typing import Any, NoReturn

from tui.engine import cpython, probes, settings, simnet, simprocess, simthreads, threadprobes, unsupported, vtime
from tui.engine.clock import VirtualClock
from tui.engine.deadlock import deadlock_report
from tui.engine.kernel import Kernel, real_start_new_thread
from tui.engine.loop import RecordedTask, SimEventLoop, SimEventLoopPolicy
from tui.engine.recorder import FORMAT_NAME, FORMAT_VERSION, Recorder, RecordingStopped
from tui.engine.settings import Settings
from tui.engine.sites import Sites

MAX_SUMMARY_OUTPUT = 1024 * 1024

_real_exit = os._exit


_CONCURRENCY_MODULES = ("threading", "multiprocessing", "concurrent")


def uses_threads_or_processes(source: str) -> bool:
    """Does the program import threading, multiprocessing or concurrent.futures itself?"""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] in _CONCURRENCY_MODULES for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in _CONCURRENCY_MODULES:
            return True
    return False


class FrameWriter:
    """Buffers JSON lines and writes them to the pipe in large, timely chunks."""

    WRITE_THROUGH_LINES = 4096
    """The first lines go out one by one: a short program that crashes the
    interpreter (a segfault in C code) still leaves every frame behind."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._chunks: list[str] = []
        self._lock = _thread.allocate_lock()
        self._last_flush = vtime.real_monotonic()
        self._write_through = self.WRITE_THROUGH_LINES

    def write(self, line: str) -> None:
        chunks = self._chunks
        chunks.append(line)
        if self._write_through:
            self._write_through -= 1
            self.flush()
        # Check the size and the wall clock only every 64 lines: cheap, and
        # still a flush at least every ~20 ms while frames keep coming.
        elif not len(chunks) & 63 and (len(chunks) > 600 or vtime.real_monotonic() - self._last_flush > 0.02):
            self.flush()

    def flush(self) -> None:
        with self._lock:
            if not self._chunks:
                return
            data = ("\n".join(self._chunks) + "\n").encode("utf-8", "backslashreplace")
            self._chunks.clear()
            self._last_flush = vtime.real_monotonic()
            view = memoryview(data)
            try:
                while view:
                    written = os.write(self.fd, view)
                    view = view[written:]
            except BrokenPipeError:
                _real_exit(0)  # the viewer went away; nobody is left to tell


class CapturedStream(io.TextIOBase):
    """sys.stdout/sys.stderr of the program: text goes into the current frame."""

    def __init__(self, sink: Any, name: str) -> None:
        self._sink = sink
        self._name = name

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._sink(text)
        return len(text)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    @property
    def name(self) -> str:
        return self._name


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
        else:
            summary.update(stdout="", stderr="")
        summary.update(fields)
        self.writer.write(json.dumps({"summary": summary}, ensure_ascii=False, default=repr))
        self.writer.flush()
        _real_exit(0)

    def on_stop(self, outcome: str, detail: str) -> NoReturn:
        self.finish(outcome, report={"text": detail})

    def on_deadlock(self, kernel: Kernel) -> NoReturn:
        assert self.recorder is not None
        report = deadlock_report(self.recorder, kernel)
        self.recorder.flush_pending(kernel.current.tid)
        self.finish("deadlock", report=report)

    def on_exit_call(self, code: int = 0) -> NoReturn:
        """os._exit() in the program: end the recording as the process would end (a child: just that process)."""
        assert self.recorder is not None
        kernel = self.kernel
        if kernel is not None and kernel.current.lane is not kernel.main.lane:
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
        return (rec.frames if rec else 0) + (kernel.switches if kernel else 0)

    def watch(self) -> None:
        """Real thread: flush idle output, and stop a step that never gives control back."""
        last = -1
        since = vtime.real_monotonic()
        while True:
            vtime.real_sleep(0.05)
            now = vtime.real_monotonic()
            progress = self._progress()
            if progress != last:
                last, since = progress, now
                continue
            if now - since > 0.1:
                self.writer.flush()
            if now - since > self.step_timeout:
                self.runaway()

    def runaway(self) -> NoReturn:
        rec, kernel = self.recorder, self.kernel
        assert rec is not None and kernel is not None
        thread = kernel.current
        frame = sys._current_frames().get(thread.ident)
        user = self.sites.user_frame(frame)
        where = f"{self.sites.display_path(user.f_code.co_filename)}:{user.f_lineno}" if user else "?"
        actor = rec.current if rec.running is not None else thread.tid
        name = rec.name_of(actor)
        text = (
            f"runaway: {name} ran for {self.step_timeout:g}s of wall time without giving control back "
            f"(stopped at {where}); a coroutine must await, and a thread must block, for others to run"
        )
        stack = self.sites.stack_of(user) if user else []
        rec.runaway_frame(actor, stack)
        self.finish("runaway", report={"actor": actor, "name": name, "where": where, "text": text})

    # -- running ----------------------------------------------------------------------

    def load(self) -> types.CodeType:
        try:
            with open(self.path, "rb") as handle:
                source_bytes = handle.read()
        except OSError as exc:
            self.finish("error", error=f"{self.shown_path}: cannot read: {exc.strerror or exc}")
        try:
            self.source = source_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.finish("error", error=f"{self.shown_path}: not UTF-8 text ({exc.reason} at byte {exc.start})")
        try:
            return compile(source_bytes, self.path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            where = f"{self.shown_path}:{exc.lineno}" + (f":{exc.offset}" if exc.offset else "")
            self.finish(
                "error",
                error=f"{where}: SyntaxError: {exc.msg}",
                line=exc.lineno,
                file=os.path.basename(self.path),
                source=self.source,
            )
        except ValueError as exc:  # e.g. null bytes
            self.finish("error", error=f"{self.shown_path}: cannot compile: {exc}")

    def header(self, code: types.CodeType) -> dict[str, Any]:
        lesson = None
        consts = code.co_consts
        if consts and isinstance(consts[0], str) and self.source.lstrip().startswith(('"', "'")):
            lesson = consts[0]
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
        }

    def run(self) -> NoReturn:
        code = self.load()
        # Last words if C code crashes the interpreter: the viewer reads them
        # from our stderr to say where the program was.
        faulthandler.enable(file=sys.__stderr__, all_threads=False)
        opts = self.options
        self.kernel = kernel = Kernel(
            self.clock,
            self.on_deadlock,
            switch_interval=opts.switch_interval,
            tick_cost=opts.bytecode_cost,
            cores=opts.cores,
            preempt_anywhere=opts.preempt == "any",
            seed=self.seed,
        )
        self.recorder = rec = Recorder(
            self.writer.write, self.clock, self.sites, max_frames=self.max_frames, header=self.header(code)
        )
        rec.kernel = kernel
        rec.on_stop = self.on_stop
        kernel.recorder = rec
        rec.thread_created(kernel.main)

        vtime.install(self.clock, kernel, self.seed)
        simthreads.install(kernel)
        probes.install(rec)
        threadprobes.install(rec, kernel)
        module = types.ModuleType("__main__")
        simprocess.install(kernel, module.__dict__, seed=self.seed)
        unsupported.install(kernel)
        simnet.install(kernel, latency=opts.latency, bandwidth=opts.bandwidth)
        self._route_event_loops(kernel, rec)
        os._exit = self.on_exit_call  # type: ignore[assignment]
        sys.stdout = CapturedStream(rec.write_out, "<stdout>")
        sys.stderr = CapturedStream(rec.write_err, "<stderr>")
        real_start_new_thread(self.watch, ())  # the watchdog is no thread of the program

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

    def _route_event_loops(self, kernel: Kernel, rec: Recorder) -> None:
        """Every loop the program can create is a recorded one, however it asks for it."""
        clock = self.clock

        class RecordedEventLoop(SimEventLoop):
            def __init__(self, selector: Any = None) -> None:
                super().__init__(clock=clock, idler=kernel, recorder=rec)

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
                self.kernel.main.lane.namespace = None
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


def main(argv: list[str] | None = None) -> NoReturn:
    parser = argparse.ArgumentParser(prog="python -m tui.engine.record")
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
