"""Provides HelpScreen: every key, grouped by what it does, built from the stepping screen's bindings."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.keys import format_key, key_to_character
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.screens.keys import BINDINGS, CLICKS, ELSEWHERE, GROUPS, group_of

HelpGroups = list[tuple[str, list[tuple[str, str]]]]
"""(group, [(keys, what they do)]), in the order the help shows them."""
HelpLine = tuple[str, str, str]
"""(group, keys, what they do): a line for keys this screen does not bind."""


def key_name(key: str) -> str:
    """How the help names one key: the character it types ("[", "+"), else its name ("Right", "Shift+Tab")."""
    character = key_to_character(key)
    if character is not None and character.isprintable() and not character.isspace():
        return character
    shown = format_key(key)
    if len(shown) == 1 and shown.isascii():
        return shown
    return "+".join(part.title() for part in key.split("+"))


def _keys_of(run: list[Binding]) -> str:
    """One binding: all its keys ("Right, l, Space"); several sharing a line: the first key of each."""
    if len(run) == 1:
        return ", ".join(key_name(k.strip()) for k in run[0].key.split(","))
    firsts = [key_name(b.key.split(",")[0].strip()) for b in run]
    return f"{firsts[0]}-{firsts[-1]}" if len(run) > 2 else " / ".join(firsts)


def help_groups(
    bindings: Iterable[Binding], before: Iterable[HelpLine] = (), after: Iterable[HelpLine] = ()
) -> HelpGroups:
    """The help's rows by group: lines handled `before` the screen's keys, then each of its bindings in
    order (neighbours with one help line share a row), then lines `after` them."""
    runs: dict[str, list[list[Binding]]] = {group: [] for group in GROUPS}
    for binding in bindings:
        same_group = runs[group_of(binding)]
        if same_group and same_group[-1][-1].tooltip == binding.tooltip:
            same_group[-1].append(binding)
        else:
            same_group.append([binding])
    rows: dict[str, list[tuple[str, str]]] = {group: [] for group in GROUPS}
    for group, keys, what in before:
        rows[group].append((keys, what))
    for group, group_runs in runs.items():
        rows[group] += [(_keys_of(run), run[0].tooltip) for run in group_runs]
    for group, keys, what in after:
        rows[group].append((keys, what))
    return [(group, group_rows) for group, group_rows in rows.items() if group_rows]


KEYS = help_groups(BINDINGS, ELSEWHERE, CLICKS)


def help_table(groups: HelpGroups = KEYS) -> Table:
    """Two columns, keys and what they do, a bold heading per group."""
    table = Table(box=None, show_header=False, padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for group, keys in groups:
        table.add_row(Text(group, style="bold"), "")
        for shown, action in keys:
            table.add_row(Text(shown), Text(action))  # text, not markup: "[ / ]" is two keys
        table.add_row("", "")
    table.add_row("", "Stepping never re-runs the program: it moves through the recorded trace.")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static(help_table(), id="keys")

    def action_close(self) -> None:
        self.dismiss(None)
