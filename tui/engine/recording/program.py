"""Provides what the recording process reads of a program's source before it runs it: its docstring, its imports."""

from __future__ import annotations

import ast

_CONCURRENCY_MODULES = ("threading", "multiprocessing", "concurrent")


def has_docstring(source: str) -> bool:
    """Does the module start with a docstring (after any BOM, shebang, coding line or comments)?"""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    first = body[0] if body else None
    return isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)


def uses_threads_or_processes(source: str) -> bool:
    """Does the program import threading, multiprocessing or concurrent.futures itself?"""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] in _CONCURRENCY_MODULES for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in _CONCURRENCY_MODULES:
            return True
    return False
