"""Provides the `concur-tui` command: the app, and headless `trace` and `list`."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

from tui import __version__, scenarios
from tui.engine import settings
from tui.sources import Recording, SavedTrace, Settings, is_saved_trace, saved_trace_refusal
from tui.trace.schema import Summary

EXIT_OK = 0
EXIT_RAISED = 1
EXIT_USAGE = 2
EXIT_DEADLOCK = 3
EXIT_LIMIT = 4

EXIT_BY_OUTCOME = {
    "completed": EXIT_OK,
    "exception": EXIT_RAISED,
    "crashed": EXIT_RAISED,
    "deadlock": EXIT_DEADLOCK,
    "frame-limit": EXIT_LIMIT,
    "runaway": EXIT_LIMIT,
    "thread-limit": EXIT_LIMIT,
    "process-limit": EXIT_LIMIT,
    "memory": EXIT_LIMIT,
    "decision": EXIT_LIMIT,  # stopped to ask a person (scheduler mode's policies): not the end of the run
    "error": EXIT_USAGE,
    "cut": EXIT_RAISED,
}


class UsageError(Exception):
    """Bad arguments or an unusable file: one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _add_record_options(parser: argparse.ArgumentParser) -> None:
    settings.add_arguments(parser)


def _add_schedule_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--schedule",
        metavar="S.json",
        help="replay a schedule that `concur-tui explore` saved (its settings with it), exactly",
    )


def _with_schedule(path: str, options: Settings, schedule_path: str | None) -> Settings:
    """The settings that replay `schedule_path` on `path` (the ones the schedule was found with), or `options`."""
    if schedule_path is None:
        return options
    _refuse_saved_trace(path, "--schedule")
    from dataclasses import fields

    from tui.schedule_file import ScheduleError, check_matches, load

    try:
        schedule = load(schedule_path)
        check_matches(schedule, path, schedule_path)
    except ScheduleError as exc:
        raise UsageError(f"concur-tui: {exc}") from None
    known = {field.name for field in fields(Settings)}
    saved = {name: value for name, value in schedule.settings.items() if name in known and name != "policy"}
    saved["program_args"] = tuple(str(arg) for arg in saved.get("program_args", options.program_args))
    return replace(options, **saved, policy=f"replay:@{os.path.abspath(schedule_path)}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="concur-tui",
        description="Record an ordinary concurrent Python program in virtual time and step through its scheduling.",
        epilog=(
            "The app: concur-tui [FILE] [options] [-- ARGS]  (no FILE: the default lesson; "
            "options as for trace; ARGS become the program's sys.argv[1:]). "
            "Run `concur-tui trace --help` for the options."
        ),
    )
    parser.add_argument("--version", action="version", version=f"concur-tui {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    trace = commands.add_parser("trace", help="record FILE and print its frames (no UI)")
    trace.add_argument("file", nargs="?", help="a Python file, or a bundled scenario's name (default scenario)")
    trace.add_argument("--json", action="store_true", help="JSON Lines: one object per frame, then a summary")
    _add_record_options(trace)
    _add_schedule_option(trace)
    commands.add_parser("list", help="list the bundled scenarios")
    from tui.explore import command as explore_command

    explore_command.add_parser(commands)
    from tui import lint_command

    lint_command.add_parser(commands)
    from tui.serve import command as serve_command

    serve_command.add_parser(commands)
    _add_export_parser(commands)
    shots = commands.add_parser("screenshots", help="save SVG screenshots of the main views (for the README)")
    shots.add_argument("directory", nargs="?", default="screenshots", help="where to write them (screenshots/)")
    return parser


def _add_export_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    from tui.export.choices import MAX_SVG_FRAMES

    export = commands.add_parser(
        "export",
        help="write a trace as SVG screenshots, a Markdown walkthrough or a Perfetto trace",
        description="Record SRC (or read a saved trace) and write it out for slides, notes and other tools.",
        epilog="At least one of --svg, --markdown and --perfetto; several may be given at once.",
    )
    export.add_argument(
        "src",
        metavar="SRC",
        help="a Python file or bundled lesson to record, or a saved trace (what `trace --json` writes)",
    )
    export.add_argument("--svg", metavar="DIR", help="one SVG screenshot of the app per frame: DIR/frame-0001.svg, ...")
    export.add_argument("--markdown", metavar="OUT", help="the walkthrough as Markdown (- for stdout)")
    export.add_argument("--perfetto", metavar="OUT", help="Chrome/Perfetto trace-event JSON (- for stdout)")
    export.add_argument(
        "--frames",
        metavar="LIST",
        help=f"frames for --svg and --markdown, numbered from 1 as on screen: 1,5,10-20 "
        f"(default: all; --svg refuses more than {MAX_SVG_FRAMES} without a choice)",
    )
    export.add_argument("--size", metavar="COLSxROWS", default="120x36", help="the app's size for --svg (120x36)")
    _add_record_options(export)


def _app_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="concur-tui", description="Open the stepping TUI on FILE (default: a bundled scenario).")
    parser.add_argument("file", nargs="?", help="a Python file, a saved trace, or a bundled scenario's name")
    parser.add_argument(
        "--no-watch",
        action="store_true",
        help="do not record FILE again when it is saved (watch mode is on when a FILE is given)",
    )
    parser.add_argument(
        "--start-at",
        type=int,
        metavar="N",
        help="open at frame N (from 1, as `frame i/n` counts) once it is in; the last frame if the run is shorter",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="FILE|DIR",
        help="a served viewer's app (what `concur-tui serve` starts): `o` offers only these programs (a DIR: its"
        " .py files) with no path box, and nothing is written (e, s, w are off); no FILE: the picker opens first",
    )
    _add_record_options(parser)
    _add_schedule_option(parser)
    return parser


