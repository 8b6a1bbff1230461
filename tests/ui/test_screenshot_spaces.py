"""Screenshots keep every space: an SVG viewer must not show `return time` as `returntime`."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from pilot_helpers import wait_recorded

from tui.app import ConcurApp
from tui.screenshots import screenshot_svg

SAVED = Path(__file__).resolve().parents[1] / "data" / "traces" / "04_lock_contention-py311.jsonl"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


async def test_a_screenshot_keeps_the_space_after_a_highlighted_keyword() -> None:
    app = ConcurApp(SAVED, saved=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_recorded(pilot, app, timeout=10)
        app.main.seek(12)
        await pilot.pause()
        svg = screenshot_svg(app)
    root = ElementTree.fromstring(svg)
    # SVG's default xml:space strips the leading spaces of each <text>: the keyword's run ends
    # before the space, so the space starts the next run, and only "preserve" keeps it.
    assert root.get(XML_SPACE) == "preserve"
    runs = [element.text or "" for element in root.iter("{http://www.w3.org/2000/svg}text")]
    after_return = [runs[i + 1] for i, run in enumerate(runs[:-1]) if run == "return"]
    assert after_return and all(run.startswith("\xa0") for run in after_return)  # " amount", " balance"
