"""Provides LineCheck: every trace line is parsed and checked once, as it arrives, so views never see bad data.

A trace comes from a file anyone can edit and from a pipe a program's child
process can write into, so a reader cannot trust it. Each field the fold
(state.py) and the views read is checked for its type here; anything wrong
raises the one TraceFormatError, naming the line and the field. Fields this
version does not know are left alone: views never read them.

The checks run on every frame of traces a million frames long, so the common
case is a dict lookup and a `type(...) is` test per field; only the rare,
nested fields (definitions, resource states, the header) cost more.

Why one module: the rules of every field and the reader that applies them in
order (LineCheck, checked_records) are one contract; split, a field's check
and the place that decides when it runs would drift apart. The field types
themselves are tui.trace.schema's, and a test keeps the two in step.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from tui.trace.format import FORMAT_NAME, FORMAT_VERSION

MAX_LINE = 64 * 1024 * 1024
"""Characters in one line: far above any frame (printed output is capped per frame), far below a hang."""

_LARGEST = 1.7976931348623157e308


class TraceFormatError(ValueError):
    """A line that is not a concur-tui trace frame (or from another version): the message names line and field."""

    def __init__(self, message: str, line: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        """The line number, from 1 (None when not known)."""
        self.field = field
        """The field that is wrong, as a path ("new[0].task"), or None when the line as a whole is."""


class BadField(Exception):
    """Raised by the checks below; the reader turns it into a TraceFormatError with the line number."""

    def __init__(self, field: str, expected: str, value: Any, message: str | None = None) -> None:
        super().__init__(message or f'"{field}" must be {expected}, not {_shown(value)}')
        self.field = field


def _shown(value: Any) -> str:
    """A short JSON rendering of a wrong value (a huge or deep one is cut)."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


# -- value checks: each raises BadField, naming the field it was given ------------------------------


def _str(value: Any, field: str) -> None:
    if type(value) is not str:
        raise BadField(field, "a string", value)


def _opt_str(value: Any, field: str) -> None:
    if value is not None and type(value) is not str:
        raise BadField(field, "a string or null", value)


def _int(value: Any, field: str) -> None:
    if type(value) is not int:
        raise BadField(field, "an integer", value)


def _opt_int(value: Any, field: str) -> None:
    if value is not None and type(value) is not int:
        raise BadField(field, "an integer or null", value)


def _bool(value: Any, field: str) -> None:
    if type(value) is not bool:
        raise BadField(field, "true or false", value)


def _time(value: Any, field: str) -> None:
    """A virtual time or duration: a finite number (json reads NaN and Infinity; a clock never shows them)."""
    if type(value) is float and value - value == 0.0:
        return
    if (type(value) is not float and type(value) is not int) or not -_LARGEST <= value <= _LARGEST:
        raise BadField(field, "a finite number", value)


def _due(value: Any, field: str) -> None:
    """A due time: a program may arm a timer at NaN or Infinity, so those are kept."""
    if type(value) is not float and (type(value) is not int or not -_LARGEST <= value <= _LARGEST):
        raise BadField(field, "a number", value)


def _count(value: Any, field: str) -> None:
    """A number a resource's state shows (a semaphore's value, a queue's maxsize: the program chose them)."""
    if value is not None and type(value) is not int and type(value) is not float:
        raise BadField(field, "a number or null", value)


def _list(value: Any, field: str) -> list[Any]:
    if type(value) is not list:
        raise BadField(field, "a list", value)
    return value


def _dict(value: Any, field: str) -> dict[str, Any]:
    if type(value) is not dict:
        raise BadField(field, "an object", value)
    return value


_INT_TYPES = frozenset({int})
_STR_TYPES = frozenset({str})
_WHY_TYPES = frozenset({str, type(None)})


def _ints(value: Any, field: str) -> None:
    if type(value) is list and _INT_TYPES.issuperset(map(type, value)):
        return  # the common case, without a Python-level loop
    for position, item in enumerate(_list(value, field)):
        if type(item) is not int:
            raise BadField(f"{field}[{position}]", "an integer", item)


