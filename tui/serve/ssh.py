"""Provides asyncssh, imported once, without the deprecation notes its import prints about DSA keys."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    # cryptography warns, at asyncssh's import, that DSA keys are deprecated: not this program's to act on.
    warnings.simplefilter("ignore")
    import asyncssh

__all__ = ["asyncssh"]
