"""The parts of `concur-tui serve` that need no connection: credentials, the host key, a viewer's environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui.serve import hostkey
from tui.serve.auth import PASSWORD_ALPHABET, AuthError, Credentials, one_time_password, read_authorized_keys
from tui.serve.command import ServeError, served_programs
from tui.serve.server import printable
from tui.serve.session import app_command, viewer_environment
from tui.serve.ssh import asyncssh


def test_there_is_always_exactly_one_way_in() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Credentials()
    keys = asyncssh.import_authorized_keys(asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode())
    with pytest.raises(ValueError, match="exactly one"):
        Credentials(keys=keys, password="both")


def test_a_password_is_fresh_readable_and_checked_whole() -> None:
    first, second = one_time_password(), one_time_password()
    assert first != second
    assert len(first.replace("-", "")) == 15 and set(first.replace("-", "")) <= set(PASSWORD_ALPHABET)
    credentials = Credentials(password=first)
    assert credentials.password_matches(first)
    assert not credentials.password_matches(first[:-1])
    assert not credentials.password_matches("")


def test_only_listed_keys_are_allowed(tmp_path: Path) -> None:
    listed, stranger = (asyncssh.generate_private_key("ssh-ed25519") for _ in range(2))
    path = tmp_path / "authorized_keys"
    path.write_bytes(listed.export_public_key())
    credentials = Credentials(keys=read_authorized_keys(path))
    assert credentials.key_allowed(listed.convert_to_public(), "127.0.0.1", "127.0.0.1")
    assert not credentials.key_allowed(stranger.convert_to_public(), "127.0.0.1", "127.0.0.1")
    assert not Credentials(password="x").key_allowed(listed.convert_to_public(), "127.0.0.1", "127.0.0.1")


def test_an_authorized_keys_file_with_no_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "authorized_keys"
    path.write_text("# nobody yet\n")
    with pytest.raises(AuthError, match="lists no key"):
        read_authorized_keys(path)
    with pytest.raises(AuthError, match="cannot read"):
        read_authorized_keys(tmp_path / "missing")


def test_the_host_key_lives_in_the_config_folder_with_mode_600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = hostkey.host_key_path()
    assert path == tmp_path / "concur-tui" / "ssh_host_ed25519_key"
    key, made = hostkey.load_or_create(path)
    assert made and path.stat().st_mode & 0o777 == 0o600
    again, made_again = hostkey.load_or_create(path)
    assert not made_again and hostkey.fingerprint(again) == hostkey.fingerprint(key)
    path.chmod(0o640)
    with pytest.raises(hostkey.HostKeyError, match="can be read by others"):
        hostkey.load_or_create(path)
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")
    assert hostkey.config_dir() == Path.home() / ".config" / "concur-tui"


def test_a_viewers_app_gets_the_clients_term_and_no_color_and_none_of_the_servers_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hush")
    monkeypatch.setenv("SSH_AUTH_SOCK", "/tmp/agent")
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.setenv("NO_COLOR", "server's")
    env = viewer_environment("vt100", None)
    assert env["TERM"] == "vt100"
    assert not {"AWS_SECRET_ACCESS_KEY", "SSH_AUTH_SOCK", "COLORTERM", "NO_COLOR"} & set(env)
    assert env.get("PATH") == os.environ.get("PATH")
    assert viewer_environment(None, "1")["NO_COLOR"] == "1"
    assert viewer_environment(None, None)["TERM"] == "xterm-256color"


def test_the_app_is_an_ordinary_concur_tui_started_through_the_terminal_step(tmp_path: Path) -> None:
    command = app_command([tmp_path], None)
    assert command[1:3] == ["-m", "tui.serve.tty"]
    assert command[4:] == [command[0], "-m", "tui", "--only", str(tmp_path)]


def test_served_programs_are_programs_and_folders_that_exist(tmp_path: Path) -> None:
    program = tmp_path / "demo.py"
    program.write_text("print(1)\n")
    assert served_programs([str(program)]) == ([program.resolve()], program.resolve())
    assert served_programs([str(tmp_path)]) == ([tmp_path.resolve()], None)
    with pytest.raises(ServeError, match="no such file"):
        served_programs([str(tmp_path / "nope.py")])
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ServeError, match="not a Python program"):
        served_programs([str(tmp_path / "notes.txt")])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ServeError, match="no Python program"):
        served_programs([str(empty)])
    programs, first = served_programs([])
    assert len(programs) == 1 and programs[0].is_dir()
    assert first is not None and first.name == "04_lock_contention.py"


def test_a_clients_user_name_reaches_the_log_inert() -> None:
    assert printable("eve\x1b]0;owned\x07") == "eve\\x1b]0;owned\\x07"
    assert len(printable("x" * 500)) == 80


def test_only_refuses_a_file_outside_the_served_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tui import cli

    served = tmp_path / "served.py"
    served.write_text("print(1)\n")
    other = tmp_path / "other.py"
    other.write_text("print(2)\n")
    assert cli.main([str(other), "--only", str(served)]) == cli.EXIT_USAGE
    assert "is not among the --only programs" in capsys.readouterr().err
    assert cli.main(["--only", str(tmp_path / "missing")]) == cli.EXIT_USAGE
    assert "no such file or folder" in capsys.readouterr().err
    assert cli.main([str(served), "--only", str(served), "--schedule", "s.json"]) == cli.EXIT_USAGE
    assert "do not go together" in capsys.readouterr().err