def _strs(value: Any, field: str) -> None:
    if type(value) is list and _STR_TYPES.issuperset(map(type, value)):
        return
    for position, item in enumerate(_list(value, field)):
        if type(item) is not str:
            raise BadField(f"{field}[{position}]", "a string", item)


def _entry(value: Any, field: str, size: int, exact: bool = True) -> list[Any]:
    entry = _list(value, field)
    if len(entry) < size or (exact and len(entry) != size):
        raise BadField(field, f"a list of {'' if exact else 'at least '}{size} items", value)
    return entry


def _fields(record: Any, field: str, rules: dict[str, Any], required: tuple[str, ...] = ()) -> None:
    """Check the known fields of an object (a definition, a header, a report); others are left alone."""
    for key, value in _dict(record, field).items():
        rule = rules.get(key)
        if rule is not None:
            rule(value, f"{field}.{key}")
    for key in required:
        if key not in record:
            raise BadField(f"{field}.{key}", "present", None)


def _one_of(*names: str) -> Any:
    allowed = frozenset(names)
    shown = ", ".join(names)

    def check(value: Any, field: str) -> None:
        if type(value) is not str or value not in allowed:
            raise BadField(field, f"one of {shown}", value)

    return check


# -- frame fields ----------------------------------------------------------------------------------

KINDS = ("task", "cb", "timer", "thread")
STATES = (
    "ready", "running", "wait", "sleep", "blocked", "done", "failed", "cancelled", "runaway", "loop", "preempted",
)  # fmt: skip

_kind = _one_of(*KINDS)
_state = _one_of(*STATES)
_KIND_SET = frozenset(KINDS)
_STATE_SET = frozenset(STATES)


def _core(value: Any, field: str) -> None:
    if type(value) is not int or not -1 <= value <= 127:
        raise BadField(field, "a core number up to 127 (-1: not recorded)", value)


def _why(value: Any, field: str) -> None:
    if type(value) is list and value and type(value[0]) is str and _WHY_TYPES.issuperset(map(type, value)):
        return  # strings and nulls: every kind of reason but a timer's, whose due time is a number
    why = _list(value, field)
    if not why or type(why[0]) is not str:
        raise BadField(f"{field}[0]", "a string (why the actor was ready)", why[0] if why else None)
    for position in range(1, len(why)):
        item = why[position]
        if position == 1 and why[0] == "timer":
            _due(item, f"{field}[1]")
        elif item is not None and type(item) is not str:
            raise BadField(f"{field}[{position}]", "a string or null", item)


def _op(value: Any, field: str) -> None:
    _fields(value, field, {"line": _opt_int, "offset": _int}, required=("line", "offset", "ops"))
    for position, item in enumerate(_list(value["ops"], f"{field}.ops")):
        where = f"{field}.ops[{position}]"
        offset, name, argument = _entry(item, where, 3)
        _int(offset, f"{where}[0]")
        _str(name, f"{where}[1]")
        _str(argument, f"{where}[2]")


def _exit(value: Any, field: str) -> None:
    for proc, code in _dict(value, field).items():
        _opt_int(code, f"{field}.{proc}")


def _ready(value: Any, field: str) -> None:
    if type(value) is list:
        for item in value:
            if type(item) is not list or len(item) < 2 or type(item[0]) is not int or type(item[1]) is not str:
                break
        else:
            return
    for position, item in enumerate(_list(value, field)):
        where = f"{field}[{position}]"
        entry = _entry(item, where, 2, exact=False)
        _int(entry[0], f"{where}[0]")
        _str(entry[1], f"{where}[1]")


def _timers(value: Any, field: str) -> None:
    for position, item in enumerate(_list(value, field)):
        where = f"{field}[{position}]"
        hid, due, owner, label = _entry(item, where, 4)
        _int(hid, f"{where}[0]")
        _due(due, f"{where}[1]")
        _opt_str(owner, f"{where}[2]")
        _opt_str(label, f"{where}[3]")


