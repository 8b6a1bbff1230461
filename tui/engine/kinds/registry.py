"""Provides every declared kind by (api, name), and the lookups the recorder and the kernel use."""

from __future__ import annotations

from tui.engine.kinds import barriers, conditions, events, executors, futures, locks, queues, semaphores, sockets
from tui.engine.kinds.kind import Kind

FAMILIES = (locks, semaphores, events, conditions, queues, barriers, futures, executors, sockets)

KINDS: dict[tuple[str, str], Kind] = {(kind.api, kind.name): kind for family in FAMILIES for kind in family.KINDS}
"""Every kind, by (api, name): ("asyncio", "Lock"), ("threading", "RLock"), ("socket", "Socket")..."""

ASYNCIO_NAMES = frozenset(name for api, name in KINDS if api == "asyncio")
"""The kinds asyncio makes: a user's subclass of one is recorded as the kind it derives from."""


def kind_of(api: str, name: str) -> Kind | None:
    """The declared kind, or None for something that is not a resource of that API."""
    return KINDS.get((api, name))


def for_threads(name: str) -> Kind | None:
    """A kind a thread can block in: threading's and queue's, or concurrent.futures'."""
    return KINDS.get(("threading", name)) or KINDS.get(("concurrent.futures", name))
