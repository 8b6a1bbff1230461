"""Provides PANELS: every panel of the stepping screen, declared once.

The screen builds everything a panel needs from its entry here: the
bordered box (`#<key>-panel`) and its title, the widget inside (`#<key>`),
the tab and number key of the compact layout, the help line, and the cells
the box spans in the wide layout's grid. Adding a panel is an entry here and
the module of its widget; the widget shows a FrameView with `show(view)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from textual.widget import Widget

from tui.viewmodel import FrameView
from tui.widgets.lesson import LessonView
from tui.widgets.loopview import LoopView
from tui.widgets.output import OutputView
from tui.widgets.resources import ResourceView
from tui.widgets.source import SourceView
from tui.widgets.tasks import TaskPanel
from tui.widgets.timeline import Timeline
from tui.widgets.warnings import WarningsView


@runtime_checkable
class Shows(Protocol):
    """What a panel's widget does: render the trace at the cursor."""

    def show(self, view: FrameView) -> None: ...


@dataclass(frozen=True)
class Panel:
    key: str
    """Names the panel everywhere: ids `#<key>-panel` (the box) and `#<key>` (its widget), `panel('<key>')`."""
    title: str
    """On the box's border (wide layout)."""
    tab: str
    """On its tab (compact layout), after its number key."""
    widget: type[Widget]
    """A widget with `show(view: FrameView)`, made with `id=key`."""
    rows: int = 1
    columns: int = 1
    """The cells of the wide layout's grid (3 by 3, filled in the order of PANELS) the box spans."""
    grows: bool = False
    """Shown again as the recording streams in, even while the cursor stays put (its columns span the trace)."""
    shares: str | None = None
    """In the wide layout, the panel whose cell this one takes while shown (its key toggles it): the
    grid has nine cells and every one is in use, so an occasional panel borrows one."""

    @property
    def box_id(self) -> str:
        return f"{self.key}-panel"

    @property
    def tab_id(self) -> str:
        return f"tab-{self.key}"


PANELS = (
    Panel("source", "Source", "Source", SourceView, rows=2),
    Panel("tasks", "Tasks", "Tasks", TaskPanel),
    Panel("loop", "Event loop / GIL", "Loop", LoopView),
    Panel("timeline", "Timeline", "Timeline", Timeline, columns=2, grows=True),
    Panel("lesson", "Lesson", "Lesson", LessonView),
    Panel("resources", "Resources", "Resources", ResourceView),
    Panel("output", "Output", "Output", OutputView),
    Panel("warnings", "Warnings", "Lints", WarningsView, grows=True, shares="lesson"),
)


def in_grid_order(panels: tuple[Panel, ...]) -> list[Panel]:
    """The boxes in the order the grid fills its cells: a panel that borrows a cell comes right
    after the one it borrows from (hidden boxes take no cell), wherever its entry (and key) is."""
    ordered = [panel for panel in panels if panel.shares is None]
    for panel in panels:
        if panel.shares is not None:
            ordered.insert(next(i for i, other in enumerate(ordered) if other.key == panel.shares) + 1, panel)
    return ordered


def panel_css(panels: tuple[Panel, ...] = PANELS) -> str:
    """The CSS of the wide layout's spans: a rule for each box that spans more than one cell."""
    rules = []
    for panel in panels:
        spans = [f"row-span: {panel.rows};"] if panel.rows > 1 else []
        spans += [f"column-span: {panel.columns};"] if panel.columns > 1 else []
        if spans:
            rules.append(f"#{panel.box_id} {{ {' '.join(spans)} }}")
    return "\n".join(rules)
