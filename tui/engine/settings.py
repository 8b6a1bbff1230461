"""Provides Settings: every knob of a recording, shared by the CLI, the app and the recorder."""

from __future__ import annotations

import argparse
import math
import os
import re
from dataclasses import asdict, dataclass, fields
from typing import Any

from tui.engine.schedule import parse_policy

VIEWER_PID_VARIABLE = "CONCUR_TUI_VIEWER_PID"
"""Environment variable: the viewer that started a recording process, which ends with it (tui.engine.recording.main)."""

PREEMPT_MODELS = ("cpython", "any")
"""The values of Settings.preempt."""


@dataclass(frozen=True)
class Settings:
    """How a program is recorded; the same settings and program give the same trace."""

    seed: int = 0
    max_frames: int = 100_000
    step_timeout: float = 10.0
    """Wall seconds one step may run without giving control back before it is stopped."""
    switch_interval: float = 0.005
    """Virtual CPU seconds a thread runs before it drops the GIL for a waiting thread (CPython's 5 ms)."""
    bytecode_cost: float = 3e-8
    """Virtual seconds one bytecode instruction costs, in the program's own code and in the
    standard library's Python code it calls (calibrated: tests/benchmarks/bench_cpu_model.py)."""
    cores: int = 4
    """Simulated CPUs that processes run on in parallel."""
    latency: float = 0.025
    """One-way delay of the simulated network, in virtual seconds."""
    bandwidth: float = 1_000_000.0
    """Bytes per virtual second one connection of the simulated network carries."""
    preempt: str = "cpython"
    """Where a thread can lose the GIL: "cpython", only where the running CPython checks for a
    switch (a backward jump, a function's start, after a call); "any", between any two
    instructions, as the language permits (free-threaded builds, other interpreters)."""
    policy: str = "first"
    """Who picks at the engine's decision point (tui.engine.schedule): "first" (the default, as
    CPython's usual order), "random:SEED", "walk:SEED", "pct:SEED:DEPTH:STEPS", or "replay:I,J,..."
    and "replay:@FILE" (a run's `schedule`, again)."""
    memory: int = 0
    """The recording's memory cap in bytes; 0 means the default (default_memory_cap())."""
    program_args: tuple[str, ...] = ()
    """What the program finds in sys.argv[1:] (given after `--` on the command line)."""

    def argv(self) -> list[str]:
        """These settings as command-line options of the recording process."""
        out: list[str] = []
        for field in fields(self):
            if field.name != "program_args" and not self._is_omitted(field.name):
                out += [f"--{field.name.replace('_', '-')}", str(getattr(self, field.name))]
        return [*out, "--", *self.program_args]

    def _is_omitted(self, name: str) -> bool:
        """Left out of the trace's header and the argv at their defaults, so that traces made before
        these settings existed, and on machines with other memory, stay alike."""
        return (name == "memory" and not self.memory) or (name == "policy" and self.policy == "first")

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        for name in ("memory", "policy"):
            if self._is_omitted(name):
                del values[name]
        return values


MAX_STEP_TIMEOUT = 1e6
"""Eleven days: a wait longer than the system's select() can take (about 24 days) would overflow."""
MAX_CORES = 1024
"""The simulated machine keeps state per core; more than this is not a machine anyone has."""
MAX_DEFAULT_MEMORY = 4 << 30
MIN_MEMORY = 64 << 20
"""Below this the interpreter and the engine alone would not fit."""
_SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def default_memory_cap() -> int:
    """A quarter of the machine's memory, and at most 4 GiB: a runaway program leaves the machine usable."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return MAX_DEFAULT_MEMORY
    return min(total // 4, MAX_DEFAULT_MEMORY)


def memory_cap(settings: Settings) -> int:
    return settings.memory or default_memory_cap()


def format_size(size: float) -> str:
    """`4 GiB`, `512 MiB`: how the cap is written back to the user."""
    for unit, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size >= unit:
            return f"{size / unit:.3g} {name}"
    return f"{size:g} bytes"


def _size(text: str) -> int:
    """`512M`, `2G`, `1.5GiB`, `800000000`: a memory size (binary units), at least 64 MiB."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([KMGT]?)(?:i?B)?\s*", text, re.IGNORECASE)
    if match is None:
        raise argparse.ArgumentTypeError(f"not a size (e.g. 512M, 2G): {text!r}")
    size = int(float(match.group(1)) * _SIZE_UNITS[match.group(2).upper()])
    if size < MIN_MEMORY:
        raise argparse.ArgumentTypeError(f"must be at least 64M: {text}")
    return size


