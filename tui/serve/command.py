"""Provides the `concur-tui serve` command: its options, what it says at start, and its life until a signal.

Only `add_parser` runs when the CLI starts; asyncssh is imported by `run`.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import signal
import sys
from pathlib import Path
from typing import Any

from tui import scenarios

DEFAULT_PORT = 2222
DEFAULT_MAX_SESSIONS = 32
"""A class of thirty and the presenter. Each session is an app and a recording: tens of MB each."""
EXIT_OK = 0
EXIT_USAGE = 2
PREFIX = "concur-tui serve"


class ServeError(Exception):
    """The server cannot start as asked: one line on stderr, exit status 2."""


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser(
        "serve",
        help="serve the app over SSH: others run it with a plain `ssh -p 2222 HOST` (pip install concur-tui[serve])",
        description="Serve the app over SSH, each connection's in its own process on a terminal of its size."
        " A viewer can open only the programs given (a DIR: its .py files; none: the bundled lessons)."
        " Authentication is always required: the keys of --authorized-keys, else a password printed at start.",
    )
    parser.add_argument("paths", nargs="*", metavar="FILE|DIR", help="the programs to serve (default: the lessons)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1: this machine only)"
    )
    parser.add_argument(
        "--port",
        type=_number("--port", 0, 65535),
        default=DEFAULT_PORT,
        help=f"default {DEFAULT_PORT}; 0: any free one",
    )
    parser.add_argument(
        "--authorized-keys",
        metavar="PATH",
        help="the public keys allowed in (OpenSSH's authorized_keys format); without it, a one-time password",
    )
    parser.add_argument(
        "--max-sessions",
        type=_number("--max-sessions", 1, 10_000),
        default=DEFAULT_MAX_SESSIONS,
        help=f"sessions at once; one more is refused in one line (default {DEFAULT_MAX_SESSIONS})",
    )


def _number(option: str, low: int, high: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} takes a number, not {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{option} takes a number from {low} to {high}")
        return value

    return parse


def served_programs(given: list[str]) -> tuple[list[Path], Path | None]:
    """The FILEs and DIRs to serve, checked, and the program each session opens first (None: the picker).

    Nothing given serves the bundled lessons, opening on the default one, as `concur-tui` does.
    """
    if not given:
        return [scenarios.bundled_dir()], scenarios.default_path()
    paths = []
    for text in given:
        path = scenarios.resolve(text)
        if not path.exists():
            raise ServeError(f"no such file or folder: {text}")
        if path.is_file() and path.suffix != ".py":
            raise ServeError(f"{text} is not a Python program (.py): only programs and folders of them are served")
        paths.append(path.resolve())
    found = scenarios.served(paths)
    if not found:
        raise ServeError(f"no Python program in {', '.join(given)}")
    one_file = len(paths) == 1 and paths[0].is_file()
    return paths, paths[0] if one_file else None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def say(line: str) -> None:
    """What the server says at start, on stderr with its log (the password and fingerprint among it)."""
    print(f"{PREFIX}: {line}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    try:
        from tui.serve.ssh import asyncssh  # noqa: F401 (the extra's one dependency: said plainly if missing)
    except ImportError:
        print(f"{PREFIX}: needs asyncssh: pip install 'concur-tui[serve]'", file=sys.stderr)
        return EXIT_USAGE
    from tui.serve.auth import AuthError
    from tui.serve.hostkey import HostKeyError

    try:
        return asyncio.run(_serve(args))
    except (ServeError, AuthError, HostKeyError) as exc:
        print(f"{PREFIX}: {exc}", file=sys.stderr)
        return EXIT_USAGE


async def _serve(args: argparse.Namespace) -> int:
    from tui.serve import hostkey
    from tui.serve.auth import Credentials, one_time_password, read_authorized_keys
    from tui.serve.server import Served, log, start_server

    programs, first = served_programs(args.paths)
    if args.authorized_keys is not None:
        credentials = Credentials(keys=read_authorized_keys(Path(args.authorized_keys).expanduser()))
    else:
        credentials = Credentials(password=one_time_password())
    key_path = hostkey.host_key_path()
    key, made = hostkey.load_or_create(key_path)
    served = Served(programs, first, credentials, args.max_sessions)
    try:
        acceptor = await start_server(served, args.host, args.port, key)
    except OSError as exc:
        raise ServeError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None

    say(f"host key {hostkey.fingerprint(key)} ({'made now, ' if made else ''}kept in {key_path})")
    if credentials.password is not None:
        say(f"password for this run: {credentials.password} (any user name; --authorized-keys PATH for keys instead)")
    else:
        say(f"authentication: the keys in {args.authorized_keys}")
    count = len(scenarios.served(programs))
    what = first.name if first is not None else f"{count} programs"
    say(f"serving {what}; at most {args.max_sessions} sessions at once")
    if not _is_loopback(args.host):
        say(f"warning: {args.host} is reachable from other machines, as the class needs; stop me when it is over")
    port = acceptor.get_port()
    target = args.host if _is_loopback(args.host) or args.host not in ("0.0.0.0", "::", "") else "THIS-MACHINE"
    say(f"listening on {args.host}:{port}: connect with  ssh -p {port} {target}")

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        acceptor.close()
        sessions = len(served.apps)
        await served.end_all()
        await acceptor.wait_closed()
        log(f"{PREFIX}: stopped; {sessions} session(s) ended")
    return EXIT_OK
