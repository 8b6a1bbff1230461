"""Provides schedule files: a run's answers at its decision points, and what they are valid for.

A schedule replays exactly only on the program it was found on, by the same
concur-tui on the same CPython (the bytecode, and so where threads can
switch, differs between versions): the file records all three, and loading
it for anything else is refused with one line saying which differs.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tui import __version__
from tui.files import write_atomically

FORMAT = "concur-tui-schedule"
VERSION = 1


class ScheduleError(Exception):
    """A schedule file that cannot be read, or was made for another program, Python or concur-tui."""


def source_hash(path: str | Path) -> str:
    """The SHA-256 of the program's bytes, as the recording reads them."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class Schedule:
    """One schedule file's contents."""

    schedule: list[int]
    """The answers, in the order the decisions were asked (tui.engine.schedule)."""
    file: str
    """The program's file name, for the reader: the hash is what is checked."""
    source_sha256: str
    outcome: str
    """What the run came to: "deadlock", "exception", ..."""
    failure: str
    """The failure in one line, as `explore` printed it."""
    settings: dict[str, Any] = field(default_factory=dict)
    """The recording's settings but the policy (--preempt, --cores, ...): a replay needs the same."""
    python: str = field(default_factory=platform.python_version)
    concur_tui: str = __version__

    def save(self, path: str | Path) -> None:
        data = {"format": FORMAT, "version": VERSION, **asdict(self)}
        write_atomically(path, (json.dumps(data, indent=1) + "\n").encode("utf-8"))


def replay_settings(options: Any) -> dict[str, Any]:
    """The settings a schedule file keeps (a tui.engine.settings.Settings'): all but the policy, which
    for a replay is the schedule itself, and the program's own arguments."""
    kept: dict[str, Any] = options.as_dict()
    kept.pop("policy", None)
    kept["program_args"] = list(options.program_args)
    return kept


def load(path: str | Path) -> Schedule:
    """The schedule in `path`; ScheduleError with one line naming the problem."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ScheduleError(f"{path}: not a readable schedule file ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ScheduleError(f"{path}: not a concur-tui schedule file")
    if data.get("version") != VERSION:
        raise ScheduleError(f"{path}: schedule format version {data.get('version')!r}, this concur-tui reads {VERSION}")
    answers = data.get("schedule")
    if not isinstance(answers, list) or not all(type(a) is int and a >= 0 for a in answers):
        raise ScheduleError(f"{path}: 'schedule' must be a list of whole numbers from 0")
    texts = ("file", "source_sha256", "outcome", "failure", "python", "concur_tui")
    for name in texts:
        if not isinstance(data.get(name), str):
            raise ScheduleError(f"{path}: {name!r} must be a string")
    if not isinstance(data.get("settings", {}), dict):
        raise ScheduleError(f"{path}: 'settings' must be an object")
    return Schedule(answers, **{name: data[name] for name in texts}, settings=data.get("settings", {}))


def check_matches(schedule: Schedule, program: str | Path, where: str | Path) -> None:
    """Refuse, in one line, a schedule made for another program, another CPython or another concur-tui."""
    if schedule.concur_tui != __version__:
        raise ScheduleError(f"{where} was made by concur-tui {schedule.concur_tui}; this is {__version__}")
    if schedule.python != platform.python_version():
        raise ScheduleError(
            f"{where} was made on CPython {schedule.python}; this is {platform.python_version()}"
            " (where threads can switch differs between versions)"
        )
    try:
        current = source_hash(program)
    except OSError as exc:
        raise ScheduleError(f"{program}: {exc.strerror or exc}") from None
    if current != schedule.source_sha256:
        raise ScheduleError(f"{where} was made for another version of {schedule.file}: the source has changed since")
