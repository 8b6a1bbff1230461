"""Benchmark: how fast the TUI steps and jumps through a large trace.

Run:  .venv/bin/python tests/benchmarks/bench_tui.py

Opens the app headless at 160x48 on workload_tui.py (1,000 tasks, ~100,000
frames), waits until the recording is in, then times a step (Right) and a
jump to a random frame. Two figures each: the CPU time of the update plus
the screen render it causes, and the latency from the key's action until
the screen has been painted (which includes waiting for Textual's next
refresh tick). Targets from the TUI issue: a step under 50 ms, a jump
under 100 ms.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from pathlib import Path

from textual.screen import Screen

from tui.app import ConcurApp
from tui.sources import Settings

WORKLOAD = Path(__file__).resolve().parent / "workload_tui.py"

renders: list[tuple[float, float]] = []
"""(start, end) of each compositor refresh: one screen paint."""
_original_refresh = Screen._compositor_refresh


def _timed_refresh(self: Screen) -> None:
    start = time.perf_counter()
    _original_refresh(self)
    renders.append((start, time.perf_counter()))


Screen._compositor_refresh = _timed_refresh  # type: ignore[method-assign]


def _report(label: str, cpu: list[float], latency: list[float], target: float) -> None:
    def describe(samples: list[float]) -> str:
        ms = sorted(s * 1000 for s in samples)
        return f"median {statistics.median(ms):5.1f} ms, max {ms[-1]:5.1f} ms"

    print(f"{label:<9} CPU (update + paint): {describe(cpu)}; until painted: {describe(latency)}  (target {target} ms)")


async def measure() -> None:
    app = ConcurApp(WORKLOAD, Settings(max_frames=10_000_000))
    async with app.run_test(size=(160, 48)) as pilot:
        started = time.perf_counter()
        while not app.main.live.finished:
            await pilot.pause(0.05)
        loaded = time.perf_counter() - started
        screen = app.main
        frames = len(screen.trace)
        actors = len(screen.trace.world.actors)
        print(f"trace: {frames:,} frames, {actors:,} actors; recorded and loaded in {loaded:.1f} s")
        rng = random.Random(0)
        results: dict[str, tuple[list[float], list[float]]] = {"step": ([], []), "jump": ([], [])}
        for _ in range(40):
            screen.seek(rng.randrange(frames - 1))
            await pilot.pause()
            for kind in ("step", "jump"):
                renders.clear()
                start = time.perf_counter()
                if kind == "step":
                    screen.action_step(1)
                else:
                    screen.seek(rng.randrange(frames))
                updated = time.perf_counter()
                await pilot.pause()
                painted = [r for r in renders if r[0] >= updated]
                paint_cpu = sum(end - begin for begin, end in painted)
                cpu, latency = results[kind]
                cpu.append(updated - start + paint_cpu)
                latency.append((painted[0][1] if painted else updated) - start)
        _report("step", *results["step"], 50)
        _report("jump", *results["jump"], 100)
        await pilot.press("q")


if __name__ == "__main__":
    asyncio.run(measure())
