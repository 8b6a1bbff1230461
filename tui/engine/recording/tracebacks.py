"""Provides the user's view of an exception: only their own frames, as Python prints them."""

from __future__ import annotations

import traceback
from typing import Any

from tui.engine.sites import Sites, is_user_file


def traceback_sites(sites: Sites, tb: Any, limit: int = 12) -> list[int]:
    """Site ids of the user's frames in a traceback, outermost first."""
    found = []
    while tb is not None:
        code = tb.tb_frame.f_code
        if sites.is_user(code):
            found.append(sites.site(code, tb.tb_lineno))
        tb = tb.tb_next
    return found[-limit:]


def _strip_engine_frames(te: traceback.TracebackException, sites: Sites, seen: set[int]) -> None:
    if id(te) in seen:
        return
    seen.add(id(te))
    kept = [fs for fs in te.stack if is_user_file(fs.filename)]
    for summary in kept:
        summary.filename = sites.display_path(summary.filename)  # scenario-relative, like the frames
    te.stack = traceback.StackSummary.from_list(kept)
    for child in (te.__cause__, te.__context__):
        if child is not None:
            _strip_engine_frames(child, sites, seen)
    for child in getattr(te, "exceptions", None) or ():
        _strip_engine_frames(child, sites, seen)


def user_exception_report(sites: Sites, exc: BaseException) -> dict[str, Any]:
    """type, message, traceback text, site ids and `file:line` of the user's innermost frame."""
    te = traceback.TracebackException.from_exception(exc)
    _strip_engine_frames(te, sites, set())
    where = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if sites.is_user(code):
            where = f"{sites.display_path(code.co_filename)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return {
        "type": type(exc).__name__,
        "message": str(exc),
        "traceback": "".join(te.format()),
        "at": traceback_sites(sites, exc.__traceback__),
        "where": where,
    }
