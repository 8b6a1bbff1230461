"""The panels and keys are declared once: the screen, its tabs, its number keys and the help follow from them."""

from __future__ import annotations

from tui.screens import keys
from tui.screens.help import KEYS, help_groups, key_name
from tui.screens.main import MainScreen
from tui.screens.panels import PANELS, Shows, panel_css


def test_every_panel_has_a_widget_that_shows_a_frame() -> None:
    assert len({panel.key for panel in PANELS}) == len(PANELS)
    for panel in PANELS:
        assert issubclass(panel.widget, Shows), panel.key


def test_the_wide_layouts_spans_come_from_the_panels() -> None:
    assert panel_css() == MainScreen.CSS
    assert panel_css().splitlines() == ["#source-panel { row-span: 2; }", "#timeline-panel { column-span: 2; }"]


def test_each_panel_has_a_number_key_in_order() -> None:
    panel_keys = [b for b in MainScreen.BINDINGS if b.action.startswith("panel(")]
    assert [b.key for b in panel_keys] == [str(n) for n in range(1, len(PANELS) + 1)]
    assert [b.action for b in panel_keys] == [f"panel('{panel.key}')" for panel in PANELS]


def test_the_help_has_a_row_for_every_binding_of_the_screen() -> None:
    described = {what for _group, rows in KEYS for _keys, what in rows}
    for binding in MainScreen.BINDINGS:
        assert binding.tooltip in described, binding
    assert [group for group, _rows in KEYS] == list(keys.GROUPS)
    views = [shown for shown, _what in dict(KEYS)["Views"]]
    assert views[0] == "Up / Down" and views[-1] == "click"  # the panels' own keys first, the mouse last


def test_bindings_that_share_a_help_line_share_a_row() -> None:
    rows = dict(row for _group, group_rows in KEYS for row in group_rows)
    assert rows["Right, l, Space"] == "next frame"
    assert rows["Home / End"] == "first / last frame"
    assert rows["[ / ]"] == "previous / next frame of the selected task"
    assert rows["+ / -"] == "faster / slower"
    assert rows[f"1-{len(PANELS)}"].endswith(", ".join(panel.tab.lower() for panel in PANELS))


def test_a_new_binding_appears_in_the_help_of_its_group() -> None:
    added = keys.key("Running", "x", "noop", "Nothing", "do nothing at all")
    groups = dict(help_groups([*keys.BINDINGS, added]))
    assert groups["Running"][-1] == ("x", "do nothing at all")


def test_keys_are_named_as_typed() -> None:
    names = ["right", "space", "plus", "minus", "left_square_bracket", "question_mark", "R", "shift+tab"]
    assert [key_name(k) for k in names] == ["Right", "Space", "+", "-", "[", "?", "R", "Shift+Tab"]
