"""Provides the walkthrough as Markdown: per frame, what happened, when, and where every task and resource stands.

It says what the app says: the narration is tui.trace.narrate's, the
task words the task table's, the resource words the resource panel's, the
outcome the `trace` listing's. Everything the program named or printed is
data, never Markdown: names go into code spans, sentences have every
character that could start Markdown structure escaped, and printed output
goes into fenced blocks whose fence is longer than any run of backticks in
it, all after `inert()` made control characters visible.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

from rich.console import Console

from tui.render.inert import inert
from tui.render.listing import print_summary, who_ran
from tui.trace.model import Trace
from tui.trace.narrate import narrate
from tui.trace.state import Actor, World
from tui.trace.waits import WAITING_STATES, wait_now
from tui.viewmodel import FrameView, build_view
from tui.widgets.resources import describe
from tui.widgets.tasks import STATE_WORDS, detail_of

_INLINE = re.compile(r"([\\`*_\[\]<>&~$|])")
"""Characters that open Markdown structure anywhere in a line: escapes, code, emphasis, links, HTML,
entities, GitHub's strikethrough, math and tables."""

_LINE_START = re.compile(r"^([#+\-=>]|\d+(?=[.)]))")
"""What opens structure at the start of a line: a heading, a list item, a thematic break, a quote."""

_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|www)([:.])")
"""GitHub turns `http://...` and `www....` into links by themselves."""

_BACKTICKS = re.compile(r"`+")


def text(value: str, *, starts_line: bool = False) -> str:
    """Program-derived words as plain Markdown text: one line, nothing in it read as structure.

    With `starts_line`, what would open a block at the start of a line (`#`, `-`, `1.`) is escaped too.
    """
    escaped = _INLINE.sub(r"\\\1", inert(value).strip())
    escaped = _AUTOLINK.sub(r"\1\\\2", escaped)
    return _LINE_START.sub(_escape_start, escaped, count=1) if starts_line else escaped


def _escape_start(found: re.Match[str]) -> str:
    mark = found[1]
    return f"{mark}\\" if mark[0].isdigit() else f"\\{mark}"


def code(value: str) -> str:
    """A name as an inline code span: nothing inside is read as Markdown (its delimiters outnumber its backticks)."""
    shown = inert(value)
    fence = "`" * (_longest_backticks(shown) + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") or not shown.strip() else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def fenced(value: str) -> str:
    """Several lines of program text (output, a traceback) as a fenced block no line of it can close."""
    shown = inert(value.rstrip("\n"), multiline=True)
    fence = "`" * max(3, _longest_backticks(shown) + 1)
    return f"{fence}text\n{shown}\n{fence}"


def _longest_backticks(value: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(value)), default=0)


def _header(trace: Trace) -> list[str]:
    header = trace.header
    name = header.get("file") or (trace.summary or {}).get("scenario") or "a recording"
    lines = [f"# Walkthrough of {code(str(name))}", ""]
    facts = [f"{len(trace)} frames"]
    if header.get("python"):
        facts.append(f"recorded on Python {text(str(header['python']))}")
    if header.get("seed") is not None:
        facts.append(f"seed {text(str(header['seed']))}")
    if trace.outcome:
        facts.append(f"outcome {code(trace.outcome)}")
    lines += [", ".join(facts) + ".", ""]
    if header.get("lesson"):
        lines += [fenced(str(header["lesson"])), ""]
    return lines


def _state_words(actor: Actor, world: World) -> str:
    """`waits for lock (Lock#1) held by worker-1, 2nd in line`: the task table's state and detail, as a phrase."""
    if actor.state in WAITING_STATES:
        words = wait_now(world, actor) or f"waits for {actor.on}"
        return words if actor.state == "wait" else f"blocked: {words}"
    word = STATE_WORDS.get(actor.state, actor.state)
    detail = detail_of(actor, world)
    if not detail or detail.startswith(word):
        return detail or word
    return f"{word}: {detail}"


def _tasks(view: FrameView) -> list[str]:
    world = view.world
    lines = []
    for actor in view.actors():
        running = " (ran this frame)" if actor.id == world.running else ""
        lines.append(f"- {code(actor.name)} ({code(actor.id)}){running}: {text(_state_words(actor, world))}")
    return ["**Tasks and threads**", "", *lines, ""] if lines else []


def _resources(world: World) -> list[str]:
    lines = []
    for resource in world.own_resources():
        lines.append(f"- {code(resource.shown)}: {text(describe(resource, world).plain)}")
        waiting = [actor.name for actor in world.waiters(resource.id)]
        waiting += [actor.name for part in world.parts_of(resource.id) for actor in world.waiters(part.id)]
        if waiting:
            lines.append(f"  - waiting, longest first: {', '.join(code(name) for name in waiting)}")
    return ["**Resources**", "", *lines, ""] if lines else []


def _frame(trace: Trace, index: int) -> list[str]:
    view = build_view(trace, index)
    frame = view.frame
    assert frame is not None  # index is within the trace
    before = trace.state_at(index - 1) if index else None
    narration = narrate(frame, view.world, before)
    lines = [
        f"## Frame {index + 1}/{len(trace)}: {code(who_ran(frame, view.world))}, t={view.world.time:.3f}s",
        "",
        text(narration, starts_line=True),
        "",
    ]
    printed = frame.get("out", "") + frame.get("err", "")
    if printed:
        lines += ["Printed:", "", fenced(printed), ""]
    return lines + _tasks(view) + _resources(view.world)


def _outcome(trace: Trace) -> list[str]:
    if trace.summary is None:
        return []
    words = io.StringIO()
    print_summary(Console(file=words, color_system=None, width=100, soft_wrap=True), trace.summary)
    return ["## Outcome", "", fenced(words.getvalue()), ""]


def walkthrough(trace: Trace, indexes: Iterable[int]) -> str:
    """The Markdown walkthrough of the frames at `indexes` (0-based), then the run's outcome."""
    lines = _header(trace)
    for index in indexes:
        lines += _frame(trace, index)
    lines += _outcome(trace)
    return "\n".join(lines).rstrip("\n") + "\n"
