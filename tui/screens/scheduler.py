"""Provides Scheduling, MainScreen's half that lets a person be the scheduler (S).

Each answer is a new recording: the program is recorded again under an `ask`
policy (tui.engine.schedule.Ask) that replays every answer so far and stops
at the next decision that is a real choice, asking it in its summary. The
engine is deterministic, so the new recording repeats the last one frame for
frame and goes on from the answer: to the person it is the same run,
continued. Every recording is kept, keyed by its answers, so undo (u) and
a branch tried before come back at once, frame for frame as they were.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work

from tui.render.decision import answers, question
from tui.render.inert import inert
from tui.sources import Recording, SavedTrace, Settings
from tui.trace.goal import goal_of
from tui.trace.live import LiveTrace
from tui.trace.state import World
from tui.widgets.decision import DecisionBar

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from tui.trace.model import Trace

KEPT_BRANCHES = 64
"""Branches kept besides the path shown: trying one of them again is instant, an older one is recorded again."""
FOLD_BUDGET = 0.02
"""Seconds of each UI tick spent folding the recording that follows an answer."""


@dataclass
class Branch:
    """One recording in scheduler mode: the policy that made it, and the trace it made."""

    policy: str
    recording: Recording
    live: LiveTrace


@dataclass
class Walk:
    """The person's way through the decisions: the branches shown, oldest first, and every one recorded."""

    shown: list[Branch] = field(default_factory=list)
    """Undo (u) steps back along these."""
    recorded: dict[str, Branch] = field(default_factory=dict)
    """Every branch by its policy, so a branch tried before is not recorded again (oldest first)."""

    def keep_within(self, most: int) -> None:
        """Forget the oldest branches off the path shown once more than `most` are kept (each holds a trace)."""
        on_path = {id(branch) for branch in self.shown}
        for policy in list(self.recorded):
            if len(self.recorded) <= most:
                return
            branch = self.recorded[policy]
            if id(branch) not in on_path:
                del self.recorded[policy]
                branch.live.close()


LONGEST_POLICY = 4000
"""Characters of a policy passed on the recording's command line; a longer list of answers goes in a file."""


def _policy(schedule: list[int], answer: int, who_only: bool) -> str:
    return f"{'ask-who' if who_only else 'ask'}:{','.join(map(str, [*schedule, answer]))}"


class _AnswerFiles:
    """Long lists of answers, written where a recording reads them (`ask:@FILE`): a command line holds
    128 KiB at most, and a run that took the default at every decision up to a late frame has many."""

    def __init__(self) -> None:
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._count = 0

    def argument(self, policy: str) -> str:
        if len(policy) <= LONGEST_POLICY:
            return policy
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="concur-tui-schedule-")
        name, _, answers = policy.partition(":")
        self._count += 1
        path = Path(self._folder.name) / f"{self._count}.json"
        path.write_text(json.dumps({"schedule": [int(answer) for answer in answers.split(",")]}), encoding="utf-8")
        return f"{name}:@{path}"


ANSWER_FILES = _AnswerFiles()


