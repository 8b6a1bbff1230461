"""Provides SVG screenshots of chosen frames: the app itself, headless, stepped to each frame in one session.

The app opens the trace as it opens any saved trace (MainScreen with
`saved=True`), so a screenshot is exactly what a person stepping to that
frame sees, at the size asked for. One session serves every frame: seeking
is a cursor move, so twenty frames take about as long as one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from tui.app import ConcurApp
from tui.export.choices import ExportError

LOAD_TIMEOUT = 120.0
"""Seconds the app may take to fold the trace before the export gives up."""


def frame_file_name(index: int, count: int) -> str:
    """`frame-0007.svg` for index 6: numbered from 1 as on screen, zero-padded so names sort in frame order."""
    return f"frame-{index + 1:0{max(4, len(str(count)))}d}.svg"


async def _shoot(trace_file: Path, indexes: Sequence[int], size: tuple[int, int], directory: Path) -> list[Path]:
    app = ConcurApp(trace_file, saved=True)
    written: list[Path] = []
    async with app.run_test(size=size) as pilot:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LOAD_TIMEOUT
        while len(app.screen_stack) < 2 or not app.main.trace.complete:
            if loop.time() > deadline:
                raise ExportError(f"the app did not load the trace within {LOAD_TIMEOUT:.0f}s")
            await pilot.pause(0.02)
        main = app.main
        count = len(main.trace)
        name = main.trace.header.get("file") or trace_file.name
        for index in indexes:
            main.seek(index)
            await pilot.pause()
            svg = app.export_screenshot(title=f"concur-tui: {name}, frame {index + 1} of {count}")
            path = directory / frame_file_name(index, count)
            try:
                path.write_text(svg, encoding="utf-8")
            except OSError as exc:
                raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
            written.append(path)
    return written


def make_directory(directory: Path) -> None:
    """Make DIR before anything is written, so a DIR that cannot be made fails the export whole."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"--svg: cannot make {directory}: {exc.strerror or exc}") from None


def save_frames(trace_file: Path, indexes: Sequence[int], size: tuple[int, int], directory: Path) -> list[Path]:
    """Write one SVG per frame index (0-based) of the saved trace `trace_file` into `directory` (made already:
    make_directory); return their paths."""
    return asyncio.run(_shoot(trace_file, indexes, size, directory))
