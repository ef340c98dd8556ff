"""What every rich renderer shares: the console and how a path is shown below the roots.

rich is imported inside functions, never by the engine.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from hygiene.paths import display

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult


def console() -> Console:
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich exits 1 here; hygiene's one policy for a reader that left is exit 0
            # (`cli.main._reader_left`, issue 18 item 7), so the error goes on to it.
            raise BrokenPipeError(errno.EPIPE, "the reader closed the pipe")

    # Width from COLUMNS when set (tests fix it); never wrap paths mid-way on a pipe.
    return _Console(highlight=False, soft_wrap=False)


def shown_path(path: str) -> str:
    """A path as the text shows it (issue 18, item 5): relative to the current folder when it
    is below it, so it works from here and names its root; absolute otherwise."""
    try:
        here = os.getcwd()
    except OSError:  # the current folder was removed
        return display(path)
    for base in dict.fromkeys((here, os.path.realpath(here))):
        if path == base:
            return "."
        if path.startswith(base.rstrip(os.sep) + os.sep):
            return display(os.path.relpath(path, base))
    return display(path)


def short_path(path: str, roots: tuple[str, ...]) -> str:
    """Below the root it was found in (browse's list, where the root is on screen)."""
    for root in roots:
        if path == root:
            return "."
        if path.startswith(root.rstrip(os.sep) + os.sep):
            return display(os.path.relpath(path, root))
    return display(path)


# Below this many cells for a path, a table is printed as one block per row instead.
MIN_FLEX = 12


class Column(NamedTuple):
    """A column of a `Fitted` table. `number` (right-aligned) and `short` never wrap or shrink;
    `path` folds and `text` wraps at words, sharing what the others leave."""

    name: str
    kind: str = "short"


class Fitted:
    """A table that keeps its numbers (issue 18, item 4): every `number` and `short` column
    gets its whole width, the `path` and `text` columns share the rest (a path folds, whole);
    when even that leaves too little, each row is printed as a block, its path on a line of its
    own and every other cell as `name: value`. The title is a line of its own above."""

    def __init__(
        self, title: str | None, columns: Sequence[Column], rows: Sequence[Sequence[str]]
    ) -> None:
        self.title = title
        self.columns = list(columns)
        self.rows = [list(row) for row in rows]

    def _natural(self) -> list[int]:
        from rich.cells import cell_len

        return [
            max(
                [cell_len(column.name)]
                + [cell_len(line) for row in self.rows for line in row[i].splitlines() or [""]]
            )
            for i, column in enumerate(self.columns)
        ]

    def widths(self, width: int) -> list[int] | None:
        """Each column's width inside its padding, or None: the rows go as blocks."""
        natural = self._natural()
        flex = [i for i, c in enumerate(self.columns) if c.kind in ("path", "text")]
        # show_edge=False: one cell of padding each side of every column, a rule between them.
        room = width - sum(w + 2 for w in natural) - (len(natural) - 1)
        room += sum(natural[i] for i in flex)
        if room < sum(min(natural[i], MIN_FLEX) for i in flex) or (not flex and room < 0):
            return None
        widths = list(natural)
        left = len(flex)
        for i in sorted(flex, key=lambda i: natural[i]):
            widths[i] = max(1, min(natural[i], room // left))
            room -= widths[i]
            left -= 1
        return widths

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.table import Table
        from rich.text import Text

        if self.title:
            yield Text(self.title)
        widths = self.widths(options.max_width)
        if widths is None:
            yield from self._blocks(options.max_width)
            return
        table = Table(show_edge=False)
        for column, width in zip(self.columns, widths, strict=True):
            table.add_column(
                column.name,
                justify="right" if column.kind == "number" else "left",
                width=width,
                no_wrap=column.kind in ("number", "short"),
                overflow="fold",
            )
        for row in self.rows:
            # Text, not markup: a gitignore line such as `*.py[cod]` prints as it is.
            table.add_row(*(Text(cell) for cell in row))
        yield table

    def _blocks(self, width: int) -> RenderResult:
        from rich.cells import cell_len
        from rich.text import Text

        heads = [i for i, c in enumerate(self.columns) if c.kind == "path"] or [0]
        head = heads[0]
        label = "" if self.columns[head].name == "path" else f"{self.columns[head].name}: "
        for row in self.rows:
            yield Text(label + row[head], overflow="fold")
            lines: list[str] = []
            for i, column in enumerate(self.columns):
                if i == head or not row[i]:
                    continue
                pair = f"{column.name}: {row[i]}".replace("\n", ", ")
                if lines and cell_len(lines[-1]) + 2 + cell_len(pair) <= width - 2:
                    lines[-1] += "  " + pair
                else:
                    lines.append(pair)
            for line in lines:
                yield Text("  " + line, overflow="fold")
