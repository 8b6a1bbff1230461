"""Provides save_trace (s) and check_new_file: the trace on screen written as `trace --json` writes it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.files import write_atomically
from tui.render.inert import inert_json
from tui.trace.model import Trace


def trace_bytes(trace: Trace) -> bytes:
    """The trace's lines as read, made inert as `trace --json` makes them: the same bytes it would write."""
    return inert_json("".join(line + "\n" for line in trace.lines()).encode("utf-8"))


def save_trace(trace: Trace, target: Path) -> None:
    write_atomically(target, trace_bytes(trace))


def check_new_file(default: Path) -> Callable[[str], str | None]:
    """A PromptScreen check for a path to write a new file at (empty: `default`); never over an existing file."""

    def check(answer: str) -> str | None:
        target = Path(answer or str(default)).expanduser()
        if target.is_dir():
            return f"{target} is a folder: give a file name"
        if not target.parent.is_dir():
            return f"no folder {target.parent}"
        if target.exists():
            return f"{target} exists: give another name"
        return None

    return check


def ask_where_to_save(screen: Any, what: str, suggested: Path, write: Callable[[Path], str]) -> None:
    """Ask for a new file's path (Enter: `suggested`), then `write` it there; `write` returns what to say.

    `screen` is the stepping screen (its `app` and `say`). A file that exists is never written over
    (check_new_file), and a failed write is said in one line."""
    from tui.screens.prompt import PromptScreen

    def answered(answer: str | None) -> None:
        if answer is None:
            return
        target = Path(answer or str(suggested)).expanduser()
        try:
            said = write(target)
        except OSError as exc:
            screen.say(f"Not saved: {exc.strerror or exc}", severity="error")
            return
        screen.say(said)

    question = f"Save {what} as (Enter: {suggested})"
    screen.app.push_screen(PromptScreen(question, str(suggested), check_new_file(suggested)), answered)