def _scenario_path(given: str | None) -> str:
    if given is None:
        return str(scenarios.default_path())
    path = scenarios.resolve(given)
    if not path.exists():
        close = scenarios.suggestions(given)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise UsageError(f"concur-tui: no such file: {given}{hint}")
    if path.is_dir():
        raise UsageError(f"concur-tui: {given} is a directory, not a Python file")
    if not os.access(path, os.R_OK):
        raise UsageError(f"concur-tui: cannot read {given}: permission denied")
    return str(path)


def _options(args: argparse.Namespace, program_args: list[str] | None = None) -> Settings:
    return settings.from_arguments(args, program_args or [])


def _one_line_problem(summary: Summary) -> str:
    """The problem in one line for stderr, made inert: the message is the program's own text."""
    from tui.render.inert import inert

    if summary.get("error"):
        return inert(str(summary["error"]))
    report = summary.get("report") or {}
    if report.get("where"):
        return inert(f"{report['where']}: {report.get('type', '')}: {report.get('message', '')}".strip())
    return inert(str(report.get("text", "")).splitlines()[0]) if report.get("text") else ""


def _recording(path: str, options: Settings) -> Recording:
    """A recording whose one-line notes (the sandbox missing) go to stderr as they arrive."""
    recording = Recording(path, options)
    recording.on_note = lambda note: print(note, file=sys.stderr, flush=True)
    return recording


def _stream(path: str, options: Settings) -> Recording | SavedTrace:
    """What the trace commands read: a saved trace, or a recording of the program."""
    return SavedTrace(path) if is_saved_trace(path) else _recording(path, options)


def run_trace_json(path: str, options: Settings) -> int:
    from tui.render.inert import inert_json

    recording = _stream(path, options)
    out = sys.stdout.buffer
    for line in recording.lines():  # checked: a malformed line ends the run as `crashed`, said once
        out.write(inert_json(line.encode("utf-8") + b"\n"))
    out.flush()
    summary = recording.summary or {}
    outcome = summary.get("outcome", "crashed")
    if outcome != "completed":
        problem = _one_line_problem(summary)
        if problem:
            prefix = "" if problem.startswith(outcome) else f"{outcome}: "
            print(f"concur-tui: {prefix}{problem}", file=sys.stderr)
    return EXIT_BY_OUTCOME.get(outcome, EXIT_RAISED)


