"""Provides the go-to questions (g, t): which frame, or which virtual time, checked before the screen seeks."""

from __future__ import annotations

from tui.screens.prompt import PromptScreen


def frame_problem(answer: str, count: int) -> str | None:
    """Why `answer` is not a frame number of a trace of `count` frames (counted from 1), or None."""
    if not answer.isdigit():
        return "Type a frame number, like 12"
    if not 1 <= int(answer) <= max(count, 1):
        return f"There are frames 1 to {count}"
    return None


def parse_time(answer: str) -> float:
    """Seconds of virtual time, as typed or as the status bar shows it (`1.5`, `t=1.5s`); ValueError if neither."""
    return float(answer.removeprefix("t=").removesuffix("s"))


def time_problem(answer: str) -> str | None:
    """Why `answer` is not a virtual time, or None."""
    try:
        when = parse_time(answer)
    except ValueError:
        return "Type a time in seconds, like 1.5"
    if when < 0:
        return "Virtual time starts at 0"
    return None


def ask_frame(count: int) -> PromptScreen:
    """The question of `g`; it answers a frame number from 1 (str), or None when cancelled."""
    return PromptScreen(f"Go to frame (1-{count}):", "frame number", lambda answer: frame_problem(answer, count))


def ask_time(end: float) -> PromptScreen:
    """The question of `t`; it answers a time for parse_time, or None when cancelled."""
    return PromptScreen(f"Go to virtual time (0-{end:.3f}s):", "seconds", time_problem)
