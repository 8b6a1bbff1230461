"""The trace format has one definition: the typed records (schema), the checks (check) and the codec agree.

Every field a record declares is checked when a line is read, and every
check belongs to a declared field; every line the recorder writes by hand is
exactly what the codec writes for the record it decodes to.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, get_type_hints

import pytest
from conftest import SCENARIOS

from tui.engine.settings import Settings
from tui.sources import Recording
from tui.trace import check, schema
from tui.trace.codec import decode, decode_frame, encode, encode_summary
from tui.trace.format import RESOURCE_STATES
from tui.trace.model import TraceFormatError

TRACES = Path(__file__).resolve().parents[1] / "data" / "traces"
SAVED = sorted(TRACES.glob("*.jsonl"))


def fields(record: type) -> set[str]:
    return set(get_type_hints(record))


def required(record: type) -> set[str]:
    return set(record.__required_keys__)  # type: ignore[attr-defined]


# -- the records and the checks agree ----------------------------------------------------------


def test_every_frame_field_is_declared_and_checked() -> None:
    checked = {"i", "t", "a", "k"} | check._INLINE | set(check._RULES)
    assert fields(schema.Frame) == checked
    assert required(schema.Frame) == {"i", "t", "a", "k"}


@pytest.mark.parametrize(
    ("record", "rules"),
    [
        (schema.Header, check._HEADER),
        (schema.Summary, check._SUMMARY),
        (schema.Report, check._REPORT),
        (schema.Wait, check._WAIT),
    ],
)
def test_every_header_summary_and_report_field_is_declared_and_checked(record: type, rules: dict[str, Any]) -> None:
    assert fields(record) == set(rules)


def test_every_definition_is_declared_with_what_readers_rely_on() -> None:
    declared = {
        "task": schema.TaskDefinition,
        "thread": schema.ThreadDefinition,
        "proc": schema.ProcessDefinition,
        "res": schema.ResourceDefinition,
    }
    for key, rules, relied_on in check._DEFINITIONS:
        record = declared[key]
        assert fields(record) == set(rules), key
        assert required(record) == {key, *relied_on}, key


def test_every_field_of_every_resource_state_has_a_check() -> None:
    for kind, names in RESOURCE_STATES.items():
        assert set(names) <= set(check.RESOURCE_FIELDS), kind
    assert set(check.RESOURCE_FIELDS) == {name for names in RESOURCE_STATES.values() for name in names}


# -- the codec ---------------------------------------------------------------------------------------


def test_a_frame_encodes_compactly_and_keeps_text_and_due_times_as_written() -> None:
    frame: schema.Frame = {"i": 3, "t": 0.5, "a": "T1", "k": "task", "out": "héllo ✓\n", "until": math.inf}
    line = encode(frame)
    assert line == '{"i":3,"t":0.5,"a":"T1","k":"task","out":"héllo ✓\\n","until":Infinity}'
    assert decode(line) == frame
    assert decode_frame(line) == frame


def test_a_summary_line_round_trips() -> None:
    summary: schema.Summary = {"format": "concur-tui-trace", "version": 1, "outcome": "completed", "frames": 2}
    line = encode_summary(summary)
    assert line.startswith('{"summary":{"format":')
    assert decode(line) == {"summary": summary}


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("not json", "line 1 is not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"i": "3", "t": 0.0, "a": "T1", "k": "task"}', '"i" must be an integer'),
        ('{"i": 3, "t": 0.0, "a": "T1", "k": "dance"}', '"k"'),
        ('{"summary": {"outcome": "completed", "frames": "many"}}', "summary.frames"),
    ],
)
def test_decode_refuses_a_bad_line_in_one_sentence_naming_the_field(line: str, words: str) -> None:
    with pytest.raises(TraceFormatError, match=words):
        decode(line)


@pytest.mark.parametrize("path", SAVED, ids=[path.name for path in SAVED])
def test_every_line_of_the_saved_recordings_is_what_the_codec_writes(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) > 5
    for line in lines[:-1]:
        assert encode(decode(line)) == line


# Lessons that between them write every kind of frame: tasks and callbacks, threads and
# preemption, processes on cores, the network, a deadlock, eager tasks.
ROUND_TRIP_LESSONS = [
    "04_lock_contention.py",
    "11_deadlock.py",
    "13_run_in_executor.py",
    "17_threads_vs_processes.py",
    "18_lost_update.py",
    "20_echo_server.py",
    "22_eager_tasks.py",
]


@pytest.mark.slow
@pytest.mark.parametrize("lesson", ROUND_TRIP_LESSONS)
def test_every_line_the_recorder_writes_is_what_the_codec_writes_for_its_record(lesson: str) -> None:
    lines = list(Recording(str(SCENARIOS / lesson), Settings()).lines())
    frames, summary = lines[:-1], lines[-1]
    assert len(frames) > 5
    for index, line in enumerate(frames):
        assert encode(decode(line)) == line, f"frame {index}"
    decoded = decode(summary)
    assert "summary" in decoded and decoded["summary"]["outcome"] in ("completed", "deadlock")
    assert encode(decoded) == summary
