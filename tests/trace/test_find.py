"""`find` (what `/`, `n` and `N` ask) finds the frames whose narration, output or names hold the text.

The expected frames are worked out independently: every frame's narration
from `state_at` (the keyframed worlds, not the search's own fold), its output
and the names of who ran and what it touched, matched one by one. No process
is started: the traces are saved recordings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.trace import find as find_module
from tui.trace.find import Found, find, search
from tui.trace.model import Trace, load
from tui.trace.narrate import narrate

DATA = Path(__file__).resolve().parents[1] / "data"
SAVED = [
    DATA / "traces" / "04_lock_contention-py311.jsonl",
    DATA / "listing" / "18_lost_update-py311.jsonl",
    DATA / "breaks" / "order_pipeline-py311.jsonl",
]


def texts(trace: Trace) -> list[str]:
    """Each frame's searchable text, frame by frame from the trace's own worlds."""
    found = []
    for index in range(len(trace)):
        frame = trace.frame(index)
        world = trace.state_at(index)
        before = trace.state_at(index - 1) if index else None
        names = [world.name(frame["a"])] if frame["a"] != "cb" else []
        names += [world.name(rid) for rid in (frame.get("on"), *(frame.get("set") or ())) if rid]
        found.append("\n".join([narrate(frame, world, before), frame.get("out", ""), frame.get("err", ""), *names]))
    return found


def expected(frame_texts: list[str], needle: str, after: int, direction: int) -> Found | None:
    matches = [i for i, text in enumerate(frame_texts) if needle.lower() in text.lower()]
    if direction > 0:
        later = [i for i in matches if i > after]
        return Found(later[0]) if later else Found(matches[0], True) if matches else None
    earlier = [i for i in matches if i < after]
    return Found(earlier[-1]) if earlier else Found(matches[-1], True) if matches else None


def needles(frame_texts: list[str]) -> list[str]:
    """Words from the narration, names, output: some frequent, some rare, one never there."""
    words = {word.strip(".,():") for text in frame_texts for word in text.split()}
    chosen = sorted(w for w in words if len(w) > 3)[::7]
    return [*chosen, "LOCK", "no such text anywhere"]


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 5 frames, so the short traces here cross block boundaries and keyframes many times."""
    monkeypatch.setattr(find_module, "CHUNK", 5)


@pytest.mark.parametrize("path", SAVED, ids=lambda path: path.stem)
def test_find_goes_to_the_nearest_matching_frame_both_ways_and_wraps(path: Path) -> None:
    trace = load(str(path))
    frame_texts = texts(trace)
    for needle in needles(frame_texts):
        for after in [*range(-1, len(trace), max(1, len(trace) // 20)), len(trace) - 1]:
            for direction in (1, -1):
                assert find(trace, needle, after, direction) == expected(frame_texts, needle, after, direction), (
                    needle,
                    after,
                    direction,
                )


def test_printed_output_and_task_names_are_found() -> None:
    trace = load(str(DATA / "traces" / "04_lock_contention-py311.jsonl"))
    printed = next(i for i in range(len(trace)) if trace.frame(i).get("out"))
    line = trace.frame(printed)["out"].strip()
    assert find(trace, line, -1) == Found(printed)
    name = next(a.name for a in trace.world.actors.values() if a.kind == "task" and not a.internal)
    hit = find(trace, name.upper(), -1)
    assert hit is not None and name in texts(trace)[hit.index]


def test_a_search_pauses_between_blocks() -> None:
    trace = load(str(SAVED[0]))
    steps = list(search(trace, "no such text anywhere", 0))
    assert steps and all(step is None for step in steps)
    assert len(steps) == -(-(len(trace) - 1) // 5) + 1  # every block after frame 0, then frame 0 itself
