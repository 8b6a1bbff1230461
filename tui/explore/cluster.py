"""Provides explore's `--cluster`: a search's schedules recorded on the workers of a Dask cluster.

Dask's distributed scheduler does the distributing (its `concurrent.futures`
executor, `Client.get_executor()`); this module only connects to it, checks
that its workers record as this machine would, and ships the program. It is
imported only with `--cluster`, and Dask (`pip install concur-tui[cluster]`)
only from here.

What runs where: the search itself (which schedule comes next, the lowest
failing index, the report) and its first run (which tells PCT how many
decisions a run has) stay on this machine, and so does the shrink, which is
sequential (each trial starts from the one before) and would gain nothing
but a round trip per run. Every other schedule is one task on a worker,
which starts a recording process of its own there.

Identical results: a schedule is named by (strategy, seed, index) alone, so
a worker records the same run this machine would, given the same program,
CPython, concur-tui and settings. The program's bytes travel with each task
with their SHA-256; a worker records the file at the same path when it holds
those very bytes (so a shared folder, with its sibling modules, just works),
else a copy of the shipped bytes under the same name in a folder of its own.
Every task checks the worker's CPython and concur-tui versions against this
machine's, and the memory cap is this machine's default, not the worker's.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import os
import platform
import re
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from typing import Any, ParamSpec, TypeVar, cast

from tui import __version__
from tui.engine.settings import Settings, memory_cap
from tui.explore.runs import RunResult, run_schedule

CONNECT_TIMEOUT = 5.0
"""Seconds to reach the scheduler (and for it to answer) before --cluster is refused."""
STRATEGIES = ("pct", "random")
"""The strategies whose schedules are independent of each other, so any worker may record any of them."""
ADDRESS = re.compile(r"(?P<scheme>tcp|tls)://(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+):(?P<port>\d{1,5})")
"""A Dask scheduler's address: tcp://HOST:PORT (tls:// with Dask's own security settings)."""

DaskClient = Any
"""A distributed.Client: named loosely, as some of its methods (get_executor, close) are not annotated."""

P = ParamSpec("P")
T = TypeVar("T")


class ClusterError(Exception):
    """Why --cluster cannot be used, in one line."""


class WorkerMismatch(ClusterError):
    """Raised on a worker that would not record as this machine does (another CPython or concur-tui)."""


def versions() -> tuple[str, str]:
    """(CPython's version, concur-tui's): what a schedule file records, and what a run depends on."""
    return platform.python_version(), __version__


@dataclass(frozen=True)
class Program:
    """The program's bytes, shipped with every task, and their SHA-256."""

    path: str
    source: bytes
    sha256: str

    @classmethod
    def read(cls, path: str) -> Program:
        with open(path, "rb") as file:
            source = file.read()
        return cls(path, source, hashlib.sha256(source).hexdigest())


_copies: dict[str, str] = {}
"""On a worker: the shipped programs' copies, by SHA-256 (one per program for the worker's life)."""
_copies_lock = threading.Lock()


def _path_on_worker(program: Program) -> str:
    """Where this worker finds the program's very bytes: its own path, else a copy of them."""
    if hashlib.sha256(program.source).hexdigest() != program.sha256:
        raise ClusterError(f"the program {program.path} arrived damaged (its SHA-256 is not the one sent)")
    try:
        with open(program.path, "rb") as file:
            if hashlib.sha256(file.read()).hexdigest() == program.sha256:
                return program.path
    except OSError:
        pass  # not on this machine, or not readable here: the shipped copy is recorded
    with _copies_lock:
        copy = _copies.get(program.sha256)
        if copy is None or not os.path.exists(copy):
            folder = tempfile.mkdtemp(prefix="concur-tui-cluster-")
            atexit.register(shutil.rmtree, folder, True)
            # The same file name: tracebacks and the failure's `file:line` name it.
            copy = os.path.join(folder, os.path.basename(program.path))
            with open(copy, "wb") as file:
                file.write(program.source)
            with open(copy, "rb") as file:
                if hashlib.sha256(file.read()).hexdigest() != program.sha256:
                    raise ClusterError(f"the copy of {program.path} at {copy} does not read back as sent")
            _copies[program.sha256] = copy
    return copy


def run_on_worker(program: Program, options: Settings, policy: str, index: int, expected: tuple[str, str]) -> RunResult:
    """One schedule's run, on a worker: run_schedule on the program's bytes, by a worker like this machine."""
    if versions() != expected:
        python, concur_tui = versions()
        raise WorkerMismatch(
            f"a worker runs CPython {python} and concur-tui {concur_tui}, this machine CPython {expected[0]}"
            f" and concur-tui {expected[1]}: its schedules would not be this machine's"
        )
    return run_schedule(_path_on_worker(program), options, policy, index)


