"""browse's list of findings: a table that draws only the lines on screen.

Textual's DataTable measures every cell of every row it is given, on the frame after they are
added: 0.165 s for the 1,203 findings of the benchmark, paid again on each redraw while the scan
streams candidates, on the CPU the scan needs (issue 20). Here the numeric columns have a fixed
width, the text columns are as wide as their longest string (a length, not a measure of a
renderable), setting the rows only stores them, and a row is turned into a Strip when it is on
screen, once for as long as its cells stay the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

PAD = 1  # blank cells each side of a cell, as Textual's tables have


class Column(NamedTuple):
    label: str
    width: int | None = None  # in cells; None: as wide as its widest cell
    right: bool = False  # numbers line up on the right


class Line(NamedTuple):
    """One row: its key, its cells as plain text and one Rich style per cell."""

    key: str
    cells: tuple[str, ...]
    styles: tuple[str, ...]


def _fit(text: str, width: int, right: bool) -> str:
    size = cell_len(text)
    if size > width:
        return set_cell_size(text, width)
    return " " * (width - size) + text if right else text + " " * (width - size)


def _style(name: str) -> Style | None:
    return Style.parse(name) if name else None  # Style.parse keeps its own cache


class RowList(ScrollView, can_focus=True):
    """A header line and one line per row, with a row cursor that stays on its row's key when
    the rows are replaced."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "rowlist--header",
        "rowlist--cursor",
        "rowlist--even-row",
    }
    # The theme's variables, as Textual's own tables use them, so themes, light and dark, and
    # NO_COLOR (applied by Textual to the whole screen) work as for any widget.
    DEFAULT_CSS = """
    RowList {
        background: $surface;
        color: $foreground;
        height: 1fr;
        &:focus {
            background-tint: $foreground 5%;
            & > .rowlist--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .rowlist--header { background-tint: $foreground 5%; }
        }
        & > .rowlist--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .rowlist--header { background: ansi_bright_blue; color: ansi_default; }
        & > .rowlist--even-row { background: $surface-lighten-1 50%; }
        &:dark > .rowlist--even-row { background: $surface-darken-1 40%; }
        & > .rowlist--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "up", show=False),
        Binding("down", "cursor_down", "down", show=False),
        Binding("pageup", "page_up", "page up", show=False),
        Binding("pagedown", "page_down", "page down", show=False),
        Binding("home", "first", "first", show=False),
        Binding("end", "last", "last", show=False),
        Binding("left", "scroll_left", "left", show=False),
        Binding("right", "scroll_right", "right", show=False),
    ]

    class Highlighted(Message):
        """The cursor is on another row (moved, or its row went away)."""

        def __init__(self, row_list: RowList, row: int, key: str) -> None:
            super().__init__()
            self.row_list = row_list
            self.row = row
            self.key = key

        @property
        def control(self) -> RowList:
            return self.row_list

    def __init__(
        self, columns: Sequence[Column], *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.columns = tuple(columns)
        self._lines: list[Line] = []
        self._index: dict[str, int] = {}
        self._widths = self._measure()
        self._cursor = 0
        # Keyed by row key, so a row that moves keeps its strip; an entry is used only while
        # the row's cells and the column widths are those it was drawn with.
        self._strips: LRUCache[str, tuple[Line, tuple[int, ...], Strip]] = LRUCache(1024)
        self._header: tuple[tuple[int, ...], Strip] | None = None
        self._paint: tuple[Style, Style, Style, Style, Style] | None = None

    # --- what it holds ------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._lines)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_key(self) -> str | None:
        return self._lines[self._cursor].key if self._lines else None

    def get_row(self, key: str) -> tuple[str, ...]:
        return self._lines[self._index[key]].cells

    def set_rows(self, lines: Sequence[Line], *, keep_top: bool = False) -> None:
        """Show these rows. The cursor stays on its row's key wherever it moved; on the same
        line if the row is gone; with `keep_top`, a cursor on the first line stays there."""
        key, at = self.cursor_key, self._cursor
        self._lines = list(lines)
        self._index = {line.key: i for i, line in enumerate(self._lines)}
        self._widths = self._measure()
        self.virtual_size = Size(self.table_width, len(self._lines) + 1)
        target = self._index.get(key, at) if key is not None else at
        if keep_top and at == 0:
            target = 0
        self._cursor = max(0, min(target, len(self._lines) - 1))
        self.refresh()
        if self._cursor != at:
            self._scroll_to_cursor()
        if self.cursor_key is not None and (self.cursor_key, self._cursor) != (key, at):
            self.post_message(self.Highlighted(self, self._cursor, self.cursor_key))

    def _measure(self) -> tuple[int, ...]:
        widths = []
        for i, column in enumerate(self.columns):
            if column.width is not None:
                widths.append(column.width)
            else:
                longest = max((cell_len(line.cells[i]) for line in self._lines), default=0)
                widths.append(max(longest, cell_len(column.label)))
        return tuple(widths)

    @property
    def table_width(self) -> int:
        return sum(self._widths) + 2 * PAD * len(self._widths)

    # --- the cursor ---------------------------------------------------------------------------

    def move_cursor(self, *, row: int, scroll: bool = True) -> None:
        if not self._lines:
            return
        row = max(0, min(row, len(self._lines) - 1))
        old, self._cursor = self._cursor, row
        if scroll:
            self._scroll_to_cursor()
        if row != old:
            # A row's line in the scrolled region is its index + 1: the header is line 0.
            self.refresh_line(old + 1)
            self.refresh_line(row + 1)
            self.post_message(self.Highlighted(self, row, self._lines[row].key))

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)  # less the header

    def _scroll_to_cursor(self) -> None:
        top = self.scroll_offset.y
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, force=True)
        elif self._cursor >= top + self._page:
            self.scroll_to(y=self._cursor - self._page + 1, animate=False, force=True)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self._cursor + 1)

    def action_page_up(self) -> None:
        self.scroll_to(y=self.scroll_offset.y - self._page, animate=False, force=True)
        self.move_cursor(row=self._cursor - self._page)

    def action_page_down(self) -> None:
        self.scroll_to(y=self.scroll_offset.y + self._page, animate=False, force=True)
        self.move_cursor(row=self._cursor + self._page)

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self._lines) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return  # the header, or a scrollbar
        row = self.scroll_offset.y + offset.y - 1
        if row < len(self._lines):
            self.move_cursor(row=row)
            event.stop()

    def on_resize(self, _event: events.Resize) -> None:
        self._scroll_to_cursor()

    # --- drawing ------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # The component styles follow focus, the theme and light or dark; read once a frame.
        def component(name: str) -> Style:
            return self.get_component_styles(name).rich_style

        cursor = component("rowlist--cursor")
        self._paint = (
            self.rich_style,
            component("rowlist--header"),
            component("rowlist--even-row"),
            cursor,
            Style.from_color(cursor.color),  # the cursor's colour wins over a row's own
        )
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if self._paint is None:
            return Strip.blank(width)
        base, header_style, even, cursor, cursor_color = self._paint
        if y == 0:
            strip = self._header_strip().apply_style(header_style)
            return strip.crop_extend(scroll_x, scroll_x + width, header_style)
        index = scroll_y + y - 1
        if index >= len(self._lines):
            return Strip.blank(width, base)
        strip = self._row_strip(self._lines[index])
        style = even if index % 2 == 0 else base
        if index == self._cursor:
            style += cursor
            strip = Strip(Segment.apply_style(strip, style, cursor_color), strip.cell_length)
        else:
            strip = strip.apply_style(style)
        return strip.crop_extend(scroll_x, scroll_x + width, style)

    def _header_strip(self) -> Strip:
        if self._header is None or self._header[0] != self._widths:
            pad = " " * PAD
            text = "".join(
                pad + _fit(column.label, width, column.right) + pad
                for column, width in zip(self.columns, self._widths, strict=True)
            )
            self._header = (self._widths, Strip([Segment(text)], cell_len(text)))
        return self._header[1]

    def _row_strip(self, line: Line) -> Strip:
        cached = self._strips.get(line.key)
        if cached is not None and cached[0] == line and cached[1] == self._widths:
            return cached[2]
        pad = Segment(" " * PAD)
        segments: list[Segment] = []
        for column, width, text, style in zip(
            self.columns, self._widths, line.cells, line.styles, strict=True
        ):
            segments += (pad, Segment(_fit(text, width, column.right), _style(style)), pad)
        strip = Strip(segments, self.table_width)
        self._strips.discard(line.key)  # LRUCache.set keeps a key's old value
        self._strips[line.key] = (line, self._widths, strip)
        return strip
