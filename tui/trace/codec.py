"""Provides the trace format's one codec: a record to its line, a line to its checked record.

Every writer of trace lines and every reader goes through here, so the bytes
of a trace have one definition: compact JSON (no spaces), UTF-8 text as is
(not \\u escapes), NaN and Infinity written as Python's json writes them (a due
time may be either). The recorder builds its common frames by hand for speed;
tests/trace/test_schema.py proves each of its lines is exactly `encode` of
`decode` of itself.

When the format changes, the version (tui.trace.format.FORMAT_VERSION) changes
if a reader of the old version would misread the new traces: a field removed
or renamed, a field's type or meaning changed, a new value of `k`, `st` or an
outcome that old viewers cannot show. A new optional field that old readers
may ignore (they ignore fields they do not know) needs no new version.
"""

from __future__ import annotations

import json
from typing import cast

from tui.trace.check import BadField, TraceFormatError, check_frame, check_summary
from tui.trace.schema import Frame, Record, Summary, SummaryLine

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=repr).encode
"""A value JSON cannot hold is written as its repr: writing a record never fails."""


def encode(record: Record) -> str:
    """The line (without its newline) that holds `record`."""
    return _encode(record)


def encode_summary(summary: Summary) -> str:
    """The summary line, the last of a trace."""
    return _encode(SummaryLine(summary=summary))


def decode(line: str) -> Record:
    """The record one line holds, its fields checked; TraceFormatError names what is wrong.

    A line read alone has no place in a trace: its index is checked to be a
    number, not to follow the one before (reading a whole trace in order,
    tui.trace.check.checked_records, checks that too).
    """
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise TraceFormatError(f"line 1 is not JSON: {exc}", 1) from None
    if type(record) is not dict:
        raise TraceFormatError("line 1 is not a JSON object", 1)
    try:
        if "summary" in record:
            check_summary(record["summary"])
        else:
            if type(record.get("i")) is not int:
                raise BadField("i", "an integer", record.get("i"))
            check_frame(record)
    except BadField as exc:
        raise TraceFormatError(f"line 1: {exc}", 1, exc.field) from None
    return cast(Record, record)


_raw_decode = json.JSONDecoder().raw_decode
"""json.loads without its wrapper's checks, which a checked line passed already (a seek parses a thousand lines)."""


def decode_frame(line: str) -> Frame:
    """A frame from a line already checked (a Trace keeps only those): parsed, not checked again."""
    return cast(Frame, _raw_decode(line)[0])
