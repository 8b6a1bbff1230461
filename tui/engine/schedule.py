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
- "net": how long a packet (or a connection's handshake) takes on the
  simulated network. The model's latency is exact; a real network's is not,
  so a delivery may come up to one latency later (tui.engine.network.net),
  never before what was sent ahead of it on the same connection. Its
  candidates are the delays, the exact one first.

asyncio's ready queue is not a decision point: CPython runs ready callbacks in
FIFO order, always, and so does the simulation. Timers due at once run in the
order asyncio's heap gives them, as on CPython.

A policy picks at each decision point. `FIRST_IN_LINE` is the default
(the earliest process, then the one that has waited longest); a policy
that picks otherwise, and the choices it made (a schedule), come from a
person or an explorer (see the scheduler and explore features).

Under any policy but the default, each GIL slice is a decision too (kind
"slice", asked as the slice starts): at which of the points where it could
switch (tui.engine.cpu.switchpoints) its thread offers the GIL to the
others, the first, the second, ..., or 0 for the switch interval. CPython's
interval is wall time, and what else the machine does (an interrupt, another
process, a page fault) moves where it ends, so any point where CPython checks
for a switch is one it can switch at; the thread still stops only at such a
point (tui.engine.cpu.switchpoints), and only if another thread waits.

A schedule is the list of answers, in the order the decisions were asked: an
index into the candidates for "gil", "core" and "same-time", a count of
switch points for "slice". Replaying it gives the same run.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

DECISION_KINDS = ("gil", "core", "same-time", "net")
ACTOR_KINDS = ("gil", "core", "same-time")
"""Decisions whose candidates are actors (a "net" decision's are delays)."""
SLICE = "slice"
"""The kind of a slice decision, as a person is asked it (scheduler mode): its one candidate is the thread."""


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

    def cut(self, actor: str, time: float) -> int:
        """At which switch point the slice of `actor` starting now offers the GIL (1: the first);
        0: at the end of its interval, as under the default."""
        ...


class FirstInLine:
    """The default: the earliest process, then the thread that has waited longest (FIFO)."""

    def choose(self, decision: Decision) -> int:
        return 0

    def cut(self, actor: str, time: float) -> int:
        return 0


FIRST_IN_LINE = FirstInLine()
"""The default policy. The kernel does not even build a Decision for it (the hot path stays as fast)."""


class SeededRandom:
    """Picks uniformly at random, from its own seeded generator (the program's `random` never sees it)."""

    def __init__(self, seed: int, stream: str = "schedule") -> None:
        self._random = random.Random(f"{stream}:{seed}")

    def choose(self, decision: Decision) -> int:
        return self._random.randrange(len(decision.candidates))

    def cut(self, actor: str, time: float) -> int:
        return 0  # who takes the GIL only: every slice runs its interval


MAX_CUT_BITS = 10
"""A cut slice passes up to 2**10 switch points (a thousand turns of a loop)."""
CUT_CHANCE = 0.5
"""How often a random walk cuts a slice short."""


def cut_point(draw: random.Random) -> int:
    """Which switch point a cut slice stops at: half the time a near one (the 1st with chance 1/2,
    the 2nd 1/4, ...), where a race's window usually is, just after a thread took a lock or read
    a value; else any from the 1st to the 2**MAX_CUT_BITS-th, every order of magnitude as likely."""
    if draw.random() < 0.5:
        point = 1
        while point < 2**MAX_CUT_BITS and draw.random() < 0.5:
            point += 1
        return point
    return max(1, int(2 ** draw.uniform(0, MAX_CUT_BITS)))


class RandomWalk(SeededRandom):
    """Random choices, and slices cut short at random: a schedule an explorer tries (`walk:SEED`)."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed, stream="walk")

    def cut(self, actor: str, time: float) -> int:
        if self._random.random() >= CUT_CHANCE:
            return 0
        return cut_point(self._random)


class PriorityChanges:
    """PCT, probabilistic concurrency testing (Burckhardt et al., 2010), on this decision point.

    Every actor gets a random priority when first seen, and the one with the
    highest runs whenever there is a choice. At `depth - 1` of the first
    `steps` slices, chosen at random, the running thread is cut short and
    drops below every other: a bug that needs d orderings in a row is found
    with probability at least 1/(n * steps**(d-1)) per run, for n actors.
    """

    def __init__(self, seed: int, depth: int, steps: int) -> None:
        self._random = random.Random(f"pct:{seed}")
        self._priority: dict[str, float] = {}
        self._changes = set(self._random.sample(range(1, steps + 1), min(max(0, depth - 1), steps)))
        self._slices = 0
        self._lowest = 0.0

    def _priority_of(self, actor: str) -> float:
        priority = self._priority.get(actor)
        if priority is None:
            priority = self._priority[actor] = 1.0 + self._random.random()
        return priority

    def choose(self, decision: Decision) -> int:
        if decision.kind not in ACTOR_KINDS:
            return self._random.randrange(len(decision.candidates))  # a delay: no actor's priority
        priorities = [self._priority_of(actor) for actor in decision.candidates]
        return priorities.index(max(priorities))

    def cut(self, actor: str, time: float) -> int:
        self._priority_of(actor)
        self._slices += 1
        if self._slices not in self._changes:
            return 0
        self._lowest -= 1.0
        self._priority[actor] = self._lowest
        return cut_point(self._random)


class Replay:
    """Gives the given answers in order, then falls back to the default: a saved schedule, run again."""

    def __init__(self, choices: list[int]) -> None:
        self._choices = choices
        self._next = 0

    def _answer(self) -> int:
        if self._next >= len(self._choices):
            return 0
        answer = self._choices[self._next]
        self._next += 1
        return answer

    def choose(self, decision: Decision) -> int:
        choice = self._answer()
        # A schedule made for another program (or another version of this one)
        # may name a candidate this decision does not have: the default is honest.
        return choice if 0 <= choice < len(decision.candidates) else 0

    def cut(self, actor: str, time: float) -> int:
        return self._answer()


def _take_the_default(decision: Decision) -> int:
    return 0


class Ask(Replay):
    """Scheduler mode: the given answers, then a person's, at the next decision that is a real choice.

    Asking ends the recording (the session's `ask` writes the decision into the
    summary and stops, outcome "decision"); the viewer records again with the
    person's answer appended. The run is deterministic, so the new recording
    repeats the old one frame for frame up to that decision and goes on from
    the answer: ending and starting again is the same run, continued.

    With `who_only`, slice decisions take the default without asking (the
    person skips ahead to the next choice of who runs); with `from_frame`,
    every decision takes the default until the trace has that many frames
    (the person takes over the scheduling at the frame they were looking at).
    """

    def __init__(self, choices: list[int], *, who_only: bool = False, from_frame: int = 0) -> None:
        super().__init__(choices)
        self.who_only = who_only
        self.from_frame = from_frame
        self.ask: Callable[[Decision], int] = _take_the_default
        """Set by the recording session: answers a trivial decision itself, or ends the run with it."""

    def _replaying(self) -> bool:
        return self._next < len(self._choices)

    def choose(self, decision: Decision) -> int:
        return super().choose(decision) if self._replaying() else self.ask(decision)

    def cut(self, actor: str, time: float) -> int:
        if self._replaying():
            return super().cut(actor, time)
        return 0 if self.who_only else self.ask(Decision(SLICE, (actor,), time))


POLICY_FORMS = (
    "first",
    "random:SEED",
    "walk:SEED",
    "pct:SEED:DEPTH:STEPS",
    "replay:I,J,...",
    "replay:@FILE",
    "ask:I,J,...",
    "ask:@FILE",
    "ask-who:I,J,...",
    "ask-from:FRAME",
)
"""How the --policy setting names a policy."""


def _whole(text: str, form: str) -> int:
    try:
        return int(text)
    except ValueError:
        needs = "a whole number" if form.count(":") == 1 and "," not in form else "whole numbers"
        raise ValueError(f"{form} needs {needs}, not {text!r}") from None


def schedule_in_file(path: str) -> list[int]:
    """The answers of a schedule file (tui.schedule_file writes them), checked."""
    import json

    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"@FILE cannot read {path}: {exc}") from None
    choices = data.get("schedule") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not all(type(c) is int and c >= 0 for c in choices):
        raise ValueError(f"@FILE: {path} has no schedule (a list of whole numbers from 0)")
    return choices


def parse_policy(text: str) -> Policy:
    """One of POLICY_FORMS; ValueError with one line naming the problem."""
    name, _, argument = text.partition(":")
    if name == "first" and not argument:
        return FIRST_IN_LINE
    if name == "random":
        return SeededRandom(_whole(argument, "random:SEED"))
    if name == "walk":
        return RandomWalk(_whole(argument, "walk:SEED"))
    if name == "pct":
        parts = argument.split(":")
        if len(parts) != 3:
            raise ValueError(f"pct:SEED:DEPTH:STEPS needs three whole numbers, not {argument!r}")
        seed, depth, steps = (_whole(part, "pct:SEED:DEPTH:STEPS") for part in parts)
        if depth < 1 or steps < 1:
            raise ValueError("pct:SEED:DEPTH:STEPS needs a depth and a number of steps of 1 or more")
        return PriorityChanges(seed, depth, steps)
    if name == "ask-from":
        frame = _whole(argument, "ask-from:FRAME")
        if frame < 0:
            raise ValueError("ask-from:FRAME needs a frame count: 0 or more")
        return Ask([], from_frame=frame)
    if name in ("replay", "ask", "ask-who"):
        if argument.startswith("@"):  # a long list would not fit in a command line
            choices = schedule_in_file(argument[1:])
        else:
            choices = [_whole(part, f"{name}:I,J,...") for part in argument.split(",")] if argument else []
            if any(choice < 0 for choice in choices):
                raise ValueError(f"{name} choices are indexes: 0 or more")
        return Replay(choices) if name == "replay" else Ask(choices, who_only=name == "ask-who")
    raise ValueError(f"unknown policy {text!r}: use one of {', '.join(POLICY_FORMS)}")
