"""Provides the server's host key: made on first run, kept private (0600) in the user's config folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tui.serve.ssh import asyncssh

HOST_KEY_NAME = "ssh_host_ed25519_key"


class HostKeyError(Exception):
    """The host key cannot be made, read or trusted: one line for the user."""


def config_dir() -> Path:
    """`$XDG_CONFIG_HOME/concur-tui`, or `~/.config/concur-tui` (the XDG base directory rule)."""
    base = os.environ.get("XDG_CONFIG_HOME") or ""
    root = Path(base) if os.path.isabs(base) else Path.home() / ".config"  # a relative value is to be ignored
    return root / "concur-tui"


def host_key_path() -> Path:
    return config_dir() / HOST_KEY_NAME


def load_or_create(path: Path) -> tuple[asyncssh.SSHKey, bool]:
    """The key at `path`, made there first if there is none; and whether it was made now.

    As sshd does, a key that others may read is refused rather than used: it
    may have been copied, and anyone holding it can pose as this server.
    """
    if not path.exists():
        return _create(path), True
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise HostKeyError(
            f"the host key {path} can be read by others (mode {stat.S_IMODE(mode):o}): chmod 600 it, or remove it"
            " to make a new one"
        )
    try:
        return asyncssh.read_private_key(path), False
    except (OSError, asyncssh.KeyImportError) as exc:
        raise HostKeyError(f"cannot read the host key {path}: {exc}") from None


def _create(path: Path) -> asyncssh.SSHKey:
    key = asyncssh.generate_private_key("ssh-ed25519", comment="concur-tui serve")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # O_EXCL: two servers starting at once never overwrite each other's key; 0600 from the first byte.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key.export_private_key())
    except FileExistsError:
        return load_or_create(path)[0]
    except OSError as exc:
        raise HostKeyError(f"cannot write the host key {path}: {exc.strerror or exc}") from None
    return key


def fingerprint(key: asyncssh.SSHKey) -> str:
    """`SHA256:...`, as `ssh` shows it when it first meets the server."""
    return key.get_fingerprint("sha256")
