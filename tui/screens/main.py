"""Provides MainScreen: shows a recording as it streams in, owns the cursor, and routes keys to the views.

What it shows comes from elsewhere: the trace folds in through a LiveTrace
(tui.trace.live), breakpoints are answered by tui.trace.breaks, the panels
are declared in tui.screens.panels and the keys in tui.screens.keys.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, BindingType
from textual.containers import Container, Vertical
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Tab, Tabs

from tui.render.inert import inert
from tui.scenarios import Scenario
from tui.screens import keys
from tui.screens.panels import PANELS, Shows, in_grid_order, panel_css
from tui.screens.reload import WATCH_INTERVAL, Reloading
from tui.screens.scheduler import Scheduling
from tui.sources import Recording, SavedTrace, Settings
from tui.trace.breaks import Breakpoints, hit, next_stop
from tui.trace.live import LiveTrace
from tui.trace.model import Trace
from tui.viewmodel import FrameView, build_view
from tui.widgets.decision import DecisionBar
from tui.widgets.narration import NarrationView
from tui.widgets.source import SourceView
from tui.widgets.status import StatusBar
from tui.widgets.taskorder import TaskArrangement
from tui.widgets.tasks import TaskTable
from tui.widgets.timeline import Timeline
from tui.widgets.warnings import WarningsView, warnings_of

if TYPE_CHECKING:
    from textual.command import Provider

SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200)
COMPACT_WIDTH = 120
COMPACT_HEIGHT = 32
INGEST_BUDGET = 0.03
"""Seconds of each UI tick spent folding newly recorded frames."""
WARNINGS_TITLE_LIMIT = 200_000
"""Frames up to which the Lesson box counts the run's warnings as it completes (a pass over the trace;
a longer run's are counted when the warnings panel is shown)."""
AT_THE_END = -1
"""A start_at that opens the app at the run's last frame once it is in (a schedule's failure is there)."""
SEARCH_NOTICE = 0.3
"""Seconds a search (/) runs before it says it is still looking."""


def _key_commands() -> type[Provider]:
    """The command palette's provider, imported when the palette first opens (not before the first frame)."""
    from tui.screens.commands import KeyCommands

    return KeyCommands


