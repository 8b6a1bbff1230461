"""`concur-tui explore --cluster`: schedules recorded on a Dask cluster's workers, with a local run's results.

A LocalCluster of two worker processes stands in for the cluster: the same
FILE, seed and budget must give the same report and the same saved schedule,
byte for byte, as a run on this machine; what --cluster cannot do is refused
in one line.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_explore import DEADLOCKS, LOCKED_UPDATES, LOSES_UPDATES

import tui
from tui import cli
from tui.explore import cluster
from tui.explore.runs import run_schedule
from tui.sources import Settings

pytestmark = pytest.mark.slow  # a cluster of worker processes, each starting recordings of its own

CLI = [sys.executable, "-m", "tui"]


def _where_tui_is() -> str:
    return os.path.dirname(tui.__file__)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A local Dask cluster of two worker processes (one thread each); nothing of it outlives the module."""
    import distributed
    import psutil  # a dependency of distributed's

    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, host="127.0.0.1"
    ) as local:
        with distributed.Client(local.scheduler_address, set_as_default=False) as client:
            # The workers record this checkout's code, not some other installed concur-tui.
            assert set(client.run(_where_tui_is).values()) == {_where_tui_is()}
        try:
            yield local.scheduler_address
        finally:
            # Everything started under this process: the workers and any recording they still run;
            # but multiprocessing's resource tracker, which serves every spawn of this interpreter, for its life.
            started = [
                process
                for process in psutil.Process().children(recursive=True)
                if "multiprocessing.resource_tracker" not in " ".join(process.cmdline())
            ]
    _gone, alive = psutil.wait_procs(started, timeout=30)
    assert not alive, f"outlived the cluster: {[process.cmdline() for process in alive]}"


def concur(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd)


def explore_both_ways(tmp_path: Path, program: Path, address: str, *options: str) -> tuple[tuple[int, str, bytes], ...]:
    """(exit status, stdout, saved schedule) of a local run, then of the same search on the cluster."""
    out = tmp_path / "found.schedule.json"
    runs = []
    for where in ([], ["--cluster", address]):
        out.unlink(missing_ok=True)
        done = concur("explore", str(program), "--out", str(out), *options, *where, cwd=tmp_path)
        assert done.returncode in (0, 1), done.stdout + done.stderr
        runs.append((done.returncode, done.stdout, out.read_bytes() if out.exists() else b""))
    return tuple(runs)


@pytest.mark.parametrize(
    ("body", "options"),
    [
        (DEADLOCKS, ["--strategy", "random", "--seed", "3"]),
        (LOSES_UPDATES, ["--strategy", "pct", "--jobs", "3"]),  # three in flight on two workers
    ],
    ids=["lock-order-deadlock", "lost-update"],
)
def test_the_cluster_finds_the_same_failure_and_saves_the_same_schedule_as_a_local_run(
    tmp_path: Path, scheduler: str, body: str, options: list[str]
) -> None:
    program = tmp_path / "program.py"
    program.write_text(body, encoding="utf-8")
    local, on_cluster = explore_both_ways(tmp_path, program, scheduler, "--budget", "100", *options)
    assert local[0] == 1 and local[1].startswith("Found a failure in schedule"), local
    assert on_cluster == local  # the report, and the shrunk schedule's bytes


def test_a_fixed_program_finds_nothing_on_the_cluster_either(tmp_path: Path, scheduler: str) -> None:
    program = tmp_path / "counter_locked.py"
    program.write_text(LOCKED_UPDATES, encoding="utf-8")
    local, on_cluster = explore_both_ways(tmp_path, program, scheduler, "--budget", "20")
    assert local == (0, local[1], b"") and local[1].startswith("No failure in 20 schedules of counter_locked.py")
    assert on_cluster == local  # the same count of distinct runs too


def test_a_worker_without_the_file_records_the_shipped_bytes_alike(tmp_path: Path) -> None:
    program = tmp_path / "counter.py"
    program.write_text(LOSES_UPDATES, encoding="utf-8")
    shipped = cluster.Program.read(str(program))
    elsewhere = cluster.Program(str(tmp_path / "not-on-this-worker" / "counter.py"), shipped.source, shipped.sha256)
    options, policy = Settings(), "walk:7"
    here = run_schedule(str(program), options, policy, 5)
    there = cluster.run_on_worker(elsewhere, options, policy, 5, cluster.versions())
    assert there == here  # the same answers, failure and digest, though recorded from a copy

    damaged = cluster.Program(elsewhere.path, shipped.source + b"\n", shipped.sha256)
    with pytest.raises(cluster.ClusterError, match="arrived damaged"):
        cluster.run_on_worker(damaged, options, policy, 5, cluster.versions())
    with pytest.raises(cluster.WorkerMismatch, match=r"a worker runs CPython .* this machine CPython 2\.7\.18"):
        cluster.run_on_worker(shipped, options, policy, 5, ("2.7.18", tui.__version__))
    assert hashlib.sha256(program.read_bytes()).hexdigest() == shipped.sha256


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_address_nobody_answers_is_refused_in_one_line(tmp_path: Path) -> None:
    program = tmp_path / "transfer.py"
    program.write_text(DEADLOCKS, encoding="utf-8")
    address = f"tcp://127.0.0.1:{_free_port()}"
    done = concur("explore", str(program), "--cluster", address, cwd=tmp_path, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"concur-tui explore: cannot reach a Dask scheduler at {address}: no answer within 5 s"
    ]


@pytest.mark.parametrize("address", ["localhost:8786", "tcp://HOST:PORT", "tcp://[::1]:70000", "inproc://x"])
def test_what_is_not_a_scheduler_address_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], address: str
) -> None:
    program = tmp_path / "transfer.py"
    program.write_text(DEADLOCKS, encoding="utf-8")
    assert cli.main(["explore", str(program), "--cluster", address]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"concur-tui explore: --cluster needs a Dask scheduler's address, tcp://HOST:PORT, not {address!r}"
    ]


def test_without_distributed_it_says_which_extra_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` raises ImportError
    program = tmp_path / "transfer.py"
    program.write_text(DEADLOCKS, encoding="utf-8")
    assert cli.main(["explore", str(program), "--cluster", "tcp://127.0.0.1:8786"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "concur-tui explore: --cluster needs Dask's distributed: install concur-tui[cluster]"
    ]


def test_a_strategy_the_cluster_cannot_split_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "STRATEGIES", ("pct",))  # as for a strategy whose schedules depend on each other
    program = tmp_path / "transfer.py"
    program.write_text(DEADLOCKS, encoding="utf-8")
    assert cli.main(["explore", str(program), "--strategy", "random", "--cluster", "tcp://127.0.0.1:8786"]) == 2
    assert capsys.readouterr().err.splitlines() == ["concur-tui explore: --cluster runs pct only"]
