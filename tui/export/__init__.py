"""Provides `concur-tui export`: a recorded trace as files for slides, notes and other tools.

A viewer like the app and the listing: it reads trace lines (a recording or
a saved trace, which the CLI opens) and never runs the program itself.

- `svg`: one SVG screenshot of the app per chosen frame (tui.export.svg);
- `markdown`: the walkthrough as text, per frame (tui.export.markdown);
- `perfetto`: Chrome/Perfetto trace-event JSON (tui.export.perfetto).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tui.export.choices import MAX_SVG_FRAMES, ExportError, chosen_indexes
from tui.export.files import write_text
from tui.trace.model import load_lines

__all__ = ("Export", "ExportError", "export")

DEFAULT_SIZE = (120, 36)


@dataclass(frozen=True)
class Export:
    """What to write: any of the three outputs, for the chosen frames (1-based; None: all)."""

    svg: str | None = None
    markdown: str | None = None
    perfetto: str | None = None
    frames: list[int] | None = None
    size: tuple[int, int] = DEFAULT_SIZE


def export(lines: Iterable[str], request: Export) -> list[str]:
    """Fold the trace lines, write what `request` asks for, and return one sentence per output written."""
    kept = list(lines)
    trace = load_lines(kept)
    said: list[str] = []
    # Every choice is checked against the trace before anything is written.
    svg_indexes = chosen_indexes(request.frames, len(trace), cap=MAX_SVG_FRAMES) if request.svg is not None else []
    frame_indexes = chosen_indexes(request.frames, len(trace))
    if request.svg is not None:
        from tui.export.svg import make_directory

        make_directory(Path(request.svg))
    if request.markdown is not None:
        from tui.export.markdown import walkthrough

        write_text(request.markdown, walkthrough(trace, frame_indexes))
        said.append(f"wrote the walkthrough of {_counted(len(frame_indexes), 'frame')} to {_shown(request.markdown)}")
    if request.perfetto is not None:
        from tui.export.perfetto import perfetto_json

        write_text(request.perfetto, perfetto_json(trace))
        said.append(f"wrote the Perfetto trace of {_counted(len(trace), 'frame')} to {_shown(request.perfetto)}")
    if request.svg is not None:
        written = _svgs(kept, svg_indexes, request)
        said.append(f"wrote {_counted(len(written), 'SVG screenshot')} to {request.svg}")
    return said


def _svgs(lines: list[str], indexes: list[int], request: Export) -> list[Path]:
    """The app reads a trace from a file, as it reads any saved trace: these very lines, in a temporary one."""
    from tui.export.svg import save_frames

    if not indexes:
        return []
    assert request.svg is not None
    with tempfile.TemporaryDirectory(prefix="concur-tui-export-") as scratch:
        saved = Path(scratch) / "trace.jsonl"
        saved.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        return save_frames(saved, indexes, request.size, Path(request.svg))


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _shown(given: str) -> str:
    return "stdout" if given == "-" else given
