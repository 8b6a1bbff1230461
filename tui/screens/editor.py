"""Provides EditorScreen (e): the program in a Python TextArea, saved atomically, never lost silently.

A save writes through tui.files.write_atomically, in the encoding the file
declares (PEP 263), and the stepping screen records the program again. A
bundled lesson, or the source of a saved trace, has no file of the user's to
write: the first save asks where to put a copy, and the copy is what is
recorded from then on. Unsaved changes are asked about before the editor
closes and before the app quits from it; on SIGTERM or SIGHUP they are kept
in a copy beside the file (`recovery_copy`).
"""

from __future__ import annotations

import io
import tokenize
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Label, TextArea

from tui.files import write_atomically
from tui.render.inert import inert
from tui.watch import content_hash

Saved = Callable[[Path, bytes], None]
"""Told of each save: the file written (a copy's new path, the first time) and the bytes now in it."""

RECOVERY_SUFFIX = ".unsaved"


def decode_source(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a Python file as CPython reads it: its BOM or coding line, UTF-8 by default."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding), encoding


class EditorScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "close", "Back to stepping", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        path: Path,
        on_saved: Saved,
        *,
        text: str | None = None,
        needs_new_path: bool = False,
        line: int | None = None,
    ) -> None:
        """Edit `path`; with `text` (a saved trace's source, the file being gone) edit that instead.

        `needs_new_path`: the file is not the user's to change (a bundled
        lesson, a saved trace's source): the first save asks for a copy's path.
        `line`: where to put the cursor (the line of the frame on screen).
        """
        super().__init__()
        self.path = path
        self.on_saved = on_saved
        self.needs_new_path = needs_new_path
        self.line = line
        self.encoding = "utf-8"
        self._disk_hash: str | None = None
        """The content of the file when it was opened or last saved: a save over someone else's change asks first."""
        if text is None:
            data = path.read_bytes()  # OSError, UnicodeDecodeError, SyntaxError: the caller says why not
            text, self.encoding = decode_source(data)
            self._disk_hash = content_hash(data)
        self._saved_text = text
        self._initial_text = text

    def compose(self) -> ComposeResult:
        yield Label(Text(self._title()), id="editor-title")
        area = TextArea.code_editor(self._initial_text, language=_python_if_available(), id="editor")
        yield area
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        if self.line is not None and 0 < self.line <= area.document.line_count:
            area.cursor_location = (self.line - 1, 0)
            self.call_after_refresh(area.scroll_cursor_visible, center=True)

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    @property
    def dirty(self) -> bool:
        return self.text != self._saved_text

    def _title(self, dirty: bool = False) -> str:
        where = "a copy is asked for on save" if self.needs_new_path else "ctrl+s saves and records it again"
        return f"{'● ' if dirty else ''}{inert(str(self.path))}  ({where}; Escape: back to stepping)"

    def on_text_area_changed(self) -> None:
        self.query_one("#editor-title", Label).update(Text(self._title(self.dirty)))

    # -- saving --------------------------------------------------------------------------

    def action_save(self, then: Callable[[], object] | None = None) -> None:
        if self.needs_new_path:
            self._ask_copy_path(then)
            return
        if self._changed_on_disk():
            from tui.screens.confirm import ChoiceScreen

            def answered(answer: str | None) -> None:
                if answer == "overwrite":
                    self._write(self.path, then)

            question = f"{self.path.name} changed on disk since it was opened here. Overwrite it with this version?"
            self.app.push_screen(ChoiceScreen(question, [("overwrite", "Overwrite"), ("cancel", "Cancel")]), answered)
            return
        self._write(self.path, then)

    def _changed_on_disk(self) -> bool:
        try:
            return content_hash(self.path.read_bytes()) != self._disk_hash
        except FileNotFoundError:
            return False  # deleted meanwhile: saving puts it back
        except OSError:
            return False  # the write itself will say what is wrong

    def _ask_copy_path(self, then: Callable[[], object] | None) -> None:
        from tui.screens.prompt import PromptScreen
        from tui.screens.save import check_new_file

        suggested = Path.cwd() / self.path.name

        def answered(answer: str | None) -> None:
            if answer is not None:
                self._write(Path(answer or str(suggested)).expanduser(), then)

        question = f"{self.path.name} is not yours to change: save a copy as (Enter: {suggested})"
        self.app.push_screen(PromptScreen(question, str(suggested), check_new_file(suggested)), answered)

    def _write(self, target: Path, then: Callable[[], object] | None) -> None:
        text = self.text
        try:
            data = text.encode(self.encoding)
        except UnicodeEncodeError as exc:
            self.notify(
                f"Not saved: {exc.reason} in {self.encoding}, the file's encoding", severity="error", markup=False
            )
            return
        try:
            write_atomically(target, data)
        except OSError as exc:  # the original is untouched: say so
            problem = exc.strerror or str(exc)
            self.notify(f"Not saved ({problem}); {target.name} is as it was", severity="error", markup=False)
            return
        self.path, self.needs_new_path = target, False  # a copy, once written, is the file to save to
        self._saved_text, self._disk_hash = text, content_hash(data)
        self.on_text_area_changed()
        self.notify(f"Saved {inert(str(target))}", markup=False)
        self.on_saved(target, data)
        if then is not None:
            then()

    # -- leaving -------------------------------------------------------------------------

    def _leave_asking(self, leave: Callable[[], object]) -> None:
        """Run `leave` now, or once the user has said what to do with the unsaved changes."""
        if not self.dirty:
            leave()
            return
        from tui.screens.confirm import ChoiceScreen

        def answered(answer: str | None) -> None:
            if answer == "save":
                self.action_save(then=leave)
            elif answer == "discard":
                leave()

        question = f"{self.path.name} has unsaved changes."
        answers = [("save", "Save"), ("discard", "Discard them"), ("keep", "Keep editing")]
        self.app.push_screen(ChoiceScreen(question, answers), answered)

    def action_close(self) -> None:
        self._leave_asking(lambda: self.dismiss(None))

    def action_quit(self) -> None:
        self._leave_asking(self.app.exit)

    def recovery_copy(self) -> Path | None:
        """Write the unsaved text beside the file (`NAME.py.unsaved`) when the app is made to leave; its path."""
        if not self.dirty:
            return None
        target = self.path.with_name(self.path.name + RECOVERY_SUFFIX)
        try:
            write_atomically(target, self.text.encode("utf-8"))
        except OSError:
            target = Path.home() / (self.path.name + RECOVERY_SUFFIX)
            try:
                write_atomically(target, self.text.encode("utf-8"))
            except OSError:
                return None
        return target


def _python_if_available() -> str | None:
    """Python highlighting needs tree-sitter's grammar; without it the editor still edits, in plain text."""
    try:
        import tree_sitter_python  # noqa: F401
    except ImportError:
        return None
    return "python"
