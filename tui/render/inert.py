"""Provides inert(): program text made safe to show, so a terminal never obeys what a program wrote.

A recorded program chooses its output, its task, thread and process names,
its exception messages and even the bytes of its source file. Any of them can
hold a control character or an escape sequence (`ESC ] 0 ; title BEL` sets the
terminal's title, `ESC ] 52 ; c ; ...` writes the clipboard, `ESC [ 2 J` clears
the screen), so every view passes such text through `inert()` before it
reaches a widget, the `trace` listing or a notification. The rendering:

    ESC and every other C0 control   its Unicode control picture: ␛ ␀ ␇ ␈ ␍ (U+2400 + code),
                                     the rest of an escape sequence stays as it is: ␛]0;title␇
    LF                               a line break with `multiline=True`, else ␊
    TAB                              spaces to the next multiple of 8 cells (or `tab_size`)
    DEL                              ␡
    C1 controls U+0080-U+009F        `\\x9b`, as Python spells them
    line/paragraph separators,       `\\u2028`, `\\u202e`...: they break lines or reorder
      bidirectional controls,        text on some terminals, and a lone surrogate
      lone surrogates                cannot be encoded at all

Everything else (wide, combining and right-to-left letters) is left alone;
aligning it is a matter of cell widths (see `tui.render.styles`).

The result holds only printable characters, so `inert(inert(s)) == inert(s)`.
It is not reversible: a program that prints a real `␛` looks the same as one
that prints ESC. Markup is a separate concern: views put program text into
`rich.text.Text` (never parsed as markup) or pass `markup=False`.
"""

from __future__ import annotations

import re

from rich.cells import cell_len

TAB_SIZE = 8

_SHOWN_AS_ESCAPE = (
    *range(0x80, 0xA0),  # C1 controls: U+009B is CSI on a terminal that takes 8-bit controls
    *(0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)),  # bidirectional controls
    *(0x2028, 0x2029),  # line and paragraph separators
    *range(0xD800, 0xE000),  # lone surrogates (from surrogateescape'd bytes)
)
_TABLE: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20) if code not in (0x09, 0x0A)}
_TABLE[0x7F] = "\u2421"
_TABLE.update({code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _SHOWN_AS_ESCAPE})
_ONE_LINE = {**_TABLE, 0x0A: "\u240a"}
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def inert(text: str, *, multiline: bool = False, tab_size: int = TAB_SIZE) -> str:
    """`text` with every control character made visible and tabs expanded (see the module docstring).

    Args:
        text: anything the recorded program wrote or named.
        multiline: keep `\\n` as a line break (the output panel, a traceback);
            otherwise it shows as ␊ and the result is always one line.
        tab_size: tab stops every this many cells.
    """
    if _UNSAFE.search(text) is None:
        return text
    shown = text.translate(_TABLE if multiline else _ONE_LINE)
    if "\t" not in shown:
        return shown
    return "\n".join(_expand_tabs(line, tab_size) for line in shown.split("\n"))


def _expand_tabs(line: str, tab_size: int) -> str:
    """Tabs to spaces up to the next multiple of `tab_size` cells, counting wide characters as two."""
    pieces = line.split("\t")
    expanded: list[str] = []
    column = 0
    for piece in pieces[:-1]:
        column += cell_len(piece)
        spaces = tab_size - column % tab_size
        expanded.append(piece + " " * spaces)
        column += spaces
    expanded.append(pieces[-1])
    return "".join(expanded)


_JSON_UNSAFE = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]")


def inert_json(chunk: bytes) -> bytes:
    """JSON Lines (UTF-8) with DEL, C1, separator and bidi characters written as `\\u` escapes.

    `json.dumps(..., ensure_ascii=False)` escapes C0 controls but writes these
    raw, and a terminal showing `trace --json` may act on them. They can only
    occur inside JSON strings, where the escape means the same character, so
    the output is the same JSON. Their UTF-8 lead bytes never occur inside
    another character's encoding, so a byte pattern cannot match mid-character.
    """
    if _JSON_UNSAFE.search(chunk) is None:
        return chunk
    return _JSON_UNSAFE.sub(lambda match: b"\\u%04x" % ord(match.group().decode("utf-8")), chunk)
