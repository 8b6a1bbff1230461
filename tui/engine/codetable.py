"""Provides CodeTable: a mapping keyed by code objects, by identity, that is cheap to ask.

The engine asks "what do I know about this code object?" at every frame, call
and branch. Keying a dict by the code object hashes it, and a code object's
hash is not cached (on 3.12+ it walks the bytecode: about a microsecond).
Keying by id(code) is no better once a program installs an audit hook
(PEP 578): `id()` is an audited event, and each costs about half a
microsecond then. A code object's qualified name is a
string whose hash is cached, and nearly always names one code object: that is
the key, with the code object itself checked by identity. The few code
objects sharing a name (`<module>`, two lambdas of one function) fall back to
a table keyed by id().

Invariant: every code object with an entry is kept alive by it (entries are
never removed), so no other code object can later get its id.
"""

from __future__ import annotations

from types import CodeType
from typing import Generic, TypeVar

V = TypeVar("V")


class CodeTable(Generic[V]):
    """code object -> V, by identity. Hot paths inline `get()` (see its body)."""

    __slots__ = ("by_name", "others")

    def __init__(self) -> None:
        self.by_name: dict[str, tuple[CodeType, V]] = {}
        """The first code object seen with each qualified name, and its value."""
        self.others: dict[int, tuple[CodeType, V]] = {}
        """Code objects whose name an earlier one took, by id()."""

    def get(self, code: CodeType) -> V | None:
        entry = self.by_name.get(code.co_qualname)
        if entry is not None and entry[0] is code:
            return entry[1]
        return self.get_other(code)

    def get_other(self, code: CodeType) -> V | None:
        """The slow half of get(): a code object that shares its name with an earlier one."""
        if not self.others:
            return None
        entry = self.others.get(id(code))
        return entry[1] if entry is not None else None

    def set(self, code: CodeType, value: V) -> None:
        name = code.co_qualname
        entry = self.by_name.get(name)
        if entry is None or entry[0] is code:
            self.by_name[name] = (code, value)
        else:
            self.others[id(code)] = (code, value)

    def __bool__(self) -> bool:
        return bool(self.by_name or self.others)

    def clear(self) -> None:
        self.by_name.clear()
        self.others.clear()

    def items(self) -> list[tuple[CodeType, V]]:
        return [*self.by_name.values(), *self.others.values()]
