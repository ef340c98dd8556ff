"""The modal screens of `browse`: a yes/no question, a one-line prompt, help, the quarantine."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Static

from hygiene.browse.ui.keybar import KeyBar
from hygiene.units import format_bytes

KEYS: tuple[tuple[str, str], ...] = (
    ("up/down, pgup/pgdn, mouse", "move; the details pane follows the cursor"),
    ("space", "mark or unmark the row (a group header: the whole group)"),
    ("a", "mark every visible row (again: unmark them)"),
    ("d, delete", "quarantine the marked rows (undo with u)"),
    ("D", "incinerate the marked rows, after a question naming the bytes"),
    ("u", "restore the last quarantine run"),
    ("Q", "the quarantine: its runs, restore or purge one"),
    ("f", "fix the row (ignore gap, tracked junk, editor exclude), showing the change first"),
    ("g", "group by: nothing, repository, kind, ecosystem"),
    ("s", "sort by: size, age, path"),
    ("/", "filter by text (path or reason); escape clears it"),
    ("o", "only findings untouched this long (as --older-than)"),
    ("m", "only findings this big (as --min-size)"),
    ("r", "scan again"),
    ("?", "this help"),
    ("q", "quit"),
)


class Confirm(ModalScreen[bool]):
    """A question: y or enter says yes, n or escape says no."""

    BINDINGS = [  # noqa: RUF012 (textual's own class attribute)
        Binding("y,enter", "answer(True)", "yes"),
        Binding("n,escape", "answer(False)", "no"),
    ]

    def __init__(self, question: str, body: str = "") -> None:
        super().__init__()
        self.question = question
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.question, style="bold"), id="question")
            if self.body:
                yield Static(Text(self.body), id="body")
            yield Static("y: yes    n: no", id="answers")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class Prompt(ModalScreen["str | None"]):
    """One line of input; enter gives it, escape gives None."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]  # noqa: RUF012

    def __init__(self, question: str, value: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.question, id="question")
            yield Input(value=self.value, id="answer")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Help(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "close")]  # noqa: RUF012

    def compose(self) -> ComposeResult:
        text = Text()
        text.append("hygiene browse: keys\n\n", style="bold")
        for key, what in KEYS:
            text.append(f"{key:>26}  ", style="bold")
            text.append(f"{what}\n")
        text.append("\nEvery act goes through clean's plan, re-check and audit (docs/clean.md).")
        with Vertical(id="dialog"):
            yield Static(text)

    def action_close(self) -> None:
        self.dismiss(None)


class QuarantineScreen(Screen[None]):
    """The runs in quarantine; enter or r restores the highlighted one, p purges it."""

    BINDINGS = [  # noqa: RUF012
        Binding("r,enter", "restore", "restore"),
        Binding("p", "purge", "purge"),
        Binding("escape,Q", "close", "back"),
    ]

    class Restore(Message):
        def __init__(self, run_id: str) -> None:
            super().__init__()
            self.run_id = run_id

    class Purge(Message):
        def __init__(self, run_id: str) -> None:
            super().__init__()
            self.run_id = run_id

    def compose(self) -> ComposeResult:
        yield Static("The quarantine: runs that can be restored or purged", id="title")
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Static("", id="runs-total")
        yield KeyBar(self.BINDINGS, "screen")

    def on_mount(self) -> None:
        table = self.query_one("#runs", DataTable)
        for label in ("run", "started", "action", "items", "size", "files"):
            table.add_column(label, key=label)
        self.reload()

    def reload(self) -> None:
        from hygiene.browse import session

        table = self.query_one("#runs", DataTable)
        table.clear()
        summaries = session.runs()
        for s in reversed(summaries):  # newest first
            started = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.started))
            table.add_row(
                s.run_id,
                started,
                s.action,
                Text(str(s.items), justify="right"),
                Text(format_bytes(s.bytes), justify="right"),
                Text(f"{s.files:,}", justify="right"),
                key=s.run_id,
            )
        total = format_bytes(sum(s.bytes for s in summaries))
        self.query_one("#runs-total", Static).update(
            f"{len(summaries)} run(s), {total} in quarantine"
        )

    def _current(self) -> str | None:
        table = self.query_one("#runs", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return None if key.value is None else str(key.value)

    def action_restore(self) -> None:
        run_id = self._current()
        if run_id is not None:
            self.post_message(self.Restore(run_id))

    def action_purge(self) -> None:
        run_id = self._current()
        if run_id is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.post_message(self.Purge(run_id))

        self.app.push_screen(
            Confirm(f"Purge run {run_id}? Its items are deleted for good."), answered
        )

    def action_close(self) -> None:
        self.app.pop_screen()