def _policy(text: str) -> str:
    try:
        parse_policy(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _positive(kind: type, *, zero: bool = False, maximum: float | None = None) -> Any:
    """A parser of numbers above 0 (or from 0, with `zero`), at most `maximum`, and always finite:
    inf and nan are refused."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a {'whole ' if kind is int else ''}number: {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number: {text}")
        if value < 0 or (value == 0 and not zero):
            raise argparse.ArgumentTypeError(f"must be {'0 or more' if zero else 'more than 0'}: {text}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum:g}: {text}")
        return value

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Settings()
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed for random (default 0)")
    parser.add_argument(
        "--max-frames", type=_positive(int), default=defaults.max_frames, help="stop after N frames (100000)"
    )
    parser.add_argument(
        "--step-timeout",
        type=_positive(float, maximum=MAX_STEP_TIMEOUT),
        default=defaults.step_timeout,
        help="seconds one step may run before it is stopped as a runaway: CPU in virtual time where"
        " instructions are counted (threads), wall time otherwise (10)",
    )
    parser.add_argument(
        "--switch-interval",
        type=_positive(float),
        default=defaults.switch_interval,
        help="virtual CPU seconds before a thread drops the GIL for a waiting one (0.005)",
    )
    parser.add_argument(
        "--bytecode-cost",
        type=_positive(float),
        default=defaults.bytecode_cost,
        help="virtual seconds per bytecode instruction of the program's code and the library code it calls (3e-08)",
    )
    parser.add_argument(
        "--preempt",
        choices=PREEMPT_MODELS,
        default=defaults.preempt,
        help="where threads can switch: 'cpython' (at backward jumps, function starts and after calls,"
        " as CPython does; the default) or 'any' (between any two instructions, as the language permits)",
    )
    parser.add_argument(
        "--policy",
        type=_policy,
        default=defaults.policy,
        help="who runs next where a real runtime could pick either: 'first' (the default),"
        " 'random:SEED' (who takes the GIL), 'walk:SEED' (that, and slices cut short at random),"
        " 'pct:SEED:DEPTH:STEPS', or 'replay:I,J,...' / 'replay:@S.json' (a run's schedule, again)",
    )
    parser.add_argument(
        "--memory",
        type=_size,
        default=defaults.memory,
        help="memory the recording may use before it is stopped, e.g. 512M or 2G"
        f" (a quarter of this machine's memory, at most 4G: {format_size(default_memory_cap())})",
    )
    parser.add_argument(
        "--cores", type=_positive(int, maximum=MAX_CORES), default=defaults.cores, help="simulated CPUs (4)"
    )
    parser.add_argument(
        "--latency",
        type=_positive(float, zero=True),
        default=defaults.latency,
        help="simulated network one-way delay, seconds (0.025)",
    )
    parser.add_argument(
        "--bandwidth",
        type=_positive(float),
        default=defaults.bandwidth,
        help="simulated network bytes per second per connection (1000000)",
    )


def from_arguments(args: argparse.Namespace, program_args: list[str] | tuple[str, ...] = ()) -> Settings:
    values = {field.name: getattr(args, field.name) for field in fields(Settings) if field.name != "program_args"}
    return Settings(**values, program_args=tuple(program_args))