class Scheduling:
    """Mixed into MainScreen: S, the decision bar's answers, u and w."""

    if TYPE_CHECKING:  # what MainScreen provides
        path: Path
        options: Settings
        saved: bool
        cursor: int
        running: bool
        start_at: int | None
        recording: Recording | SavedTrace | None
        live: LiveTrace

        @property
        def trace(self) -> Trace: ...
        def _new_recording(self, started: Recording | None = None) -> Recording: ...
        def _read_lines(self, recording: Recording | SavedTrace, live: LiveTrace) -> None: ...
        def refresh_views(self) -> None: ...
        def say(self, message: str, *, severity: SeverityLevel = "information") -> None: ...
        def cancel_incoming(self) -> None: ...

        app: Any

    scheduling: Walk | None = None
    """Scheduler mode is on: the person's path through the decisions."""
    following: Branch | None = None
    """The recording that follows the last answer, until it has come in."""

    def _bar(self) -> DecisionBar:
        screen: Any = self  # a MainScreen, whose query_one this mixin cannot name without importing it
        bar: DecisionBar = screen.query_one(DecisionBar)
        return bar

    # -- entering and leaving -------------------------------------------------------------

    def action_scheduler(self) -> None:
        """S: take over the scheduling from the frame on screen, or hand it back to the default."""
        if self.saved:
            self.say("This is a saved trace: there is no program to schedule", severity="warning")
            return
        bar = self._bar()
        if self.scheduling is not None:
            self._leave_scheduling()
            return
        self.cancel_incoming()
        self.running = False
        self.scheduling = Walk()
        bar.set_class(True, "-shown")
        # Decisions before the frame on screen take the default: it is where the person takes over.
        self._record(f"ask-from:{max(self.cursor, 0) + 1}")

    def _leave_scheduling(self) -> None:
        """S again: the run goes on from the last answer under the default schedule, recorded to its end."""
        self.forget_scheduling()
        summary = self.trace.summary or {}
        if summary.get("outcome") == "decision":
            self.start_at = self.cursor + 1  # the place is kept once the new recording has it
            self._show(self._start(f"replay:{','.join(map(str, summary.get('schedule') or []))}"), 0)
            self.say("Scheduler mode off: the rest of the run follows the default schedule")
        else:
            self.say("Scheduler mode off")

    def forget_scheduling(self) -> None:
        """Scheduler mode ends (S, or the program is recorded again or another opened): its branches go."""
        path = self.scheduling
        if path is None:
            return
        self._drop_following()
        self.scheduling = None
        self._bar().set_class(False, "-shown")
        for branch in path.recorded.values():
            if branch.recording is not self.recording:
                branch.live.close()
                branch.recording.cancel()

    # -- answering ----------------------------------------------------------------------------

    def on_decision_bar_picked(self, event: DecisionBar.Picked) -> None:
        event.stop()
        summary = self.trace.summary or {}
        if self.scheduling is None or self.following is not None or summary.get("outcome") != "decision":
            self.app.bell()
            return
        self._record(_policy(list(summary.get("schedule") or []), event.answer, event.who_only))

    def _record(self, policy: str) -> None:
        """Show the branch `policy` makes: at once if it was recorded before, else once it has come in."""
        path = self.scheduling
        assert path is not None
        known = path.recorded.get(policy)
        if known is not None:
            self._arrive(known)
            return
        branch = self._start(policy)
        path.recorded[policy] = branch
        path.keep_within(KEPT_BRANCHES)
        self.following = branch
        self._bar().say("Recording from your answer...", style="yellow")

    def _start(self, policy: str) -> Branch:
        argument = ANSWER_FILES.argument(policy)
        recording = self._new_recording(Recording(str(self.path), replace(self.options, policy=argument)))
        branch = Branch(policy, recording, LiveTrace(recording.malformed))
        self._read_branch(branch)
        return branch

    @work(thread=True, exclusive=False, group="scheduler")
    def _read_branch(self, branch: Branch) -> None:
        self._read_lines(branch.recording, branch.live)

    def fold_following(self) -> None:
        """UI tick: fold what has come in of the recording after an answer; show it once complete."""
        branch = self.following
        if branch is None:
            return
        live = branch.live
        while live.pending:
            live.fold(FOLD_BUDGET)  # a branch is one stretch between two decisions: shown whole
        if live.finished:
            self.following = None
            self._arrive(branch)

    def _arrive(self, branch: Branch) -> None:
        path = self.scheduling
        assert path is not None
        before = len(self.trace)
        path.shown.append(branch)
        # The first frame the answer made (the frames before it are the last branch's, repeated);
        # the last frame when the run ended there: its outcome is what the answer came to.
        ended = (branch.live.trace.summary or {}).get("outcome") != "decision"
        self._show(branch, before if len(path.shown) > 1 and not ended else -1)
        self._ask()

    def _show(self, branch: Branch, index: int) -> None:
        """Put `branch` on screen at frame `index` (-1: its last)."""
        self.recording, self.live = branch.recording, branch.live
        last = len(branch.live.trace) - 1
        target = last if index < 0 else min(index, last)
        if self.cursor == target:
            self.refresh_views()  # the same index, but another trace: the reactive would not fire
        else:
            self.cursor = target

    def _ask(self) -> None:
        """The bar shows the decision the trace on screen stopped at, or how the run ended."""
        path = self.scheduling
        if path is None:
            return
        bar = self._bar()
        trace = self.trace
        summary = trace.summary or {}
        decision = summary.get("decision")
        goal = goal_of(trace)
        won = goal is not None and goal.reached(trace)
        if won:
            assert goal is not None
            answered = len(path.shown) - 1
            goal_words = inert(goal.words.rstrip("."))
            self.say(f"Goal reached: {goal_words}! Your schedule did it in {answered} answers (w saves it)")
        heading = f"Goal: {inert(goal.words)}{' (reached!)' if won else ''}\n" if goal is not None else ""
        if summary.get("outcome") != "decision" or decision is None:
            outcome = summary.get("outcome", "?")
            if len(path.shown) == 1 and not any(summary.get("schedule") or []):
                bar.say(
                    f"No decision from here on: the run ended ({outcome}) with only one way to go. A decision is"
                    " where a real runtime could run either of two threads or processes; asyncio's ready queue"
                    " is FIFO, so coroutines alone have one schedule. S: leave",
                    style="bold",
                )
                return
            bar.say(
                f"{heading}The run ended: {outcome}. u: undo the last answer · w: save the schedule · S: leave",
                style="bold green" if won or outcome == "completed" else "bold red",
            )
            if not won:
                self.say(f"Your schedule ends the run as {outcome}")
            return
        name = (trace.state_at(len(trace) - 1) if len(trace) else World()).name
        schedule = list(summary.get("schedule") or [])
        tried = {
            answer.answer: self._came_to(path.recorded.get(_policy(schedule, answer.answer, False)))
            for answer in answers(decision, name)
        }
        where = f"Decision {len(path.shown)} at t={decision.get('time', 0.0):.6f}s (frame {len(trace)})"
        bar.ask(
            f"{heading}{where}: {question(decision, name)}",
            answers(decision, name),
            {answer: came for answer, came in tried.items() if came},
        )
        bar.focus_answers()

    @staticmethod
    def _came_to(branch: Branch | None) -> str:
        if branch is None or not branch.live.finished:
            return ""
        outcome = (branch.live.trace.summary or {}).get("outcome", "?")
        return "another decision" if outcome == "decision" else inert(str(outcome))

    # -- undo and save --------------------------------------------------------------------------

    def action_undo_choice(self) -> None:
        """u: back to the decision before the last answer, its frames exactly as they were."""
        path = self.scheduling
        if path is None:
            self.say("u undoes a scheduler answer: press S to be the scheduler first", severity="warning")
            return
        self._drop_following()
        if len(path.shown) < 2:
            self.say("Nothing to undo: this is the first decision", severity="warning")
            return
        path.shown.pop()
        self._show(path.shown[-1], -1)
        self._ask()

    def _drop_following(self) -> None:
        branch, self.following = self.following, None
        if branch is not None and self.scheduling is not None:
            branch.live.close()
            branch.recording.cancel()
            self.scheduling.recorded.pop(branch.policy, None)  # never complete: not a branch to come back to

    def action_save_schedule(self) -> None:
        """w: the answers so far as a schedule file (`concur-tui FILE --schedule S.json` replays them)."""
        from tui.schedule_file import Schedule, replay_settings, source_hash
        from tui.screens.save import ask_where_to_save

        summary = self.trace.summary or {}
        if self.saved or "schedule" not in summary:
            self.say("w saves the schedule you made in scheduler mode (S)", severity="warning")
            return
        outcome = str(summary.get("outcome", "?"))

        def write(target: Path) -> str:
            Schedule(
                list(summary.get("schedule") or []),
                self.path.name,
                source_hash(self.path),
                outcome,
                f"a schedule made in scheduler mode, ending as {outcome}",
                settings=replay_settings(self.options),
            ).save(target)
            return f"Saved the schedule to {target}; replay it with: concur-tui {self.path} --schedule {target}"

        ask_where_to_save(self, "the schedule", Path.cwd() / f"{self.path.stem}.schedule.json", write)