def _proc_id(value: Any, field: str) -> None:
    """`P3`: the model keeps a process's number per frame in a byte."""
    if type(value) is not str or value[:1] != "P" or not value[1:].isdecimal() or int(value[1:]) > 127:
        raise BadField(field, 'a process id from "P0" to "P127"', value)


def _opt_proc_id(value: Any, field: str) -> None:
    if value is not None:
        _proc_id(value, field)


_TASK = {"task": _str, "name": _str, "coro": _str, "by": _opt_str, "at": _ints, "internal": _bool, "eager": _bool}
_THREAD = {"thread": _str, "name": _str, "by": _opt_str, "proc": _opt_proc_id}
_PROC = {"proc": _proc_id, "name": _str, "pid": _opt_int, "parent": _opt_str, "by": _opt_str}
_RES = {
    "res": _str, "kind": _str, "name": _opt_str, "by": _opt_str, "at": _opt_int, "internal": _bool,
    "part_of": _opt_str, "api": _str,
}  # fmt: skip
_DEFINITIONS = (("task", _TASK, ("name",)), ("thread", _THREAD, ()), ("proc", _PROC, ()), ("res", _RES, ("kind",)))
"""Per kind of definition: its key, its fields, and the fields views read without a default."""


def _new(value: Any, field: str) -> None:
    for position, definition in enumerate(_list(value, field)):
        where = f"{field}[{position}]"
        for key, rules, required in _DEFINITIONS:
            if key in _dict(definition, where):
                _fields(definition, where, rules, required)
                break
        else:
            raise BadField(where, 'a definition ("task", "thread", "proc" or "res")', definition)


def _names(value: Any, field: str) -> None:
    for actor, name in _dict(value, field).items():
        _str(name, f"{field}.{actor}")


RESOURCE_FIELDS = {
    "locked": _bool, "set": _bool, "shutdown": _bool, "eof": _bool,
    "owner": _opt_str, "lock": _opt_str, "local": _opt_str, "peer": _opt_str, "result": _opt_str, "error": _opt_str,
    "state": _str,
    "holders": _strs, "items": _strs, "workers": _strs,
    "value": _count, "bound": _count, "parties": _count, "count": _count, "size": _count, "maxsize": _count,
    "unfinished": _count, "max_workers": _count, "queued": _count, "buffered": _count, "backlog": _count,
}  # fmt: skip
"""The type of each field of a resource's state (see format.RESOURCE_STATES for which kind has which)."""

_NONE = type(None)
_RESOURCE_TYPES = {
    key: {
        _bool: frozenset({bool}),
        _opt_str: frozenset({str, _NONE}),
        _str: frozenset({str}),
        _strs: frozenset({list}),
        _count: frozenset({int, float, _NONE}),
    }[rule]
    for key, rule in RESOURCE_FIELDS.items()
}
"""The same, as the types allowed (a list's items are strings): what the fast path tests."""


def _state_ok(state: Any) -> bool:
    """The common case of a resource's state, checked without a call per field."""
    if type(state) is not dict:
        return False
    types = _RESOURCE_TYPES
    for key, item in state.items():
        allowed = types.get(key)
        if allowed is not None and type(item) not in allowed:
            return False
        if type(item) is list:
            for name in item:
                if type(name) is not str:
                    return False
    return True


def _set(value: Any, field: str) -> None:
    if type(value) is dict and all(map(_state_ok, value.values())):
        return
    for rid, state in _dict(value, field).items():
        _fields(state, f"{field}.{rid}", RESOURCE_FIELDS)


def _sites(value: Any, field: str) -> None:
    for sid, site in _dict(value, field).items():
        where = f"{field}.{sid}"
        if not (sid.isascii() and sid.isdecimal()):
            raise BadField(where, "keyed by a site number", sid)
        file, line, function = _entry(site, where, 3)
        _str(file, f"{where}[0]")
        _int(line, f"{where}[1]")
        _str(function, f"{where}[2]")


