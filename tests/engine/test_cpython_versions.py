"""Which CPython: one place decides, each version's changes are named, and what a version adds is recorded."""

from __future__ import annotations

import ast
import asyncio
import inspect
import sys
from pathlib import Path

import pytest

import tui
from tui import cli
from tui.engine import cpython
from tui.engine.cpython import py311, py312, py313

ENGINE = Path(tui.__file__).parent / "engine"
VERSION_MODULES = (py311, py312, py313)


def test_the_description_in_use_is_this_pythons_own() -> None:
    assert cpython.running.version == sys.version_info[:2]
    assert type(cpython.running).__module__ == f"tui.engine.cpython.py3{sys.version_info.minor}"


@pytest.mark.parametrize(
    ("version", "chosen"),
    [((3, 11), (3, 11)), ((3, 12), (3, 12)), ((3, 13), (3, 13)), ((3, 14), (3, 13)), ((3, 20), (3, 13))],
)
def test_a_newer_python_is_described_by_the_newest_tested_version(version, chosen) -> None:
    assert cpython.select(version)[1] == chosen


def test_only_the_cpython_package_looks_at_the_version() -> None:
    """Version checks elsewhere in the engine would scatter what differs between versions."""
    offenders = []
    for path in ENGINE.rglob("*.py"):
        if "cpython" in path.relative_to(ENGINE).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("version_info", "hexversion"):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def said_about(source: str, name: str, value: object) -> str:
    """A method says it in its docstring; an attribute in the string right after it."""
    if callable(value):
        return inspect.getdoc(value) or ""
    return source.split(f"    {name}", 1)[1].split('"""')[1]


def test_every_override_names_the_cpython_change_it_follows() -> None:
    baseline = py311.CPython311
    for module, cls in ((py312, py312.CPython312), (py313, py313.CPython313)):
        parent = cls.__mro__[1]
        source = inspect.getsource(module)
        for name, value in vars(cls).items():
            if name.startswith("__") or name == "version":
                continue
            assert hasattr(baseline, name), f"{cls.__name__}.{name} is not part of the baseline's interface"
            said = said_about(source, name, value)
            assert "gh-" in said or "PEP" in said or "3.1" in said, f"{cls.__name__}.{name} does not say why"
            assert getattr(parent, name) != value or callable(value), f"{cls.__name__}.{name} changes nothing"


@pytest.mark.parametrize(
    ("version", "free_threaded", "expected"),
    [
        ((3, 11), False, None),
        ((3, 13), False, None),
        ((3, 14), False, "this is CPython 3.14, which is not: trying it as 3.13"),
        ((3, 13), True, "this is CPython 3.13 (free-threaded), which is not: trying it as 3.13"),
    ],
)
def test_an_untested_python_is_named_in_one_line(version, free_threaded, expected) -> None:
    note = cpython.support_note(version, free_threaded)
    if expected is None:
        assert note is None
    else:
        assert note is not None and "\n" not in note
        assert note.startswith("concur-tui: tested on CPython 3.11, 3.12 and 3.13; ")
        assert expected in note


def test_the_cli_prints_the_note_once_where_the_python_is_untested(monkeypatch, capsys) -> None:
    note = cpython.support_note((3, 14), False, "3.14.0")
    monkeypatch.setattr(cpython, "SUPPORT_NOTE", note)
    assert cli.main(["list"]) == 0
    assert capsys.readouterr().err.splitlines() == [note]
    monkeypatch.setattr(cpython, "SUPPORT_NOTE", None)
    assert cli.main(["list"]) == 0
    assert capsys.readouterr().err == ""


def test_this_python_is_tested_so_nothing_is_said() -> None:
    assert cpython.SUPPORT_NOTE is None  # CI runs on 3.11, 3.12 and 3.13 (not free-threaded) only


QUEUE_SHUTDOWN = """
import asyncio, queue, threading

async def consumer(name, q):
    while True:
        try:
            item = await q.get()
        except asyncio.QueueShutDown:
            print(f"{name}: the queue was shut down")
            return name
        print(f"{name}: got {item}")

seen = []  # the thread does not print: its lines would race the tasks' under CPython

def worker(q):
    while True:
        try:
            seen.append(f"got {q.get()}")
        except queue.ShutDown:
            seen.append("the queue was shut down")
            return

async def main():
    q = asyncio.Queue()
    consumers = [asyncio.create_task(consumer(n, q)) for n in ("a", "b")]
    await q.put(1)
    await asyncio.sleep(0.1)
    q.shutdown()
    tq = queue.Queue()
    thread = threading.Thread(target=worker, args=(tq,))
    thread.start()
    tq.put("x")
    await asyncio.sleep(0.1)
    tq.shutdown()
    thread.join()
    print("thread:", seen)
    return await asyncio.gather(*consumers)

print(asyncio.run(main()))
"""


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(asyncio.Queue, "shutdown"), reason="Queue.shutdown() is new in 3.13")
def test_queue_shutdown_is_recorded_and_narrated(record_source, python_output) -> None:
    from tui.trace.narrate import narrate
    from tui.trace.state import World

    trace = record_source(QUEUE_SHUTDOWN)
    assert trace.summary["outcome"] == "completed", trace.summary
    assert trace.summary["stdout"].splitlines() == python_output(QUEUE_SHUTDOWN)
    shut = [rid for f in trace.frames() for rid, state in f.get("set", {}).items() if state.get("shutdown")]
    assert len(set(shut)) == 2  # the asyncio queue and the threading one
    world, before, sentences = World(), None, []
    for frame in trace.frames():
        before = world.snapshot()
        world.apply(frame)
        sentences.append(narrate(frame, world, before))
    assert sum("shuts down q (Queue#1)" in s for s in sentences) == 1
    assert sum("wakes because q (Queue#1) was shut down" in s for s in sentences) == 2
    assert sum("shuts down tq" in s for s in sentences) == 1