def run_trace_text(path: str, options: Settings) -> int:
    from tui.render.listing import print_listing

    recording = _stream(path, options)
    summary = print_listing(recording, stop_before_error=True)
    outcome = summary.get("outcome", "crashed")
    if outcome == "error":  # the file could not be read or compiled: one line on stderr
        print(f"concur-tui: error: {_one_line_problem(summary)}", file=sys.stderr)
    return EXIT_BY_OUTCOME.get(outcome, EXIT_RAISED)


def run_list() -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from tui.render.inert import inert

    table = Table(box=None, show_header=True, header_style="bold")
    table.add_column("scenario")
    table.add_column("lesson")
    for scenario in scenarios.bundled():
        marker = " (default)" if scenario.path.name == scenarios.DEFAULT_SCENARIO else ""
        table.add_row(Text(inert(scenario.name) + marker), Text(inert(scenario.title)))
    Console().print(table)
    return EXIT_OK


def run_export(args: argparse.Namespace, program_args: list[str]) -> int:
    """`concur-tui export`: every choice is checked before SRC is recorded, every output after."""
    from tui.export import Export, ExportError, export
    from tui.export.choices import parse_frames, parse_size
    from tui.export.files import STDOUT, check_writable_directory, check_writable_file

    try:
        if args.svg is None and args.markdown is None and args.perfetto is None:
            raise ExportError("export: say what to write: --svg DIR, --markdown OUT and/or --perfetto OUT")
        if args.markdown == STDOUT and args.perfetto == STDOUT:
            raise ExportError("export: only one of --markdown and --perfetto can go to stdout (-)")
        request = Export(
            svg=args.svg,
            markdown=args.markdown,
            perfetto=args.perfetto,
            frames=parse_frames(args.frames) if args.frames is not None else None,
            size=parse_size(args.size),
        )
        if request.svg is not None:
            check_writable_directory(request.svg, "--svg")
        for option, given in (("--markdown", request.markdown), ("--perfetto", request.perfetto)):
            if given is not None:
                check_writable_file(given, option)
        path = _scenario_path(args.src)
        _refuse_unreadable_trace(path)  # another version's trace: said as the app says it
        recording = _stream(path, _options(args, program_args))
        lines = list(recording.lines())
        summary = recording.summary or {}
        if summary.get("outcome") == "error":
            problem = _one_line_problem(summary)
            if not summary.get("frames"):
                raise ExportError(f"error: {problem}")
            print(f"concur-tui: {problem} (exporting the frames before it)", file=sys.stderr)
        for sentence in export(lines, request):
            print(f"concur-tui: {sentence}", file=sys.stderr)
    except ExportError as exc:
        raise UsageError(f"concur-tui: {exc}") from None
    return EXIT_OK


def run_lint(given: str, options: Settings) -> int:
    """`concur-tui lint`: the warnings of a run; a file that cannot be recorded or read is bad usage."""
    from tui import lint_command

    path = _scenario_path(given)
    _refuse_unreadable_trace(path)
    status, summary = lint_command.run(_stream(path, options), path)
    if summary.get("outcome") == "error" and not summary.get("frames"):
        raise UsageError(f"concur-tui: error: {_one_line_problem(summary)}")
    return status


def _refuse_saved_trace(path: str, command: str) -> None:
    """`explore` and `--schedule` need the program: a saved trace is one run, already made."""
    if is_saved_trace(path):
        raise UsageError(f"concur-tui {command}: {path} is a saved trace; give the program that made it")


def _refuse_unreadable_trace(path: str) -> bool:
    """Whether `path` is a saved trace; UsageError, in one line, if it is one that cannot be opened at all."""
    if not is_saved_trace(path):
        return False
    refusal = saved_trace_refusal(path)
    if refusal is not None:
        from tui.render.inert import inert

        raise UsageError(f"concur-tui: {inert(refusal)}")
    return True


