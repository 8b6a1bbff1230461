"""Provides `concur-tui screenshots`: the README's images, made by driving the app headless."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from tui.app import ConcurApp
from tui.scenarios import bundled_dir


@dataclass(frozen=True)
class Shot:
    name: str
    scenario: str
    size: tuple[int, int]
    keys: tuple[str, ...]
    """Keys pressed once the recording is in."""


SHOTS = (
    Shot("main-160x48", "04_lock_contention.py", (160, 48), ("g", "1", "3", "enter")),
    Shot("compact-80x24", "04_lock_contention.py", (80, 24), ("g", "1", "3", "enter", "2")),
    Shot("deadlock-120x36", "11_deadlock.py", (120, 36), ("end",)),
    Shot("blocking-call-160x48", "12_blocking_call.py", (160, 48), ("g", "1", "2", "enter")),
    Shot("threads-160x48", "13_run_in_executor.py", (160, 48), ("g", "1", "5", "enter", "v")),
    Shot("lost-update-160x48", "18_lost_update.py", (160, 48), ("g", "3", "6", "enter")),
    Shot("processes-160x48", "16_pool_map.py", (160, 48), ("g", "1", "2", "enter", "v")),
    Shot("echo-server-160x48", "20_echo_server.py", (160, 48), ("g", "2", "0", "enter")),
    Shot("help-120x36", "04_lock_contention.py", (120, 36), ("question_mark",)),
    Shot("open-120x36", "04_lock_contention.py", (120, 36), ("o",)),
)


async def _take(shot: Shot, directory: Path) -> Path:
    app = ConcurApp(bundled_dir() / shot.scenario)
    async with app.run_test(size=shot.size) as pilot:
        while not app.main.live.finished:
            await pilot.pause(0.02)
        await pilot.pause()
        for key in shot.keys:
            await pilot.press(key)
        await pilot.pause()
        saved = directory / f"{shot.name}.svg"
        saved.write_text(screenshot_svg(app), encoding="utf-8")
        await pilot.press("escape")
    return saved


def screenshot_svg(app: ConcurApp) -> str:
    """The screen as SVG, its spaces kept: `xml:space="preserve"` on the root element.

    Rich writes each run of equally styled cells as its own <text>, spaces as
    `&#160;`; without the attribute librsvg (rsvg-convert, GNOME's image
    viewers) drops a run's leading spaces, so `return time` shows as `returntime`.
    """
    svg = app.export_screenshot()
    return svg.replace("<svg ", '<svg xml:space="preserve" ', 1) if "xml:space" not in svg[:200] else svg


def take_screenshots(directory: Path) -> list[Path]:
    """Write one SVG per shot into `directory` and return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    return [asyncio.run(_take(shot, directory)) for shot in SHOTS]