class MainScreen(Reloading, Scheduling, Screen[None]):
    """The stepping screen. Stepping only moves a cursor over the recorded trace."""

    BINDINGS: ClassVar[list[BindingType]] = [*keys.BINDINGS]
    COMMANDS = {_key_commands}
    CSS = panel_css()

    cursor: reactive[int] = reactive(-1, init=False, repaint=False)
    """Index of the frame on screen (0-based; shown as `frame i/n` counting from 1)."""
    selected: reactive[str | None] = reactive(None, init=False, repaint=False)
    """The task or thread picked in the task table."""
    running: reactive[bool] = reactive(False, init=False, repaint=False)
    """Auto-advance is on (r)."""

    def __init__(
        self,
        path: Path,
        options: Settings,
        saved: bool = False,
        recording: Recording | None = None,
        *,
        watch: bool = False,
        start_at: int | None = None,
        only: list[Scenario] | None = None,
    ) -> None:
        super().__init__()
        self.only = only
        """A served session's programs (`concur-tui serve`): `o` offers only these, and nothing is written."""
        self.path = path
        self.options = options
        self.saved = saved
        """`path` is a saved trace to view, not a program to record."""
        self.live = LiveTrace()
        """The recording being shown, as far as it has come in."""
        self.recording: Recording | SavedTrace | None = None
        self._mounted = threading.Event()
        """Set once the screen can take messages: the first reading thread tells it of its first line then."""
        # The first recording (or saved trace) is read from now on, while the screen is still being
        # built, so its first frame is folded in before the screen is first painted.
        self._open(started=recording)
        threading.Thread(
            target=self._read_lines, args=(self.recording, self.live), name="concur-tui reader", daemon=True
        ).start()
        self.speed_index = 3
        self.breakpoints = Breakpoints()
        self.active_panel = PANELS[0].key
        self._shown: dict[str, Shows] = {}
        """Each panel's widget, by panel key."""
        self._run_timer: Timer | None = None
        self.start_at = start_at
        """The frame (from 1) to show first (--start-at), until it has arrived; then None."""
        self.bookmarks: dict[int, str] = {}
        """Frame index -> the label the user gave it (m)."""
        self.find_text: str | None = None
        """The text `/` last looked for (n and N look for it again)."""
        self._titled: Trace | None = None
        """The trace whose warnings the Lesson box's title counts."""
        self.start_watching(watch)

    @property
    def trace(self) -> Trace:
        return self.live.trace

    @property
    def streaming(self) -> bool:
        """More of the recording is still to come."""
        return not self.live.finished

    @property
    def problem(self) -> str | None:
        """What was wrong with the line that ended the recording early, if one did."""
        return self.live.problem

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield NarrationView(id="narration")
        tabs = Tabs(*(Tab(f"{n}:{panel.tab}", id=panel.tab_id) for n, panel in enumerate(PANELS, 1)), id="tabs")
        tabs.can_focus = False  # number keys and clicks pick a tab; the focus stays in a panel, where Up/Down act
        yield tabs
        with Container(id="panels"):
            for panel in in_grid_order(PANELS):
                with Vertical(id=panel.box_id, classes="panel -active" if panel.key == self.active_panel else "panel"):
                    widget = panel.widget(id=panel.key)
                    if not isinstance(widget, Shows):
                        raise TypeError(f"the {panel.key} panel's {panel.widget.__name__} has no show(view)")
                    self._shown[panel.key] = widget
                    yield widget
        yield DecisionBar(id="decision")
        yield Footer(show_command_palette=False)  # Ctrl+P is in the help: the footer keeps its room for keys

    def on_mount(self) -> None:
        for panel in PANELS:
            self.query_one(f"#{panel.box_id}").border_title = panel.title
        self._apply_layout()
        self._focus_panel(self.active_panel if self.compact else "tasks")
        self.set_interval(0.05, self._ingest)
        if self.file_watch is not None:
            self.set_interval(WATCH_INTERVAL, self._poll_file)
        self._mounted.set()
        self.call_next(self._ingest)  # what the reading thread has queued already

    def on_resize(self) -> None:
        self._apply_layout()

    @property
    def compact(self) -> bool:
        return self.size.width < COMPACT_WIDTH or self.size.height < COMPACT_HEIGHT

    def _apply_layout(self) -> None:
        self.set_class(self.compact, "-compact")
        if self.compact:
            self.set_class(False, "-sharing")  # the compact layout shows one panel at a time anyway
        self.refresh_views()
        focused = self.focused
        if self.compact and focused is not None and not self._in_panel(focused, self.active_panel):
            self._focus_panel(self.active_panel)  # the focused panel was folded away

    def _in_panel(self, widget: Widget, key: str) -> bool:
        return any(node.id == f"{key}-panel" for node in widget.ancestors_with_self)

    def _focus_panel(self, key: str) -> None:
        """Focus the panel's first focusable widget (the task table in Tasks), so Up/Down act on it at once."""
        panel = self.query_one(f"#{key}")
        target = next((widget for widget in (panel, *panel.query("*")) if widget.can_focus), None)
        if target is not None:
            # After the next refresh: a panel just switched to is still hidden until its styles are applied.
            self.call_after_refresh(target.focus)

    def _panel_visible(self, key: str) -> bool:
        if self.compact:
            return key == self.active_panel
        sharing = self.has_class("-sharing")
        return all(key != (panel.key if not sharing else panel.shares) for panel in PANELS if panel.shares)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual's, in the order of keys.BINDINGS: the footer then lists the same keys in the same order
        whatever has focus (Textual puts the keys the focused widget binds too first)."""
        return keys.in_screen_order(super().active_bindings)

    # -- recording --------------------------------------------------------------------------

    def start_recording(self, path: Path | None = None) -> None:
        """Record another program (o): a fresh trace, streamed in while the user already looks at it."""
        if path is not None and path != self.path:
            self._forget_marks()
        self.forget_scheduling()
        self.cancel_incoming()
        self._open(path)
        if path is not None:
            self.start_watching(self.watch_wanted)
        self.running = False
        self.cursor = -1
        self.selected = None
        self._stream(self.recording, self.live)
        self.refresh_views()

    def _open(self, path: Path | None = None, started: Recording | None = None) -> None:
        """Stop showing the current recording; the new one (`started`, if already under way) and its LiveTrace."""
        if self.recording is not None:
            self.recording.cancel()
        self.live.close()
        if path is not None:
            self.path = path
        if started is not None and self.saved:
            started.cancel()  # not the thing to show after all
            started = None
        self.recording = SavedTrace(str(self.path)) if self.saved else self._new_recording(started)
        # A malformed line ends the run through the recording, as the CLI ends it (Recording.malformed).
        self.live = LiveTrace(self.recording.malformed)

    def _new_recording(self, started: Recording | None = None) -> Recording:
        recording = started or Recording(str(self.path), self.options)
        app = self.app  # the reading thread that calls on_note has no active app of its own
        # Said once, where the user is looking: the kernel does not enforce the sandbox here.
        recording.on_note = lambda note: app.call_from_thread(
            self.notify, note.removeprefix("concur-tui: "), severity="warning", timeout=15, markup=False
        )
        return recording

    @work(thread=True, exclusive=True, group="recording")
    def _stream(self, recording: Recording | SavedTrace, live: LiveTrace) -> None:
        """Worker thread: a recording started again (R, o) is read as the first one is, by `_read_lines`."""
        self._read_lines(recording, live)

    def _read_lines(self, recording: Recording | SavedTrace, live: LiveTrace) -> None:
        """Reading thread: hand the recording process's lines to the LiveTrace that `_ingest` folds."""
        first = True
        try:
            for line in recording.lines(check=False):  # the trace checks each line as it folds it
                if live.closed:
                    return
                live.feed(line)
                # The first frame goes on screen now, not at the next tick of `_ingest`; a screen
                # not mounted yet folds it as it mounts (on_mount sets `_mounted`, then ingests).
                if first and self._mounted.is_set():
                    self.post_message(self.LinesArrived())
                first = False
        except OSError as exc:
            live.fail(str(exc))
        except Exception as exc:  # a bug of ours while reading: said as the run's end, never a viewer left waiting
            live.fail(f"reading the trace failed: {type(exc).__name__}: {exc}")

    class LinesArrived(Message):
        """The reading thread queued the recording's first line (Textual's post_message is thread-safe)."""

    @on(LinesArrived)
    def _lines_arrived(self) -> None:
        self._ingest()

    def _ingest(self) -> None:
        """UI tick: fold queued lines into the trace, within a time budget, and show what came in."""
        self.fold_incoming()
        self.fold_following()
        live = self.live
        if not live.pending:
            return
        folded = live.fold(INGEST_BUDGET)
        if folded.cut:
            self.notify(folded.cut, severity="warning", markup=False)
        if folded.frames:
            # The trace is long-lived: keep the cyclic GC from re-scanning it on every
            # collection (a full scan of a 100,000-frame trace is a visible pause).
            gc.freeze()
        trace = live.trace
        if self.start_at is not None:
            self._reach_start()
        if self.cursor < 0 and len(trace):
            self.cursor = 0
        elif folded.frames or live.finished:
            view = self.view()
            self._refresh_status(view)
            for panel in PANELS:
                if panel.grows and self._panel_visible(panel.key):
                    self._shown[panel.key].show(view)
            if trace.complete and self.cursor == len(trace) - 1:
                self.refresh_views()
            elif live.finished:
                self._title_the_warnings()
        if trace.complete and len(trace) == 0:
            self.refresh_views()

    # -- views --------------------------------------------------------------------------------

    def view(self) -> FrameView:
        return build_view(self.trace, self.cursor, streaming=self.streaming, selected=self.selected)

    def _refresh_status(self, view: FrameView | None = None) -> None:
        view = view or self.view()
        self.query_one(StatusBar).show(view, running=self.running, speed=SPEEDS[self.speed_index])

    def refresh_views(self) -> None:
        if not self.is_mounted:
            return
        self._title_the_warnings()
        view = self.view()
        self._refresh_status(view)
        self.query_one(NarrationView).show(view)
        for panel in PANELS:
            if self._panel_visible(panel.key):
                self._shown[panel.key].show(view)

    def _title_the_warnings(self) -> None:
        """The Lesson box says how many warnings the run has, and the key that shows them (8)."""
        trace = self.trace
        if self._titled is trace or not trace.complete:
            return
        self._titled = trace
        found = warnings_of(trace) if len(trace) <= WARNINGS_TITLE_LIMIT else None
        number = next(n for n, panel in enumerate(PANELS, 1) if panel.key == "warnings")
        title = "Lesson"
        if found:
            title += f" · {len(found)} warning{'s' if len(found) != 1 else ''}: {number}"
        self.query_one("#lesson-panel").border_title = title

    def watch_cursor(self) -> None:
        self.refresh_views()

    def watch_selected(self) -> None:
        self.refresh_views()

    def watch_running(self, running: bool) -> None:
        if self._run_timer is not None:
            self._run_timer.stop()
            self._run_timer = None
        if running:
            self._run_timer = self.set_interval(1 / SPEEDS[self.speed_index], self._advance)
        if self.is_mounted:
            self._refresh_status()

    # -- stepping -------------------------------------------------------------------------------

    def seek(self, index: int) -> None:
        if len(self.trace):
            self.cursor = max(0, min(index, len(self.trace) - 1))

    def action_step(self, delta: int) -> None:
        self.seek(self.cursor + delta)

    def action_first(self) -> None:
        self.seek(0)

    def action_last(self) -> None:
        self.seek(len(self.trace) - 1)

    def action_task_step(self, direction: int) -> None:
        actor = self.selected or (self.view().world.running if self.cursor >= 0 else None)
        if actor is None:
            self.say("Select a task first (Tasks panel, up/down)", severity="warning")
            return
        found = self.trace.next_frame_of(actor, self.cursor, direction)
        if found is None:
            self.say(f"No {'later' if direction > 0 else 'earlier'} frame of that task", severity="warning")
            return
        self.selected = actor
        self.seek(found)

    def action_toggle_run(self) -> None:
        if not self.running and self.cursor >= len(self.trace) - 1 and self.trace.complete:
            self.seek(0)
        self.running = not self.running

    def action_speed(self, step: int) -> None:
        self.speed_index = max(0, min(self.speed_index + step, len(SPEEDS) - 1))
        if self.running:
            self.running = False
            self.running = True
        self._refresh_status()

    def _advance(self) -> None:
        if self.cursor >= len(self.trace) - 1:
            if self.trace.complete:
                self.running = False
            return
        self.cursor += 1
        reason = hit(self.trace, self.cursor, self.breakpoints)
        if reason:
            self.running = False
            self.say(f"Stopped at frame {self.cursor + 1}: {reason}")

    # -- dialogs --------------------------------------------------------------------------------

    def say(self, message: str, *, severity: SeverityLevel = "information") -> None:
        """A notification that may quote the program (a task name, a file name): inert, never markup."""
        self.notify(inert(message), severity=severity, markup=False)

    # The dialogs are imported when first opened: none is needed before the first frame is on screen.

    def action_goto_frame(self) -> None:
        from tui.screens.goto import ask_frame

        def go(answer: str | None) -> None:
            if answer:
                self.seek(int(answer) - 1)

        self.app.push_screen(ask_frame(len(self.trace)), go)

    def action_goto_time(self) -> None:
        from tui.screens.goto import ask_time, parse_time

        def go(answer: str | None) -> None:
            if answer:
                self.seek(self.trace.frame_at_time(parse_time(answer)))

        self.app.push_screen(ask_time(self.trace.times[-1] if len(self.trace) else 0.0), go)

    def action_breakpoints(self) -> None:
        from tui.screens.breaks import BreakScreen

        def chosen(points: Breakpoints | None) -> None:
            if points is not None:
                self.breakpoints = points
                self._show_breakpoints()
                self.say(f"Break on: {points.describe()} (c / C: next / previous hit)")

        self.app.push_screen(BreakScreen(self.breakpoints), chosen)

    def action_open(self) -> None:
        from tui.screens.picker import ScenarioPicker

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.start_recording(path)

        self.app.push_screen(ScenarioPicker(self.only), chosen)

    def refused_when_served(self, what: str) -> bool:
        """Whether a served session refused `what` (it would write a file on the serving machine); said if so."""
        if self.only is None:
            return False
        self.say(f"{what} is off in a served session: nothing is written on the serving machine", severity="warning")
        return True

    def action_save_schedule(self) -> None:
        if not self.refused_when_served("Saving a schedule (w)"):
            super().action_save_schedule()

    def action_rerecord(self) -> None:
        self.reload(f"Recording {self.path.name} again")

    def action_edit(self) -> None:
        from tui import scenarios
        from tui.screens.editor import EditorScreen

        if self.refused_when_served("Editing (e)"):
            return
        if self.saved:
            source = self.trace.header.get("source")
            if not isinstance(source, str):
                self.say("This saved trace holds no source to edit", severity="warning")
                return
            name = Path(str(self.trace.header.get("file") or "program.py")).name
            editor = EditorScreen(Path(name), self.edited, text=source, needs_new_path=True, line=self._line_shown())
            self.app.push_screen(editor)
            return
        try:
            bundled = scenarios.is_bundled(self.path)
            editor = EditorScreen(self.path, self.edited, needs_new_path=bundled, line=self._line_shown())
        except (OSError, UnicodeDecodeError, SyntaxError) as exc:
            self.say(f"Cannot edit {self.path.name}: {getattr(exc, 'strerror', None) or exc}", severity="error")
            return
        self.app.push_screen(editor)

    def _line_shown(self) -> int | None:
        """The program's line where the frame on screen stopped, for the editor to open at."""
        if not 0 <= self.cursor < len(self.trace):
            return None
        trace = self.trace
        sites = [trace.site(sid) for sid in trace.frame(self.cursor).get("at") or []]
        mine = [site[1] for site in sites if site is not None and site[0] == trace.header.get("file")]
        return mine[-1] if mine else None

    def action_save_trace(self) -> None:
        from tui.screens.save import ask_where_to_save, save_trace

        if self.refused_when_served("Saving the trace (s)"):
            return
        if not self.trace.complete:
            self.say("The recording is still coming in: save it once it is complete", severity="warning")
            return
        stem = Path(str(self.trace.header.get("file") or self.path.name)).stem
        suggested = Path.cwd() / f"{stem}.trace.jsonl"

        def write(target: Path) -> str:
            save_trace(self.trace, target)
            return f"Saved the trace ({len(self.trace)} frames) to {target}; open it with: concur-tui {target}"

        ask_where_to_save(self, "this trace", suggested, write)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_toggle_axis(self) -> None:
        timeline = self.query_one(Timeline)
        timeline.by_time = not timeline.by_time

    def action_panel(self, key: str) -> None:
        if not self.compact:
            # The wide layout shows every panel but one that borrows a cell: its key lends the cell
            # to it or gives it back; the key of the panel it borrowed from gives it back too.
            lender = next((panel for panel in PANELS if panel.shares and key in (panel.key, panel.shares)), None)
            if lender is not None and lender.shares is not None:
                lend = key == lender.key and not self.has_class("-sharing")
                self.set_class(lend, "-sharing")
                key = lender.key if lend else lender.shares
        self.active_panel = key
        for panel in PANELS:
            self.query_one(f"#{panel.box_id}").set_class(panel.key == key, "-active")
        tabs = self.query_one(Tabs)
        tab_id = f"tab-{key}"
        if tabs.active != tab_id:
            tabs.active = tab_id
        # A panel that was hidden has no width yet: render it once it is laid out.
        self.call_after_refresh(self.refresh_views)
        self._focus_panel(key)

    async def action_quit(self) -> None:
        self.running = False
        self.cancel_incoming()
        if self.recording is not None:
            self.recording.cancel()
        self.app.exit(0)

    # -- breakpoints, search, bookmarks, task filter (issue 12) ------------------------------
    # The questions are the trace's (tui.trace.breaks, tui.trace.find): these only ask and seek.

    def _reach_start(self) -> None:
        """--start-at N: go to frame N once it has arrived, or to the last frame if the run ends sooner."""
        wanted, trace = self.start_at or 1, self.trace
        if wanted == AT_THE_END:
            if trace.complete:
                self.start_at = None
                self.seek(len(trace) - 1)
            return
        if len(trace) >= wanted:
            self.start_at = None
            self.seek(wanted - 1)
        elif trace.complete:
            self.start_at = None
            if len(trace):
                self.seek(len(trace) - 1)
                self.say(f"The run has {len(trace)} frames, not {wanted}: showing the last", severity="warning")

    def _forget_marks(self) -> None:
        """Another program: its lines and frames are not the ones the bookmarks and line breakpoints named."""
        self.bookmarks.clear()
        self.breakpoints.lines.clear()
        self.start_at = None
        self._show_breakpoints()

    def action_toggle_line_break(self) -> None:
        line = self.query_one(SourceView).cursor_line
        if line is None:
            self.say("No source line to set a breakpoint on", severity="warning")
            return
        self._toggle_line_break(line)

    def on_source_view_toggle_breakpoint(self, event: SourceView.ToggleBreakpoint) -> None:
        self._toggle_line_break(event.line)

    def _toggle_line_break(self, line: int) -> None:
        now_set = self.breakpoints.toggle_line(line)
        self._show_breakpoints()
        self.say(f"Breakpoint {'set on' if now_set else 'cleared from'} line {line} (c / C: next / previous hit)")

    def _show_breakpoints(self) -> None:
        """Mark them in the source panel, where it is scrolled to now (a click there must not scroll it)."""
        source = self.query_one(SourceView)
        source.breakpoint_lines = frozenset(self.breakpoints.lines)
        source.refresh_rows()

    def action_continue(self, direction: int) -> None:
        """c / C: the nearest frame that hits a breakpoint, found in the trace's index at once."""
        if not self.breakpoints:
            self.say("No breakpoints: x sets one on the source cursor's line, b offers the others", severity="warning")
            return
        self.running = False
        found = next_stop(self.trace, self.breakpoints, self.cursor, direction)
        if found is None:
            where = "after" if direction > 0 else "before"
            still = " yet (still recording)" if direction > 0 and self.streaming else ""
            self.say(f"No breakpoint hit {where} frame {self.cursor + 1}{still}", severity="warning")
            return
        self.seek(found)
        self.say(f"Stopped at frame {found + 1}: {hit(self.trace, found, self.breakpoints)}")

    def action_find(self) -> None:
        from tui.screens.prompt import PromptScreen

        def look(answer: str | None) -> None:
            if answer:
                self.find_text = answer
                self._find(answer, 1)

        question = "Find (narration, output, task or resource names; any case):"
        self.app.push_screen(PromptScreen(question, "text", lambda _answer: None, value=self.find_text or ""), look)

    def action_find_again(self, direction: int) -> None:
        if not self.find_text:
            self.say("Nothing to look for yet: / asks what to find", severity="warning")
            return
        self._find(self.find_text, direction)

    @work(exclusive=True, group="find")
    async def _find(self, text: str, direction: int) -> None:
        """Look frame by frame from the cursor, letting the screen paint between blocks (a new search stops it)."""
        from tui.trace.find import search  # as the dialogs are: not needed before the first frame

        trace, start = self.trace, self.cursor
        said_at = time.monotonic() + SEARCH_NOTICE
        for found in search(trace, text, start, direction):
            if self.trace is not trace:
                return  # recorded again meanwhile: the answer is about a trace no longer shown
            if found is None:
                if said_at and time.monotonic() > said_at:
                    said_at = 0.0
                    self.say(f"Searching the trace for {text!r}...")
                await asyncio.sleep(0)
                continue
            self.seek(found.index)
            if found.wrapped:
                end = "end" if direction > 0 else "start"
                self.say(f"Search went past the {end}: frame {found.index + 1} mentions {text!r}")
            return
        self.say(f"No frame mentions {text!r}", severity="warning")

    def action_bookmark(self) -> None:
        from tui.screens.bookmarks import ask_label, default_label

        index = self.cursor
        if index < 0:
            return

        def mark(answer: str | None) -> None:
            if answer is not None:
                self.bookmarks[index] = answer or default_label(index)
                self.say(f"Bookmarked frame {index + 1}: {self.bookmarks[index]} (' lists the bookmarks)")

        self.app.push_screen(ask_label(index, self.bookmarks.get(index)), mark)

    def action_bookmarks(self) -> None:
        from tui.screens.bookmarks import BookmarkList

        if not self.bookmarks:
            self.say("No bookmarks yet: m bookmarks the frame on screen", severity="warning")
            return

        def jump(index: int | None) -> None:
            if index is not None:
                self.seek(index)

        self.app.push_screen(BookmarkList(self.bookmarks, self.cursor), jump)

    def action_filter_tasks(self) -> None:
        from tui.screens.prompt import PromptScreen

        table = self.query_one(TaskTable)

        def narrow(answer: str | None) -> None:
            if answer is not None:
                self._arrange_tasks(table.arrangement.filtered(answer))

        question = "Show only tasks whose name contains (empty: all):"
        self.app.push_screen(PromptScreen(question, "name", lambda _answer: None, value=table.arrangement.text), narrow)

    def action_sort_tasks(self) -> None:
        self._arrange_tasks(self.query_one(TaskTable).arrangement.next_order())

    def _arrange_tasks(self, arrangement: TaskArrangement) -> None:
        table = self.query_one(TaskTable)
        table.arrangement = arrangement
        table.show(self.view())
        self.say(arrangement.describe(len(table.actor_ids), table.total))

    # -- messages from the views -------------------------------------------------------------

    @on(Tabs.TabActivated)
    def _tab_picked(self, event: Tabs.TabActivated) -> None:
        key = (event.tab.id or PANELS[0].tab_id).removeprefix("tab-")
        if key != self.active_panel:
            self.action_panel(key)

    @on(Timeline.Seek)
    def _timeline_seek(self, event: Timeline.Seek) -> None:
        self.seek(event.index)

    def on_warnings_view_seek(self, event: WarningsView.Seek) -> None:
        event.stop()
        self.seek(event.index)

    @on(TaskTable.Selected)
    def _task_selected(self, event: TaskTable.Selected) -> None:
        self.selected = event.actor_id

    def on_unmount(self) -> None:
        self.cancel_incoming()
        self.live.close()
        if self.recording is not None:
            self.recording.cancel()
