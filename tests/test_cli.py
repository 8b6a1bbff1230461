"""The `concur-tui` command: exit statuses, JSON Lines output, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tui.scenarios import DEFAULT_SCENARIO, bundled

pytestmark = pytest.mark.slow  # every test runs the concur-tui command in its own process

CLI = [sys.executable, "-m", "tui"]


def concur(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


def write(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return str(path)


OK = (
    "import asyncio\nasync def main():\n    await asyncio.sleep(2)\n    print('hi')\n    return 5\n"
    "asyncio.run(main())\n"
)
RAISES = "import asyncio\nasync def main():\n    raise RuntimeError('nope')\nasyncio.run(main())\n"
DEADLOCK = "import asyncio\nasync def main():\n    await asyncio.Event().wait()\nasyncio.run(main())\n"
ENDLESS = "import asyncio\nasync def main():\n    while True:\n        await asyncio.sleep(1)\nasyncio.run(main())\n"


def test_json_output_is_one_object_per_frame_then_a_summary(tmp_path: Path) -> None:
    done = concur("trace", write(tmp_path, "ok.py", OK), "--json")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    records = [json.loads(line) for line in lines]
    frames, summary = records[:-1], records[-1]["summary"]
    assert [f["i"] for f in frames] == list(range(len(frames)))
    assert summary["frames"] == len(frames)
    for key in ("outcome", "frames", "virtual_time", "result", "stdout"):
        assert key in summary
    assert (summary["outcome"], summary["virtual_time"], summary["result"], summary["stdout"]) == (
        "completed",
        2.0,
        "5",
        "hi\n",
    )
    assert frames[0]["trace"]["version"] == 1


@pytest.mark.parametrize(
    ("body", "status", "outcome"),
    [(OK, 0, "completed"), (RAISES, 1, "exception"), (DEADLOCK, 3, "deadlock"), (ENDLESS, 4, "frame-limit")],
)
def test_exit_status_follows_the_outcome(tmp_path: Path, body: str, status: int, outcome: str) -> None:
    done = concur("trace", write(tmp_path, "prog.py", body), "--json", "--max-frames", "200")
    assert done.returncode == status
    assert json.loads(done.stdout.splitlines()[-1])["summary"]["outcome"] == outcome


def test_the_readable_listing_has_a_line_per_frame_and_the_outcome(tmp_path: Path) -> None:
    done = concur("trace", write(tmp_path, "ok.py", OK))
    assert done.returncode == 0
    frame_lines = [line for line in done.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert len(frame_lines) >= 4
    assert "│ hi" in done.stdout
    assert "outcome: completed" in done.stdout and "result: 5" in done.stdout


def test_a_raising_program_shows_its_traceback_and_exits_1(tmp_path: Path) -> None:
    done = concur("trace", write(tmp_path, "bad.py", RAISES))
    assert done.returncode == 1
    assert "RuntimeError: nope" in done.stdout
    assert "Traceback (most recent call last)" not in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["trace", "/no/such/file.py"], "no such file: /no/such/file.py"),
        (["trace", "--max-frames", "0"], "must be more than 0"),
        (["trace", "--cores", "-2"], "must be more than 0"),
        (["trace", "--max-frames", "many"], "not a whole number"),
        (["trace", "--step-timeout", "inf"], "must be a finite number: inf"),
        (["trace", "--bytecode-cost", "nan"], "must be a finite number: nan"),
        (["trace", "--latency", "-1"], "must be 0 or more: -1"),
        (["trace", "--step-timeout", "1e7"], "must be at most 1e+06: 1e7"),
        (["trace", "--cores", "5000"], "must be at most 1024: 5000"),
        (["trace", "--memory", "lots"], "not a size (e.g. 512M, 2G): 'lots'"),
        (["trace", "--memory", "10M"], "must be at least 64M: 10M"),
        (["trace", "--memory=-1G"], "not a size (e.g. 512M, 2G): '-1G'"),
        (["trace", "--bogus"], "unrecognized arguments: --bogus"),
        (["trace", "."], "is a directory"),
    ],
)
def test_bad_usage_is_one_line_on_stderr_and_status_2(args: list[str], message: str) -> None:
    done = concur(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_a_syntax_error_is_status_2_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.py", "def f(:\n  pass\n")
    done = concur("trace", path, "--json")
    assert done.returncode == 2
    assert done.stderr.strip() == f"concur-tui: error: {path}:1:7: SyntaxError: invalid syntax"


def test_not_utf8_is_status_2(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(b"print('caf\xe9')\n")
    done = concur("trace", str(path))
    assert done.returncode == 2
    assert "not UTF-8" in done.stdout + done.stderr


def test_trace_without_a_file_records_the_default_scenario() -> None:
    done = concur("trace", "--json")
    assert done.returncode == 0
    first = json.loads(done.stdout.splitlines()[0])
    assert first["trace"]["file"] == DEFAULT_SCENARIO


def test_a_bundled_scenario_can_be_named_without_its_path() -> None:
    done = concur("trace", "deadlock", "--json")
    assert done.returncode == 3
    assert json.loads(done.stdout.splitlines()[0])["trace"]["file"] == "11_deadlock.py"


def test_list_shows_every_bundled_scenario_with_its_summary() -> None:
    done = concur("list")
    assert done.returncode == 0
    for scenario in bundled():
        assert scenario.name in done.stdout
        assert scenario.title[:30] in done.stdout
    assert "(default)" in done.stdout


def test_a_reader_that_goes_away_does_not_cause_a_traceback(tmp_path: Path) -> None:
    script = f"{' '.join(CLI)} trace {write(tmp_path, 'ok.py', ENDLESS)} --json --max-frames 5000 | head -1"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert json.loads(done.stdout)["i"] == 0
    assert "Traceback" not in done.stderr


def test_a_reader_that_leaves_the_readable_listing_is_fine_too(tmp_path: Path) -> None:
    """The listing writes its lines in batches itself (not through Rich): a closed pipe ends it quietly, status 0."""
    program = write(tmp_path, "ok.py", ENDLESS)
    script = f"{' '.join(CLI)} trace {program} --max-frames 50000 | head -1; exit ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("     1 t=   0.000s ") and done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr and done.stderr == ""
    assert done.returncode == 0


def test_arguments_after_double_dash_reach_the_program_untouched(tmp_path: Path) -> None:
    program = write(tmp_path, "argv.py", "import sys\nprint(sys.argv[1:])\n")
    done = concur("trace", program, "--json", "--seed", "2", "--", "a", "--seed", "3")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])["summary"]
    assert summary["stdout"] == "['a', '--seed', '3']\n"
