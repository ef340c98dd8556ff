"""The `browse` app: findings stream in while the scan runs on a worker thread; the user marks,
quarantines, incinerates, restores and fixes, each through `hygiene.browse.session`."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Input, Static

from hygiene.browse import session
from hygiene.browse.feed import ScanFeed
from hygiene.browse.rows import GROUPS, SORTS, Board, Row, describe
from hygiene.browse.session import BrowseRequest, Inbox, Verdict
from hygiene.browse.ui.keybar import KeyBar
from hygiene.browse.ui.rowlist import Column, Line, RowList
from hygiene.browse.ui.screens import Confirm, Help, Prompt, QuarantineScreen
from hygiene.clean.act import CleanReport, disk_free
from hygiene.clean.collect import Restored
from hygiene.clean.plan import Action
from hygiene.errors import EXIT_INTERRUPTED, HygieneError
from hygiene.fix.engine import FixOutcome, FixPlan
from hygiene.model import Artifact
from hygiene.paths import display
from hygiene.render.human import short_path
from hygiene.units import format_age, format_bytes, parse_duration, parse_size

GROUP_KEY = "group\0"
# The numbers are as wide as their formats can be: format_bytes "1000 KB", 999,999,999 files,
# format_age "104w"; the text columns are as wide as their longest cell.
COLUMNS = (
    Column("", 1),
    Column("size", 7, right=True),
    Column("frees", 7, right=True),
    Column("files", 9, right=True),
    Column("age", 4, right=True),
    Column("ecosystem"),
    Column("path"),
    Column("reason"),
)
STYLES = {
    "candidate": "dim italic",
    "kept": "yellow",
    "refused": "bold red",
    "restored": "cyan",
    "fixed": "green",
}
PATH_WIDTH = 44
DRAW_EVERY = 0.1  # seconds: how often the scan's news is looked at
FIRST_LOOK = 0.02  # seconds: how often, until the first rows are on screen


def _clip(text: str, width: int) -> str:
    """Long paths keep their end, which names the artifact."""
    return text if len(text) <= width else "…" + text[-(width - 1) :]


def _while_shown(method: Callable[..., None]) -> Callable[..., None]:
    """Run a redraw that arrives on its own (a timer, a worker's answer) only while the list's
    widgets exist: one can land as the app closes, when they are already gone."""

    @functools.wraps(method)
    def guarded(self: BrowseApp, *args: Any) -> None:
        try:
            method(self, *args)
        except NoMatches:
            if self.main_screen.is_attached:  # not closing: a real bug, not a late arrival
                raise

    return guarded


class BrowseApp(App[int]):
    TITLE = "hygiene browse"
    CSS = """
    #status { height: 1; background: $boost; padding: 0 1; }
    #rows { height: 1fr; }
    #details { height: 7; border-top: solid $primary; padding: 0 1; }
    #filter { dock: bottom; display: none; }
    #filter.shown { display: block; }
    #totals { height: 1; background: $boost; padding: 0 1; }
    #dialog { width: 76; max-width: 100%; height: auto; max-height: 90%;
              border: thick $primary; background: $surface; padding: 1 2; }
    Confirm, Prompt, Help { align: center middle; }
    #runs { height: 1fr; }
    #title, #runs-total { height: 1; padding: 0 1; }
    """
    BINDINGS = [  # noqa: RUF012 (textual's own class attribute)
        Binding("space", "mark", "mark"),
        Binding("a", "mark_all", "all"),
        Binding("d,delete", "quarantine", "quarantine"),
        Binding("D", "incinerate", "incinerate", show=False),
        Binding("u", "undo", "undo"),
        Binding("Q", "quarantine_screen", "runs", show=False),
        Binding("f", "fix", "fix", show=False),
        Binding("g", "group", "group"),
        Binding("s", "sort", "sort"),
        Binding("slash", "filter", "filter"),
        Binding("o", "older_than", "older", show=False),
        Binding("m", "min_size", "min size", show=False),
        Binding("r", "rescan", "rescan", show=False),
        Binding("question_mark", "help", "help"),
        Binding("q", "quit_app", "quit"),
        # Textual asks before Ctrl+C quits; a user of npkill or kondo expects it to leave.
        Binding("ctrl+c", "interrupt", show=False, priority=True),
    ]

    def __init__(
        self,
        request: BrowseRequest,
        *,
        older_than: float | None = None,
        min_size: int | None = None,
        free_space: Callable[[tuple[str, ...]], int] | None = None,
        clock: Callable[[], float] = time.time,
        feed: ScanFeed | None = None,
    ) -> None:
        super().__init__()
        self.request = request
        # The scan the command started before loading the app (`cli.browse.launch`), if any.
        self.feed = feed
        self.roots = request.clean.roots
        self.board = Board(roots=self.roots, min_size=min_size)
        self.clock = clock
        self.board.set_older_than(older_than, clock())
        self.free_space = free_space or (lambda roots: disk_free(roots))
        self.free = 0
        self.inbox = Inbox()
        self.verdict: Verdict | None = None
        self.listed = False  # the walk's findings are on the board; the plan is not yet
        self.scan_error: str | None = None
        self.last_run: str | None = None
        self.dirty = True
        self.shown_keys: list[str] = []
        self.drawn_at = 0.0  # time.monotonic() of the last redraw
        self.draw_cost = 0.0  # seconds it took
        self.groups: dict[str, list[Row]] = {}
        # What the details worker found (biggest children, db figures), kept per row so a
        # redraw does not lose it.
        self.extras: dict[str, list[str]] = {}
        self.looking: set[str] = set()
        # Each row's path below its root: a relpath each, for every row of every redraw, cost
        # more than the rest of the row (issue 20).
        self.short: dict[str, str] = {}

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        # Plain text unless asked: the messages carry paths and errors, and a folder named
        # "[draft]" or "[b]" is not markup.
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    @property
    def main_screen(self) -> Screen[object]:
        """The list's own screen: the quarantine screen or a question may be on top of it, and
        the scan keeps drawing the list underneath."""
        return self.screen_stack[0]

    # --- layout and the scan ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("", id="status")
        yield RowList(COLUMNS, id="rows")
        yield Static("", id="details")
        yield Input(placeholder="filter: part of a path or reason", id="filter")
        yield Static("", id="totals")
        yield KeyBar(self.BINDINGS, "app", id="keys")

    def on_mount(self) -> None:
        self.main_screen.query_one("#rows", RowList).focus()
        self.free = self.free_space(self.roots)
        self.set_interval(DRAW_EVERY, self.drain)
        self.start_scan()
        # The scan started before Textual was imported: its first answers are often in before
        # the list can be drawn, and the first rows should not wait for the next tick.
        self.first_look = self.set_interval(FIRST_LOOK, self.look_first)

    def look_first(self) -> None:
        if self.inbox.candidates or not self.scanning:
            self.first_look.stop()
            self.drain()

    def start_scan(self) -> None:
        if self.inbox.feed is not None:
            self.inbox.feed.stop()  # a rescan: the old scan's process ends
        self.inbox = Inbox(feed=self.feed, on_walked=self.walked_soon)
        self.feed = None
        self.verdict = None
        self.scan_error = None
        self.listed = False
        self.board.rows.clear()
        self.board.marked.clear()
        self.extras.clear()
        self.looking.clear()
        self.dirty = True
        self.scan_worker(self.inbox)

    class Walked(Message):
        """The walk is over: its result is in the inbox."""

    def walked_soon(self) -> None:
        # Called on the reader thread, where post_message is safe: the full list is drawn as
        # the walk ends, not at the next tick.
        self.post_message(self.Walked())

    def on_browse_app_walked(self, _message: Walked) -> None:
        self.drain()

    @work(thread=True, exclusive=True, group="scan")
    def scan_worker(self, inbox: Inbox) -> None:
        try:
            verdict = session.run_scan(self.request, inbox)
        except HygieneError as exc:
            self.call_from_thread(self.scan_failed, inbox, str(exc))
            return
        self.call_from_thread(self.verdict_in, inbox, verdict)

    @_while_shown
    def scan_failed(self, inbox: Inbox, message: str) -> None:
        if inbox is not self.inbox:
            return  # a scan stopped by a rescan
        self.scan_error = message
        self.dirty = True

    def on_unmount(self) -> None:
        if self.inbox.feed is not None:
            self.inbox.feed.stop()

    @_while_shown
    def verdict_in(self, inbox: Inbox, verdict: Verdict) -> None:
        if inbox is not self.inbox:
            return  # a scan started before a rescan
        inbox.candidates.clear()  # the verdict replaces every candidate
        self.verdict = verdict
        self.board.settle(verdict.result.findings, verdict.kept())
        self.dirty = True
        self.drain()

    @property
    def scanning(self) -> bool:
        return self.verdict is None and self.scan_error is None

    @_while_shown
    def drain(self) -> None:
        """Take what the scan found since the last tick; redraw only when something changed."""
        if not self.main_screen.query("#status"):
            return  # the app is closing: its list is gone, a last tick may still come
        candidates = self.inbox.candidates
        result = self.inbox.result
        if result is not None and self.verdict is None and not self.listed:
            # Every finding of the walk, every kind, while the plan is made.
            candidates.clear()
            self.board.listed(result.findings)
            self.listed = self.dirty = True
        while candidates:
            self.board.candidate(candidates.popleft())
            self.dirty = True
        self.show_status()
        if not self.dirty:
            return
        now = time.monotonic()
        # While candidates stream in, the list is redrawn at most so often that drawing takes
        # a fifth of the time: each redraw sorts and formats every row, on the CPU the scan
        # needs (issue 20). Once the walk is over, the last candidates are drawn at once.
        if (
            self.scanning
            and not self.inbox.walked
            and now - self.drawn_at < max(DRAW_EVERY, 4 * self.draw_cost)
        ):
            return
        self.dirty = False
        self.rebuild(keep_top=True)
        self.drawn_at = time.monotonic()
        self.draw_cost = self.drawn_at - now

    # --- drawing ------------------------------------------------------------------------------

    def line(self, row: Row, now: float) -> Line:
        style = STYLES.get(row.state, "")
        marked = row.key in self.board.marked
        mark = "✓" if marked else {"refused": "✗", "kept": "·"}.get(row.state, " ")
        folder = getattr(row.finding, "folder", False)
        path = self.short.get(row.path)
        if path is None:
            path = self.short[row.path] = short_path(row.path, self.roots)
        if folder:
            path += "/"
        cells = (
            mark,
            format_bytes(row.bytes),
            "-" if row.frees is None else format_bytes(row.frees),
            "-" if row.files is None else f"{row.files:,}",
            "-" if row.newest is None else format_age(max(0.0, now - row.newest)),
            row.ecosystem,
            _clip(path, PATH_WIDTH),
            row.reason,
        )
        return Line(row.key, cells, ("bold green" if marked else style,) + (style,) * 7)

    def group_line(self, key: str, name: str, rows: list[Row]) -> Line:
        marked = all(r.key in self.board.marked for r in rows if r.collectable)
        some = any(r.collectable for r in rows)
        cells = (
            "✓" if some and marked else "▸",
            format_bytes(sum(r.bytes for r in rows)),
            "",
            "",
            "",
            "",
            f"{_clip(name, PATH_WIDTH - 6)} ({len(rows)})",
            "",
        )
        return Line(key, cells, ("bold",) * 8)

    def rebuild(self, *, keep_top: bool = False) -> None:
        """Draw the board. The list keeps the cursor on its row wherever the row moves, except
        that with `keep_top` (the scan's news) a cursor on the first row stays on the first
        row: as bigger findings stream in above it, the cursor shows the biggest."""
        now = self.clock()
        lines: list[Line] = []
        shown: list[Row] = []
        self.groups = {}
        for name, rows in self.board.grouped():
            if name:
                key = GROUP_KEY + name
                self.groups[key] = rows
                lines.append(self.group_line(key, name, rows))
            lines.extend(self.line(row, now) for row in rows)
            shown += rows
        self.shown_keys = [line.key for line in lines]
        self.main_screen.query_one("#rows", RowList).set_rows(lines, keep_top=keep_top)
        self.show_totals(shown)
        self.show_details()

    def show_status(self) -> None:
        status = self.main_screen.query_one("#status", Static)
        where = ", ".join(display(r) for r in self.roots)
        inbox = self.inbox
        if self.scan_error is not None:
            said = f"scan failed: {self.scan_error}"
        elif self.listed and self.verdict is None:
            assert inbox.result is not None
            said = (
                f"scanned {inbox.result.totals.scanned_files:,} files; "
                f"{len(self.board.rows)} finding(s); checking which may go…"
            )
        elif self.verdict is None:
            said = (
                f"scanning… {inbox.files:,} files, {format_bytes(inbox.bytes)}; "
                f"{len(self.board.rows)} candidate(s)"
            )
        else:
            t = self.verdict.result.totals
            said = f"scanned {t.scanned_files:,} files; {len(self.board.rows)} finding(s)"
        view = f"sort {self.board.sort}"
        if self.board.group != "none":
            view += f", by {self.board.group}"
        if self.board.text:
            view += f", /{self.board.text}"
        if self.board.older_than is not None:
            view += f", older than {format_age(self.board.older_than)}"
        if self.board.min_size is not None:
            view += f", from {format_bytes(self.board.min_size)}"
        status.update(Text(f"{_clip(where, 30)}  {said}  [{view}]", no_wrap=True), layout=False)

    def show_totals(self, shown: list[Row] | None = None) -> None:
        marked = self.board.marked_rows()
        if shown is None:
            shown = [r for _name, rows in self.board.grouped() for r in rows]
        text = (
            f"marked {len(marked)}, {format_bytes(self.board.marked_bytes())}"
            f"  │  shown {len(shown)}, {format_bytes(sum(r.bytes for r in shown))}"
            f"  │  disk free {format_bytes(self.free)}"
        )
        self.main_screen.query_one("#totals", Static).update(Text(text, no_wrap=True), layout=False)

    def current_key(self) -> str | None:
        return self.main_screen.query_one("#rows", RowList).cursor_key

    def current_row(self) -> Row | None:
        key = self.current_key()
        return None if key is None else self.board.rows.get(key)

    def on_row_list_highlighted(self, _event: RowList.Highlighted) -> None:
        self.show_details()

    def show_details(self) -> None:
        row = self.current_row()
        pane = self.main_screen.query_one("#details", Static)
        if row is None:
            key = self.current_key()
            text = "" if key is None else f"{len(self.groups.get(key, []))} finding(s) in group"
            pane.update(text, layout=False)
            return
        extra = self.extras.get(row.key)
        pane.update(self.details_text(row, extra or []), layout=False)
        # Looking inside waits for the scan: a walk of a big node_modules took 0.15 s of CPU
        # and half a second of disk beside the scan and the plan (issue 20).
        if extra is None and row.key not in self.looking and not self.scanning:
            self.looking.add(row.key)
            self.details_worker(row)

    def details_text(self, row: Row, extra: list[str]) -> Text:
        f = row.finding
        text = Text(no_wrap=False)
        text.append(display(row.path), style="bold")
        text.append(f"\n{row.kind}")
        rule = getattr(f, "rule", None)
        if rule:
            text.append(f" · rule {rule}")
        category = getattr(f, "category", None)
        if category:
            text.append(f" · {category}")
        text.append(f" · {row.ecosystem}")
        text.append(f"\nwhy: {row.reason}")
        if row.note:
            text.append(f" (found as: {describe(f)})")
        recreate = getattr(f, "recreate", None)
        if recreate:
            text.append(f"\nrecreate: {recreate}")
        if isinstance(f, Artifact) and f.holds:
            text.append("\nholds: " + ", ".join(f"{display(p)} ({w})" for p, w in f.holds[:3]))
        for line in extra:
            text.append(f"\n{line}")
        return text

    # Not exclusive: a cancelled look would leave its row without details for good; each row
    # is looked into once, only when the cursor reaches it.
    @work(thread=True, group="details")
    def details_worker(self, row: Row) -> None:
        extra: list[str] = []
        try:
            if row.kind == "database":
                extra = session.database_figures(row.path)
            elif getattr(row.finding, "folder", False) and os.path.isdir(row.path):
                biggest, partial = session.biggest_children(row.path)
                if biggest:
                    more = " (of the first 50,000 entries)" if partial else ""
                    extra = [
                        f"biggest inside{more}: "
                        + ", ".join(f"{name} {format_bytes(size)}" for name, size in biggest)
                    ]
        except (HygieneError, OSError) as exc:
            extra = [f"could not look inside: {exc}"]
        self.call_from_thread(self.details_in, row, extra)

    @_while_shown
    def details_in(self, row: Row, extra: list[str]) -> None:
        self.extras[row.key] = extra
        self.looking.discard(row.key)
        if self.current_row() is row:
            self.main_screen.query_one("#details", Static).update(
                self.details_text(row, extra), layout=False
            )

    # --- marking and viewing ------------------------------------------------------------------

    def action_mark(self) -> None:
        key = self.current_key()
        if key is None:
            return
        keys = [r.key for r in self.groups[key]] if key in self.groups else [key]
        self.board.toggle(keys)
        self.rebuild()
        if key not in self.groups:
            self.main_screen.query_one("#rows", RowList).action_cursor_down()

    def action_mark_all(self) -> None:
        self.board.toggle([r.key for _name, rows in self.board.grouped() for r in rows])
        self.rebuild()

    def action_group(self) -> None:
        self.board.group = GROUPS[(GROUPS.index(self.board.group) + 1) % len(GROUPS)]
        self.rebuild()
        self.show_status()

    def action_sort(self) -> None:
        self.board.sort = SORTS[(SORTS.index(self.board.sort) + 1) % len(SORTS)]
        self.rebuild()
        self.show_status()

    def action_filter(self) -> None:
        box = self.main_screen.query_one("#filter", Input)
        box.add_class("shown")
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.board.text = event.value
            self.rebuild()
            self.show_status()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.main_screen.query_one("#rows", RowList).focus()
            if not event.value:
                event.input.remove_class("shown")

    def on_key(self, event: object) -> None:
        key = getattr(event, "key", None)
        box = self.main_screen.query_one("#filter", Input)
        if key == "escape" and box.has_focus:
            box.value = ""
            box.remove_class("shown")
            self.main_screen.query_one("#rows", RowList).focus()

    def action_older_than(self) -> None:
        def answered(value: str | None) -> None:
            if value is None:
                return
            try:
                seconds = parse_duration(value) if value.strip() else None
            except ValueError as exc:
                self.notify(f"--older-than: {exc}", severity="error")
                return
            self.board.set_older_than(seconds, self.clock())
            self.rebuild()
            self.show_status()

        question = "Only findings untouched this long (30d, 2w; empty: all):"
        self.push_screen(Prompt(question), answered)

    def action_min_size(self) -> None:
        def answered(value: str | None) -> None:
            if value is None:
                return
            try:
                self.board.min_size = parse_size(value) if value.strip() else None
            except ValueError as exc:
                self.notify(f"--min-size: {exc}", severity="error")
                return
            self.rebuild()
            self.show_status()

        self.push_screen(Prompt("Only findings this big (10MB; empty: all):"), answered)

    def action_help(self) -> None:
        self.push_screen(Help())

    def action_quit_app(self) -> None:
        self.exit(0)

    def action_interrupt(self) -> None:
        self.exit(EXIT_INTERRUPTED)

    def action_rescan(self) -> None:
        self.start_scan()

    # --- acting -------------------------------------------------------------------------------

    def picked(self) -> list[str]:
        """The marked artifacts' paths, or the one under the cursor when none is marked."""
        paths = [r.path for r in self.board.marked_rows() if r.collectable]
        if not paths:
            row = self.current_row()
            if row is not None and row.collectable:
                paths = [row.path]
        return paths

    def ready_to_act(self) -> bool:
        if self.scan_error is not None:
            self.notify("the scan failed, so nothing was judged: r scans again", severity="error")
            return False
        if self.verdict is None:
            self.notify("the scan is still judging what it found; act when it is done")
            return False
        return True

    def action_quarantine(self) -> None:
        paths = self.picked()
        if paths and self.ready_to_act():
            self.act_worker(paths, "quarantine")

    def action_incinerate(self) -> None:
        paths = self.picked()
        if not paths or not self.ready_to_act():
            return
        size = sum(r.bytes for r in self.board.rows.values() if r.path in set(paths))
        question = (
            f"Incinerate {len(paths)} item(s), {format_bytes(size)} ({size:,} bytes)? "
            "They are deleted for good: no undo."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.act_worker(paths, "incinerate")

        self.push_screen(Confirm(question), answered)

    @work(thread=True, exclusive=True, group="act")
    def act_worker(self, paths: list[str], action: Action) -> None:
        assert self.verdict is not None
        try:
            report = session.act_on(self.verdict.survey, paths, action)
        except HygieneError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.call_from_thread(self.acted, report, action)

    @_while_shown
    def acted(self, report: CleanReport, action: Action) -> None:
        where = "in quarantine" if action == "quarantine" else "incinerated"
        for o in report.outcomes:
            path = o.item.artifact.path
            if o.outcome == "done":
                self.board.outcome(path, "gone", f"{where} (run {report.run_id})")
            else:
                self.board.outcome(path, "refused", f"{o.outcome}: {o.reason}")
        done = report.done
        if report.run_id and action == "quarantine" and done:
            self.last_run = report.run_id
        size = format_bytes(sum(o.item.artifact.bytes for o in done))
        kept = len(report.outcomes) - len(done)
        verb = "Quarantined" if action == "quarantine" else "Incinerated"
        undo = "; u undoes it" if action == "quarantine" and done else ""
        said = f"{verb} {len(done)} item(s), {size}" + (f"; {kept} refused" if kept else "")
        self.notify(said + undo, severity="warning" if kept else "information")
        self.free = report.disk_free_after
        self.rebuild()

    def action_undo(self) -> None:
        self.restore_worker(None)

    @work(thread=True, exclusive=True, group="act")
    def restore_worker(self, run_id: str | None) -> None:
        try:
            restored_run, results = session.restore(run_id)
        except HygieneError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.call_from_thread(self.restored, restored_run, results)

    @_while_shown
    def restored(self, run_id: str, results: list[Restored]) -> None:
        back = 0
        for r in results:
            if r.outcome in ("done", "differs"):
                back += 1
                note = f"restored from run {run_id}; scan again (r) before acting on it"
                self.board.outcome(r.path, "restored", note)
            else:
                self.board.outcome(r.path, "refused", f"not restored: {r.reason}")
        failed = len(results) - back
        self.notify(
            f"Restored {back} of {len(results)} item(s) from run {run_id}",
            severity="warning" if failed else "information",
        )
        self.free = self.free_space(self.roots)
        self.rebuild()
        self._reload_quarantine()

    def action_quarantine_screen(self) -> None:
        self.push_screen(QuarantineScreen())

    def on_quarantine_screen_restore(self, message: QuarantineScreen.Restore) -> None:
        self.restore_worker(message.run_id)

    def on_quarantine_screen_purge(self, message: QuarantineScreen.Purge) -> None:
        self.purge_worker(message.run_id)

    @work(thread=True, exclusive=True, group="act")
    def purge_worker(self, run_id: str) -> None:
        try:
            purged = session.purge(run_id)
        except HygieneError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
            return
        size = format_bytes(sum(p.bytes for p in purged if p.outcome == "done"))
        failed = sum(p.outcome != "done" for p in purged)
        said = f"Purged {len(purged) - failed} item(s) of run {run_id}, {size}"
        self.call_from_thread(self.purged, said + (f"; {failed} failed" if failed else ""))

    @_while_shown
    def purged(self, said: str) -> None:
        self.notify(said)
        self.free = self.free_space(self.roots)
        self.show_totals()
        self._reload_quarantine()

    def _reload_quarantine(self) -> None:
        if isinstance(self.screen, QuarantineScreen):
            self.screen.reload()

    # --- fixing -------------------------------------------------------------------------------

    def action_fix(self) -> None:
        row = self.current_row()
        if row is None or not row.fixable:
            self.notify("f fixes ignore gaps, tracked junk and editor excludes")
            return
        self.fix_plan_worker(row)

    @work(thread=True, exclusive=True, group="act")
    def fix_plan_worker(self, row: Row) -> None:
        plan = session.plan_fix(row.finding)
        self.call_from_thread(self.confirm_fix, row, plan)

    def confirm_fix(self, row: Row, plan: FixPlan) -> None:
        from hygiene.render.fix import fix_plan_lines

        if plan.submodules and not plan.repos:
            self.notify("a submodule: left alone (hygiene fix --recurse-submodules fixes it)")
            return
        if not plan.repos:
            self.notify("nothing to fix any more")
            return
        body = "\n".join(fix_plan_lines(plan, lambda path: short_path(path, self.roots)))

        def answered(yes: bool | None) -> None:
            if yes:
                self.fix_apply_worker(row, plan)

        self.push_screen(Confirm("Make this change?", body), answered)

    @work(thread=True, exclusive=True, group="act")
    def fix_apply_worker(self, row: Row, plan: FixPlan) -> None:
        outcomes = session.apply_fix(plan)
        self.call_from_thread(self.fixed, row, outcomes)

    @_while_shown
    def fixed(self, row: Row, outcomes: list[FixOutcome]) -> None:
        # The board's row now: the verdict may have replaced the one the fix began with.
        row = self.board.rows.get(row.key, row)
        bad = [o for o in outcomes if o.status != "done"]
        if bad:
            row.state, row.note = "refused", f"fix {bad[0].status}: {bad[0].detail}"
            self.notify(row.note, severity="warning")
        else:
            row.state, row.note = "fixed", "fixed: " + "; ".join(o.detail for o in outcomes)
            self.notify(f"Fixed {short_path(row.path, self.roots)}")
        self.rebuild()