class ClusterExecutor(Executor):
    """The search's executor on a cluster: each `submit(run_schedule, path, options, policy, index)`
    becomes a task of Dask's executor running run_on_worker, the program's bytes with it."""

    def __init__(self, client: DaskClient, program: Program) -> None:
        self._dask = client.get_executor(pure=False)  # each run is a process of its own, never a cached value
        self._program = program

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        if fn is not run_schedule or kwargs or len(args) != 4 or args[0] != self._program.path:
            raise TypeError("a cluster runs run_schedule(path, options, policy, index) on its program only")
        _path, options, policy, index = args
        assert isinstance(options, Settings)
        # The memory cap as this machine sets it by default, not by each worker's memory.
        pinned = replace(options, memory=memory_cap(options))
        future = self._dask.submit(run_on_worker, self._program, pinned, policy, index, versions())
        return cast("Future[T]", future)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._dask.shutdown(wait=wait and not cancel_futures)


@dataclass
class Cluster:
    """A connected Dask client, its workers' threads when it connected, and the program it ships."""

    client: DaskClient
    address: str
    threads: int
    program: Program

    def executor(self, jobs: int) -> Executor:
        """explore's pool: the search keeps 2 x `jobs` schedules submitted (Dask runs what its workers can)."""
        return ClusterExecutor(self.client, self.program)

    def close(self) -> None:
        self.client.close()


def check_address(address: str) -> None:
    """ClusterError unless `address` reads as a scheduler's address (refused before Dask is imported)."""
    match = ADDRESS.fullmatch(address)
    if match is None or not 0 < int(match["port"]) < 65536:
        raise ClusterError(f"--cluster needs a Dask scheduler's address, tcp://HOST:PORT, not {address!r}")


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ClusterError("--cluster needs Dask's distributed: install concur-tui[cluster]") from None
    return distributed


async def _identity(address: str) -> dict[str, Any]:
    from distributed.core import rpc

    async with cast(Any, rpc)(address, timeout=CONNECT_TIMEOUT) as scheduler:
        return cast("dict[str, Any]", await asyncio.wait_for(scheduler.identity(), CONNECT_TIMEOUT))


def connect(address: str, path: str) -> Cluster:
    """Connect to the scheduler at `address` (within CONNECT_TIMEOUT), or ClusterError in one line.

    The scheduler is asked who it is first, on a connection of our own: a
    Dask Client that fails to start lingers in its own close for twice its
    timeout and prints a traceback when collected.
    """
    check_address(address)
    distributed = _import_distributed()
    try:
        identity = asyncio.run(_identity(address))
    except OSError as exc:  # Dask retries a refused connection until its timeout, and says so
        reason = _one_line(exc) if isinstance(exc, socket.gaierror) else f"no answer within {CONNECT_TIMEOUT:g} s"
        raise ClusterError(f"cannot reach a Dask scheduler at {address}: {reason}") from None
    except Exception as exc:  # something listens there, and it does not speak Dask's protocol
        raise ClusterError(f"{address} does not answer as a Dask scheduler: {_one_line(exc)}") from None
    if identity.get("type") != "Scheduler":
        raise ClusterError(f"{address} is not a Dask scheduler (it says it is a {identity.get('type')!r})")
    try:
        program = Program.read(path)
    except OSError as exc:
        raise ClusterError(f"cannot read {path}: {exc.strerror or exc}") from None
    client = distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except TimeoutError:
        client.close()
        raise ClusterError(f"the Dask scheduler at {address} has no workers") from None
    threads = sum(client.nthreads().values())
    try:
        found = client.run(versions)
    except Exception as exc:  # whatever a worker raised: most often concur-tui is not importable there
        client.close()
        raise ClusterError(f"the workers at {address} cannot run concur-tui: {_one_line(exc)}") from None
    mismatched = {worker: tuple(theirs) for worker, theirs in found.items() if tuple(theirs) != versions()}
    if mismatched:
        client.close()
        worker, (python, concur_tui) = sorted(mismatched.items())[0]
        here = versions()
        raise ClusterError(
            f"the worker {worker} runs CPython {python} and concur-tui {concur_tui}, this machine CPython"
            f" {here[0]} and concur-tui {here[1]}: its schedules would not be this machine's"
        )
    return Cluster(client, address, threads, program)


def failures() -> tuple[type[BaseException], ...]:
    """What a search on the cluster may end with besides its result: a refusal, a worker that died
    on every try (Dask's KilledWorker), a lost scheduler (a closed connection, a cancelled task)."""
    from concurrent.futures import CancelledError

    from distributed import KilledWorker

    return ClusterError, KilledWorker, CancelledError, OSError


def describe(exc: BaseException, address: str) -> str:
    """A failure of `failures()` in one line."""
    if isinstance(exc, ClusterError):
        return str(exc)
    return f"the search on the cluster at {address} failed: {_one_line(exc)}"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