def _format(value: Any, field: str) -> None:
    """The format's name and version, in the header and the summary (absent: this one)."""
    name = value.get("format", FORMAT_NAME)
    if name != FORMAT_NAME:
        text = f'"{field}.format" is {_shown(name)}: not a concur-tui trace ({FORMAT_NAME!r})'
        raise BadField(f"{field}.format", "", name, text)
    version = value.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION or type(version) is not int:
        text = f'"{field}.version": trace format version {_shown(version)} is not supported'
        raise BadField(f"{field}.version", "", version, f"{text} (this is version {FORMAT_VERSION})")


_HEADER = {
    "format": _str, "version": _int, "scenario": _opt_str, "file": _opt_str, "seed": _opt_int,
    "max_frames": _opt_int, "python": _opt_str, "lesson": _opt_str, "source": _opt_str, "settings": _dict,
}  # fmt: skip


def _header(value: Any, field: str) -> None:
    _fields(value, field, _HEADER)
    _format(value, field)


_INLINE = frozenset(
    {"i", "t", "a", "k", "why", "st", "at", "h", "ready", "d", "cpu", "core", "on", "wait", "role", "set"}
)
"""The fields check_frame tests inline: those nearly every frame of some kind has."""

_RULES: dict[str, Any] = {
    **dict.fromkeys(("n", "result", "error", "stop", "name", "out", "err"), _str),
    "until": _due, "op": _op, "exit": _exit, "fired": _ints, "timers": _timers, "cancel": _ints, "new": _new,
    "names": _names, "sites": _sites, "trace": _header,
}  # fmt: skip
"""The checks of every other known field."""


def check_frame(frame: dict[str, Any]) -> None:
    """Check the type of every known field of a frame (its index "i" is checked by the reader).

    This runs for every frame of traces a million frames long, so the fields
    frames usually have are tested inline, each by a dict lookup and a `type()`
    test; a call per field is left to the rarer ones and to anything wrong.
    """
    get = frame.get
    known = 1  # "i"
    try:
        t, actor, kind = frame["t"], frame["a"], frame["k"]
    except KeyError as exc:
        raise BadField(exc.args[0], "present", None) from None
    if type(t) is not float or t - t != 0.0:
        _time(t, "t")
    if type(actor) is not str:
        _str(actor, "a")
    if type(kind) is not str or kind not in _KIND_SET:
        _kind(kind, "k")
    why = get("why")
    if why is not None:
        known += 1
        if type(why) is not list or not why or type(why[0]) is not str:
            _why(why, "why")
        for item in why:  # strings and nulls, but a timer's due time (a number): _why tells them apart
            if type(item) is not str and item is not None:
                _why(why, "why")
                break
    state = get("st")
    if state is not None:
        known += 1
        if type(state) is not str or state not in _STATE_SET:
            _state(state, "st")
    at = get("at")
    if at is not None:
        known += 1
        if type(at) is not list:
            _ints(at, "at")
        for item in at:  # a plain loop: faster than any builtin on lists this short
            if type(item) is not int:
                _ints(at, "at")
    hid = get("h")
    if hid is not None:
        known += 1
        if type(hid) is not int:
            _int(hid, "h")
    ready = get("ready")
    if ready is not None:
        known += 1
        _ready(ready, "ready")
    if kind == "thread" or len(frame) > known + 3:
        known += _check_threadish(frame)
    if len(frame) != known + 3:
        _check_others(frame, known + 3)
    if kind == "timer" and why is not None and (why[0] != "timer" or len(why) < 2):
        raise BadField("why", 'for a timer frame, ["timer", due time, owner]', why)


def _check_threadish(frame: dict[str, Any]) -> int:
    """The fields of threads' frames and of waits (d, cpu, core, on, wait, role, set); returns how many it found."""
    get = frame.get
    found = 0
    for key in ("d", "cpu"):
        value = get(key)
        if value is not None:
            found += 1
            if type(value) is not float or value - value != 0.0:
                _time(value, key)
    core = get("core")
    if core is not None:
        found += 1
        _core(core, "core")
    for key in ("on", "wait", "role"):
        value = get(key)
        if value is not None:
            found += 1
            if type(value) is not str:
                _str(value, key)
    states = get("set")
    if states is not None:
        found += 1
        _set(states, "set")
    return found