def _served(given: list[str], file: str | None) -> tuple[list[scenarios.Scenario], str]:
    """--only: the programs a served session may open, and the one to open first (FILE, or the first)."""
    missing = [path for path in given if not Path(path).exists()]
    if missing:
        raise UsageError(f"concur-tui: --only: no such file or folder: {missing[0]}")
    only = scenarios.served([Path(path) for path in given])
    if not only:
        raise UsageError("concur-tui: --only: no Python program there")
    if file is None:
        return only, str(only[0].path)
    first = Path(_scenario_path(file)).resolve()
    if first not in {scenario.path for scenario in only}:
        raise UsageError(f"concur-tui: {file} is not among the --only programs")
    return only, str(first)


def run_app(
    path: str,
    options: Settings,
    *,
    watch: bool = False,
    start_at: int | None = None,
    only: list[scenarios.Scenario] | None = None,
    pick: bool = False,
) -> int:
    saved = _refuse_unreadable_trace(path)
    # The program starts recording now, in its own process, while this one loads the app:
    # its first frame is ready by the time the screen is (a saved trace needs no head start).
    first = None if saved else Recording(path, options)
    if first is not None:
        first.start()
    try:
        from tui.app import run_app as start_app
    except ImportError:
        if first is not None:
            first.cancel()
        return run_trace_text(path, options)
    return start_app(
        Path(path),
        options,
        saved=saved,
        recording=first,
        watch=watch and not saved,
        start_at=start_at,
        only=only,
        pick=pick,
    )


def warn_if_untested_python() -> None:
    """One line on stderr when this CPython is not one concur-tui is tested on (it still tries)."""
    from tui.engine import cpython

    if cpython.SUPPORT_NOTE:
        print(cpython.SUPPORT_NOTE, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not ({"-h", "--help", "--version"} & set(argv)):
        warn_if_untested_python()
    program_args: list[str] = []
    if "--" in argv:  # everything after `--` is the program's own sys.argv[1:]
        split = argv.index("--")
        argv, program_args = argv[:split], argv[split + 1 :]
    try:
        if argv and argv[0] in (
            "trace",
            "list",
            "export",
            "screenshots",
            "explore",
            "lint",
            "serve",
            "-h",
            "--help",
            "--version",
        ):
            args = build_parser().parse_args(argv)
            if args.command == "list":
                return run_list()
            if args.command == "export":
                return run_export(args, program_args)
            if args.command == "screenshots":
                from tui.screenshots import take_screenshots

                for saved in take_screenshots(Path(args.directory)):
                    print(saved)
                return EXIT_OK
            if args.command == "explore":
                from tui.explore import command as explore_command

                path = _scenario_path(args.file)
                _refuse_saved_trace(path, "explore")
                return explore_command.run(args, path, _options(args, program_args))
            if args.command == "lint":
                return run_lint(args.file, _options(args, program_args))
            if args.command == "serve":
                from tui.serve import command as serve_command

                return serve_command.run(args)
            path = _scenario_path(args.file)
            options = _with_schedule(path, _options(args, program_args), args.schedule)
            if args.json:
                return run_trace_json(path, options)
            return run_trace_text(path, options)
        args = _app_parser().parse_args(argv)
        if args.start_at is not None and args.start_at < 1:
            raise UsageError("concur-tui: --start-at counts frames from 1")
        watch = args.file is not None and not args.no_watch
        if args.only is not None:
            if args.schedule is not None:
                raise UsageError("concur-tui: --only and --schedule do not go together")
            only, path = _served(args.only, args.file)
            watch = not args.no_watch  # the presenter's saves reach every viewer
            pick = args.file is None and len(only) > 1
            return run_app(
                path, _options(args, program_args), watch=watch, start_at=args.start_at, only=only, pick=pick
            )
        path = _scenario_path(args.file)
        options = _with_schedule(path, _options(args, program_args), args.schedule)
        start_at = args.start_at
        if args.schedule is not None and start_at is None:
            from tui.screens.main import AT_THE_END

            start_at = AT_THE_END  # a found schedule opens where it fails: its last frame
        return run_app(path, options, watch=watch and args.schedule is None, start_at=start_at)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `concur-tui trace x.py | head`: the reader left; that is fine.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
