"""Provides what `concur-tui export` is asked for, read and checked: which frames, at what size.

Frames are numbered from 1, as the app shows them (`frame i/n`); the
indexes handed on are 0-based, as the trace counts. Every mistake is an
ExportError whose message is one line for stderr.
"""

from __future__ import annotations

import re

MAX_SVG_FRAMES = 200
"""SVGs written without --frames at most: a long trace asks for a choice instead of a directory of thousands."""

MIN_SIZE = (40, 12)
MAX_SIZE = (500, 200)

_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")
_SIZE = re.compile(r"^\s*(\d+)\s*[xX]\s*(\d+)\s*$")


class ExportError(Exception):
    """A bad choice or an unusable output: one line on stderr, exit status 2."""


def parse_frames(spec: str) -> list[int]:
    """`1,5,10-20` as the frame numbers it names (1-based), in order, each once."""
    numbers: set[int] = set()
    for part in spec.split(","):
        found = _RANGE.match(part)
        if found is None:
            raise ExportError(
                f"--frames: {part.strip() or 'an empty part'!r} is not a frame number or a range like 10-20"
            )
        first = int(found[1])
        last = int(found[2]) if found[2] is not None else first
        if first < 1:
            raise ExportError("--frames: frames are numbered from 1, as the app shows them")
        if last < first:
            raise ExportError(f"--frames: the range {first}-{last} runs backwards")
        numbers.update(range(first, last + 1))
    return sorted(numbers)


def parse_size(spec: str) -> tuple[int, int]:
    """`120x36` as (columns, rows), within what the app can be drawn at."""
    found = _SIZE.match(spec)
    if found is None:
        raise ExportError(f"--size: {spec!r} is not COLUMNSxROWS, like 120x36")
    size = (int(found[1]), int(found[2]))
    if not (MIN_SIZE[0] <= size[0] <= MAX_SIZE[0] and MIN_SIZE[1] <= size[1] <= MAX_SIZE[1]):
        raise ExportError(
            f"--size: {size[0]}x{size[1]} is outside {MIN_SIZE[0]}x{MIN_SIZE[1]} to {MAX_SIZE[0]}x{MAX_SIZE[1]}"
        )
    return size


def chosen_indexes(numbers: list[int] | None, count: int, *, cap: int | None = None) -> list[int]:
    """The 0-based indexes of the chosen frames of a trace of `count` frames (None: all of them, up to `cap`)."""
    if numbers is None:
        if cap is not None and count > cap:
            raise ExportError(
                f"the trace has {count} frames, more than the {cap} SVGs written without a choice:"
                f" pick some with --frames (e.g. --frames 1-{cap})"
            )
        return list(range(count))
    beyond = [n for n in numbers if n > count]
    if beyond:
        raise ExportError(f"--frames: frame {beyond[0]} is beyond the last frame ({count})")
    return [n - 1 for n in numbers]