def _check_others(frame: dict[str, Any], inline: int) -> None:
    """Every field not tested inline; a field tested inline that was null (not counted there) is caught too."""
    rules = _RULES
    others = frame.keys() - _INLINE
    for key in others:
        rule = rules.get(key)
        if rule is not None:
            rule(frame[key], key)
    if len(frame) != inline + len(others):
        null = next(key for key in _INLINE.intersection(frame) if frame[key] is None)
        raise BadField(null, "present with a value", None)


# -- the summary -----------------------------------------------------------------------------------


_WAIT = {"actor": _str, "name": _str, "on": _opt_str, "wait": _str, "at": _opt_str, "holders": _strs}


def _wait(value: Any, field: str) -> None:
    _fields(value, field, _WAIT, required=("actor", "name", "wait"))


def _waits(value: Any, field: str) -> None:
    for position, wait in enumerate(_list(value, field)):
        _wait(wait, f"{field}[{position}]")


def _cycle(value: Any, field: str) -> None:
    _strs(value, field)
    if len(value) % 2 == 0 and value:
        raise BadField(field, "actor, resource, ..., actor (an odd number of ids)", value)


_REPORT = {
    "text": _str, "log": _str, "traceback": _opt_str, "type": _opt_str, "message": _opt_str, "where": _opt_str,
    "actor": _opt_str, "name": _opt_str, "at": _ints, "cycle": _cycle, "waits": _waits,
}  # fmt: skip


def _report(value: Any, field: str) -> None:
    _fields(value, field, _REPORT)


_DECISION = {"kind": _str, "candidates": _strs, "time": _time, "waiting": _strs}


def _decision(value: Any, field: str) -> None:
    _fields(value, field, _DECISION, ("kind", "candidates", "time"))


def _deviations(value: Any, field: str) -> None:
    for position, deviation in enumerate(_list(value, field)):
        where = f"{field}[{position}]"
        if (
            type(deviation) is not list
            or len(deviation) != 4
            or type(deviation[0]) is not int
            or deviation[0] < 0
            or type(deviation[1]) is not str
            or type(deviation[2]) is not int
            or type(deviation[3]) is not str
        ):
            raise BadField(where, "[frame, kind, answer, actor] (an index, a kind, a number, an id)", deviation)


_SUMMARY = {
    "format": _str, "version": _int, "outcome": _str, "frames": _int, "virtual_time": _time, "result": _opt_str,
    "scenario": _opt_str, "seed": _opt_int, "stdout": _str, "stderr": _str, "stdout_truncated": _int,
    "stderr_truncated": _int, "threads": _int, "exit_code": _opt_int, "error": _opt_str, "line": _opt_int,
    "file": _opt_str, "source": _opt_str, "report": _report, "schedule": _ints,
    "decision": _decision, "deviations": _deviations,
    "candidate_counts": _ints, "cuts_unreached": _ints,
}  # fmt: skip


def check_summary(summary: Any) -> None:
    _fields(summary, "summary", _SUMMARY)
    _format(summary, "summary")


# -- reading lines in order -----------------------------------------------------------------------


