"""Provides the decision point's vocabulary: where more than one actor could run next, and who picks.

The engine has one decision point (`Kernel._choose`, in tui.engine.threads.kernel):
whenever the thread that ran hands on, or a core falls free, the kernel asks
which runnable actor goes next. Only choices a real runtime could make are
offered:

- "gil": threads of one process waiting for its GIL. When the holder drops it,
  CPython does not decide which waiter takes it; the operating system does.
- "core": processes waiting for a core that has just fallen free (more
  processes than cores). The operating system's scheduler picks one.
- "same-time": processes on their cores whose next events fall at the same
  virtual time. Real cores run them in parallel, so either may go first.

asyncio's ready queue is not a decision point: CPython runs ready callbacks in
FIFO order, always, and so does the simulation. Timers due at once run in the
order asyncio's heap gives them, as on CPython.

A policy picks at each decision point. `FIRST_IN_LINE` is the default
(the earliest process, then the one that has waited longest); a policy
that picks otherwise, and the choices it made (a schedule), come from a
person or an explorer (see the scheduler and explore features).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol

DECISION_KINDS = ("gil", "core", "same-time")


@dataclass(frozen=True, slots=True)
class Decision:
    """A point where more than one actor could run next, as a real runtime could order them."""

    kind: str
    """One of DECISION_KINDS."""
    candidates: tuple[str, ...]
    """Actor ids (threads: "Th2"; processes: "P2"), the default policy's choice first."""
    time: float
    """The virtual time of the decision."""


class Policy(Protocol):
    """Picks who runs next at a decision point: an index into `decision.candidates`."""

    def choose(self, decision: Decision) -> int: ...


class FirstInLine:
    """The default: the earliest process, then the thread that has waited longest (FIFO)."""

    def choose(self, decision: Decision) -> int:
        return 0


FIRST_IN_LINE = FirstInLine()
"""The default policy. The kernel does not even build a Decision for it (the hot path stays as fast)."""


class SeededRandom:
    """Picks uniformly at random, from its own seeded generator (the program's `random` never sees it)."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(f"schedule:{seed}")

    def choose(self, decision: Decision) -> int:
        return self._random.randrange(len(decision.candidates))


class Replay:
    """Makes the given choices in order, then falls back to the default: a saved schedule, run again."""

    def __init__(self, choices: list[int]) -> None:
        self._choices = choices
        self._next = 0

    def choose(self, decision: Decision) -> int:
        if self._next >= len(self._choices):
            return 0
        choice = self._choices[self._next]
        self._next += 1
        # A schedule made for another program (or another version of this one)
        # may name a candidate this decision does not have: the default is honest.
        return choice if 0 <= choice < len(decision.candidates) else 0


POLICY_FORMS = ("first", "random:SEED", "replay:I,J,...")
"""How the --policy setting names a policy."""


def parse_policy(text: str) -> Policy:
    """'first', 'random:SEED' or 'replay:0,2,1'; ValueError with one line naming the problem."""
    name, _, argument = text.partition(":")
    if name == "first" and not argument:
        return FIRST_IN_LINE
    if name == "random":
        try:
            return SeededRandom(int(argument))
        except ValueError:
            raise ValueError(f"random:SEED needs a whole number, not {argument!r}") from None
    if name == "replay":
        try:
            choices = [int(part) for part in argument.split(",")] if argument else []
        except ValueError:
            raise ValueError(f"replay:I,J,... needs whole numbers, not {argument!r}") from None
        if any(choice < 0 for choice in choices):
            raise ValueError("replay choices are indexes: 0 or more")
        return Replay(choices)
    raise ValueError(f"unknown policy {text!r}: use one of {', '.join(POLICY_FORMS)}")
