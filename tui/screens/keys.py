"""Provides BINDINGS: the stepping screen's keys, each with the line the help screen shows for it.

The help (tui.screens.help) is built from these bindings, so a key and its
help cannot drift apart: a binding's `tooltip` is its help line, its `id`
("stepping.next") names its help group, and consecutive bindings of a group
that share a help line share a row ("Home / End   first / last frame").
"""

from __future__ import annotations

import re

from textual.binding import ActiveBinding, Binding

from tui.screens.panels import PANELS

GROUPS = ("Stepping", "Running", "Finding", "Scheduling", "Views", "Programs")
"""The help's groups, in order."""


def key(
    group: str, keys: str, action: str, label: str, help_line: str, *, show: bool = False, priority: bool = False
) -> Binding:
    """A binding in `group` whose help line is `help_line` (`label` is the footer's word for it)."""
    assert group in GROUPS, group
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    return Binding(keys, action, label, show=show, priority=priority, tooltip=help_line, id=f"{group.lower()}.{slug}")


def group_of(binding: Binding) -> str:
    """The help group a binding of BINDINGS is in (from its id)."""
    prefix = (binding.id or "").partition(".")[0]
    return next((group for group in GROUPS if group.lower() == prefix), GROUPS[-1])


_PANEL_HELP = "show a panel (compact layout): " + ", ".join(panel.tab.lower() for panel in PANELS)

# The footer lists the shown keys in this order whatever has focus (in_screen_order): Prev, Next,
# Run/pause, Go to, Open, Help, Quit; the help lists every key by group, so a group's keys need not
# be together here.
BINDINGS = [
    key("Stepping", "left,h", "step(-1)", "Prev", "previous frame", show=True, priority=True),
    key("Stepping", "right,l,space", "step(1)", "Next", "next frame", show=True, priority=True),
    key("Stepping", "home", "first", "First", "first / last frame", priority=True),
    key("Stepping", "end", "last", "Last", "first / last frame", priority=True),
    key("Stepping", "left_square_bracket", "task_step(-1)", "Task prev", "previous / next frame of the selected task"),
    key("Stepping", "right_square_bracket", "task_step(1)", "Task next", "previous / next frame of the selected task"),
    key("Running", "r", "toggle_run", "Run/pause", "run / pause (advance automatically)", show=True),
    key("Running", "plus,equals_sign", "speed(1)", "Faster", "faster / slower"),
    key("Running", "minus", "speed(-1)", "Slower", "faster / slower"),
    key(
        "Finding",
        "b",
        "breakpoints",
        "Breaks",
        "break on: lock contention, task done, exception, deadlock, a line a task stops at",
    ),
    key("Finding", "x", "toggle_line_break", "Line break", "set / clear a breakpoint on the source cursor's line"),
    key("Finding", "c", "continue(1)", "Continue", "next / previous frame that hits a breakpoint"),
    key("Finding", "C", "continue(-1)", "Back", "next / previous frame that hits a breakpoint"),
    key("Finding", "slash", "find", "Find", "find a text (narration, output, task or resource name)"),
    key("Finding", "n", "find_again(1)", "Find next", "next / previous frame that matches the text"),
    key("Finding", "N", "find_again(-1)", "Find prev", "next / previous frame that matches the text"),
    key("Finding", "m", "bookmark", "Bookmark", "bookmark this frame (with a label)"),
    key("Finding", "apostrophe,M", "bookmarks", "Bookmarks", "list the bookmarks (Enter jumps to one)"),
    key("Scheduling", "S", "scheduler", "Scheduler", "be the scheduler from here: pick who runs at each decision"),
    key("Scheduling", "u", "undo_choice", "Undo", "undo the last answer (scheduler mode), its frames as they were"),
    key("Scheduling", "w", "save_schedule", "Save schedule", "save your schedule (concur-tui FILE --schedule S.json)"),
    key("Stepping", "g", "goto_frame", "Go to", "go to a frame number", show=True),
    key("Stepping", "t", "goto_time", "Time", "go to a virtual time (the last frame at or before it)"),
    *(key("Views", str(n), f"panel('{panel.key}')", panel.title, _PANEL_HELP) for n, panel in enumerate(PANELS, 1)),
    key("Views", "v", "toggle_axis", "Frames/time", "timeline by frame / by virtual time"),
    key("Views", "f", "filter_tasks", "Filter", "task table: only tasks whose name contains a text"),
    key("Views", "F", "sort_tasks", "Sort", "task table: next order (created, name, state, steps)"),
    key("Programs", "o", "open", "Open", "open another scenario (bundled lesson or a path)", show=True),
    key("Programs", "e", "edit", "Edit", "edit the program (ctrl+s saves it, and it is recorded again)"),
    key("Programs", "R", "rerecord", "Re-record", "record the program again, keeping your place"),
    key("Programs", "s", "save_trace", "Save trace", "save this trace to a file (concur-tui FILE opens it)"),
    key("Programs", "question_mark", "help", "Help", "this help", show=True),
    key("Programs", "q", "quit", "Quit", "quit", show=True),
]

_SCREEN_KEYS = [name.strip() for binding in BINDINGS for name in binding.key.split(",")]
"""Every key of BINDINGS, in order."""


def in_screen_order(active: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
    """`active` (key -> binding) with the keys of BINDINGS first, in their order here, then the rest.

    The footer lists keys in the order of this dict, which Textual builds from
    the focused widget outwards: a key the focused widget binds as well (Tabs'
    left and right) would otherwise move, and with it the footer's order.
    """
    first = {key: active[key] for key in _SCREEN_KEYS if key in active}
    return {**first, **{key: binding for key, binding in active.items() if key not in first}}


ELSEWHERE = [
    ("Views", "Up / Down", "select a task (in the task table), move the source cursor (for x), or scroll"),
    ("Views", "Tab / Shift+Tab", "move between panels"),
    ("Programs", "Ctrl+P", "command palette: every key here, by name"),
]
"""Keys the panels (and Textual's focus keys) handle, not this screen: (group, keys, help), listed first."""

CLICKS = [
    ("Views", "click", "timeline: jump to that frame; task table: select"),
    ("Finding", "click", "source panel: a line number sets / clears its breakpoint; the code moves the cursor"),
]
"""What the mouse does (the panels handle it): listed last."""