class LineCheck:
    """Parses a trace's lines in order and checks each; the Trace and the recording streams share it."""

    def __init__(self) -> None:
        self.number = 0
        """Lines read so far (blank ones too): the number of the line being read."""
        self.frames = 0
        self.summary: dict[str, Any] | None = None

    def read(self, line: str) -> dict[str, Any] | None:
        """The line as a checked record (a frame, or `{"summary": ...}`), or None for a blank line."""
        self.number += 1
        if len(line) > MAX_LINE:
            raise self.error(f"is longer than {MAX_LINE / 2**20:g} MiB")
        try:
            record = json.loads(line)
        except ValueError as exc:
            if not line or line.isspace():
                return None
            raise self.error(f"is not JSON: {exc}") from None
        except RecursionError:
            raise self.error("is not JSON a trace could hold: it is nested too deeply") from None
        if type(record) is not dict:
            raise self.error(f"is not a JSON object (it is {_shown(record)})")
        if self.summary is not None:
            raise self.error("comes after the summary, which ends a trace")
        try:
            if "summary" in record:
                check_summary(record["summary"])
                frames = record["summary"].get("frames")
                if frames != self.frames and not (frames == 0 and self.frames == 0):
                    # A summary that counts frames the trace does not hold was not written by a
                    # recorder (a program can write into its own trace pipe): it ends nothing.
                    raise BadField("frames", f"{self.frames} (the frames before it)", frames)
                self.summary = record["summary"]
                return record
            index = record.get("i")
            if index != self.frames or type(index) is not int or (index == 0) != ("trace" in record):
                self._check_index(record)
            check_frame(record)
        except BadField as exc:
            raise self.error(str(exc), exc.field) from None
        self.frames += 1
        return record

    def _check_index(self, frame: dict[str, Any]) -> None:
        index = frame.get("i")
        if index != self.frames or type(index) is not int:
            raise BadField("i", f"{self.frames} (frame {self.frames} expected)", index)
        if index == 0 and "trace" not in frame:
            raise BadField("trace", "", None, 'frame 0 has no header ("trace")')
        if index != 0 and "trace" in frame:
            raise BadField("trace", "", None, f'frame {index} has a header ("trace"): only frame 0 may')

    def error(self, problem: str, field: str | None = None) -> TraceFormatError:
        """`line 12 is not JSON: ...` / `line 12: frame field "t" must be ...`."""
        joiner = ": " if field is not None else " "
        return TraceFormatError(f"line {self.number}{joiner}{problem}", self.number, field)


def cut_summary(check: LineCheck, last: dict[str, Any] | None, header: dict[str, Any], mid_line: bool) -> str:
    """The summary a reader writes for a trace that stops early: outcome "cut", and one line saying where."""
    frames = check.frames
    where = f"after frame {frames}" if frames else "before its first frame"
    text = f"the trace ends {'mid-line' if mid_line else 'without its summary line'} {where}"
    summary = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "outcome": "cut",
        "frames": frames,
        "virtual_time": last["t"] + last.get("d", 0.0) if last else 0.0,
        "error": text,
        "scenario": header.get("scenario"),
        "seed": header.get("seed"),
    }
    return json.dumps({"summary": summary})


def _cut_off(line: str) -> bool:
    """The start of a JSON object whose writer stopped mid-way (the last line of a file, with no newline)."""
    if line.endswith("\n") or not line.startswith("{"):
        return False
    try:
        json.loads(line)
    except ValueError:
        return True
    return False


def checked_records(lines: Iterable[str], check: LineCheck) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each non-blank line with its checked record, ending with a summary even when the trace was cut short.

    A last line cut off mid-way (a writer killed, a copy interrupted) is dropped,
    and a trace without its summary gets one with outcome "cut": the complete
    frames before it stay readable. Anything else wrong raises TraceFormatError.
    """
    last: dict[str, Any] | None = None
    header: dict[str, Any] = {}
    cut: TraceFormatError | None = None
    for line in lines:
        if cut is not None:
            raise cut  # the line that looked cut off was not the last one
        try:
            record = check.read(line)
        except TraceFormatError as exc:
            if not _cut_off(line):
                raise
            cut = exc
            continue
        if record is None:
            continue
        if check.summary is None:
            last = record
            header = record.get("trace", header)
        yield line, record
    if check.summary is not None:
        return
    if check.frames == 0:
        raise cut or TraceFormatError("the trace is empty: no frames and no summary")
    summary = cut_summary(check, last, header, mid_line=cut is not None)
    yield summary, check.read(summary)  # type: ignore[misc]


def read_lines(handle: BinaryIO) -> Iterator[str]:
    """The lines of a trace file opened in binary, decoded one by one: a bad byte or a huge line is named."""
    number = 0
    while True:
        raw = handle.readline(MAX_LINE + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE:
            raise TraceFormatError(f"line {number} is longer than {MAX_LINE / 2**20:g} MiB", number)
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problem = f"line {number} is not UTF-8 text ({exc.reason} at byte {exc.start + 1} of the line)"
            raise TraceFormatError(problem, number) from None
        yield line
