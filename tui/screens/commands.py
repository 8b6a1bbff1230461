"""Provides KeyCommands: the command palette (Ctrl+P) lists every key of the stepping screen, by what it does.

Built from the same BINDINGS as the help and the footer, so the palette
names each action with its key ("next frame   Right, l, Space") and can
never offer an action the keys do not have, or miss one they do.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.binding import Binding
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider, SearchIcon

from tui.screens.help import key_name
from tui.screens.keys import BINDINGS, group_of


def keys_of(binding: Binding) -> str:
    """Every key of one binding, as the help names them ("Right, l, Space")."""
    return ", ".join(key_name(k.strip()) for k in binding.key.split(","))


def commands() -> Iterator[tuple[str, str, str]]:
    """(what it does, its keys, the binding's action) of each binding, in BINDINGS order.

    Bindings that share a help line ("first / last frame") are told apart by their footer word.
    """
    lines = [binding.tooltip for binding in BINDINGS]
    for binding in BINDINGS:
        what = binding.tooltip if lines.count(binding.tooltip) == 1 else f"{binding.description}: {binding.tooltip}"
        yield what, keys_of(binding), binding.action


class KeyCommands(Provider):
    """Each binding as a command: its help line, its keys as the help, running its action on the screen."""

    def _hits(self) -> Iterator[tuple[str, str, str]]:
        for (what, keys, action), binding in zip(commands(), BINDINGS, strict=True):
            yield what, f"{keys}   ({group_of(binding)})", action

    async def discover(self) -> Hits:
        for what, keys, action in self._hits():
            yield DiscoveryHit(what, partial(self.screen.run_action, action), help=keys)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for what, keys, action in self._hits():
            score = matcher.match(f"{what} {keys}")
            if score > 0:
                yield Hit(score, matcher.highlight(what), partial(self.screen.run_action, action), text=what, help=keys)


class KeyPalette(CommandPalette):
    """Textual's command palette with an ASCII prompt: its magnifying glass is an emoji many terminal fonts lack."""

    def on_mount(self) -> None:
        self.query_one(SearchIcon).icon = ">"
