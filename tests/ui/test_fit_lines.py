"""The narration line keeps to its two rows and says when it was cut."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from tui.widgets.narration import fit_lines

CONSOLE = Console(width=200)
LONG = (
    "MainThread wakes because process ForkProcess-4 (pid 4104) exited and now waits for thread "
    "ExecutorManagerThread to finish (join)."
)


def test_a_long_sentence_is_cut_to_the_rows_with_an_ellipsis() -> None:
    fitted = fit_lines(Text(LONG), 40, 2, CONSOLE)
    rows = fitted.plain.split("\n")
    assert len(rows) == 2 and all(len(row) <= 40 for row in rows)
    assert rows[1].endswith("…")
    assert LONG.startswith(" ".join(row.strip() for row in rows)[:-1].rstrip())


def test_text_that_fits_is_left_alone_styles_and_all() -> None:
    text = Text("#3 ", style="bold")
    text.append("Task-1 finishes.")
    fitted = fit_lines(text, 40, 2, CONSOLE)
    assert fitted is text


def test_styles_survive_wrapping_and_go_with_the_cut_words() -> None:
    text = Text(LONG)
    text.append("  Run ended: deadlock.", style="bold red")
    roomy = fit_lines(text, 60, 3, CONSOLE)
    assert "Run ended: deadlock." in roomy.plain
    assert any(str(span.style) == "bold red" for span in roomy.spans)
    tight = fit_lines(text, 60, 2, CONSOLE)
    assert "Run ended" not in tight.plain and tight.plain.endswith("…")
    assert not any(str(span.style) == "bold red" for span in tight.spans)
