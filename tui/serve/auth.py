"""Provides who may connect: the keys of an authorized_keys file, or else a password made for this run."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

from tui.serve.ssh import asyncssh

PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Letters and digits a student can read off a projector: no 0/o, 1/l/i."""
PASSWORD_GROUPS = 3
PASSWORD_GROUP_LENGTH = 5
"""Three groups of five: 73 bits, far beyond guessing over the network (each wrong guess also waits)."""


class AuthError(Exception):
    """The authorized_keys file cannot be used: one line for the user."""


def one_time_password() -> str:
    """A fresh random password for this run of the server only (`abcde-fghjk-mnpqr`)."""

    def group() -> str:
        return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH))

    return "-".join(group() for _ in range(PASSWORD_GROUPS))


@dataclass(frozen=True)
class Credentials:
    """Exactly one way in: the keys of an authorized_keys file, or the run's password. Never neither."""

    keys: asyncssh.SSHAuthorizedKeys | None = None
    password: str | None = None

    def __post_init__(self) -> None:
        if (self.keys is None) == (self.password is None):
            raise ValueError("Credentials take keys or a password, exactly one of them")

    def password_matches(self, given: str) -> bool:
        """In constant time: how long a comparison takes says nothing about the password."""
        return self.password is not None and hmac.compare_digest(given.encode(), self.password.encode())

    def key_allowed(self, key: asyncssh.SSHKey, client_host: str, client_addr: str) -> bool:
        """Whether the file lists `key`, with its `from=` restriction (if any) matching the client."""
        return self.keys is not None and self.keys.validate(key, client_host, client_addr) is not None


def read_authorized_keys(path: Path) -> asyncssh.SSHAuthorizedKeys:
    """The keys listed in `path` (OpenSSH's authorized_keys format); AuthError if none can be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AuthError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
        raise AuthError(f"{path} lists no key: nobody could connect")
    try:
        return asyncssh.import_authorized_keys(text)
    except (ValueError, asyncssh.KeyImportError) as exc:
        raise AuthError(f"{path} is not an authorized_keys file: {exc}") from None
