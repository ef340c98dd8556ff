"""browse's list widget (`hygiene.browse.ui.rowlist.RowList`) on its own, in a headless app:
what it draws, and what it costs, for the benchmark's 1,203 rows (issue 20)."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from textual import events
from textual.app import App, ComposeResult
from textual.strip import Strip

from hygiene.browse.ui.app import COLUMNS
from hygiene.browse.ui.rowlist import Line, RowList
from tests.browse.browsehelp import run

ROWS = 1203  # the benchmark workspace's findings
SIZE = (120, 40)


def line(i: int, reason: str = "", style: str = "") -> Line:
    cells = (
        " ",
        f"{i} KB",
        "-",
        f"{i:,}",
        "4w",
        "node",
        f"p{i:04}/node_modules/",
        reason or f"reason {i}",
    )
    return Line(f"k{i}", cells, (style,) * 8)


def lines(keys: range | list[int]) -> list[Line]:
    return [line(i) for i in keys]


class Counted(RowList):
    """Counts the lines Textual asks it for."""

    def __init__(self) -> None:
        super().__init__(COLUMNS, id="rows")
        self.drawn = 0

    def render_line(self, y: int) -> Strip:
        self.drawn += 1
        return super().render_line(y)


class ListApp(App[None]):
    def __init__(self, rows: list[Line]) -> None:
        super().__init__()
        self.rows = rows
        self.highlighted: list[tuple[int, str]] = []

    def compose(self) -> ComposeResult:
        yield Counted()

    def on_mount(self) -> None:
        table = self.query_one(Counted)
        table.set_rows(self.rows)
        table.focus()

    def on_row_list_highlighted(self, event: RowList.Highlighted) -> None:
        self.highlighted.append((event.row, event.key))


def scenario(rows: list[Line], body: Any) -> None:
    async def go() -> None:
        app = ListApp(rows)
        async with app.run_test(size=SIZE) as pilot:
            await frame(pilot)
            await body(pilot, app, app.query_one(Counted))

    run(go)


async def frame(pilot: Any) -> None:
    """Let Textual draw what changed (its screen is updated on a timer, not at once)."""
    await pilot.pause(0.1)


def built(table: RowList) -> set[str]:
    """The rows turned into strips so far (kept by key)."""
    return set(table._strips.keys())


def text(table: RowList, y: int) -> str:
    return table.render_line(y).text


def test_only_the_lines_on_screen_are_drawn() -> None:
    async def body(pilot: Any, app: ListApp, table: Counted) -> None:
        # The header and 39 rows fit in 40 lines; of 1,203 rows only those are drawn.
        assert table.row_count == ROWS
        assert 0 < table.drawn <= SIZE[1], table.drawn
        assert built(table) == {f"k{i}" for i in range(SIZE[1] - 1)}
        # The same rows again (a redraw while the scan streams): nothing is built anew.
        strips = {key: table._strips.get(key) for key in built(table)}
        drawn = table.drawn
        table.set_rows(lines(range(ROWS)))
        await frame(pilot)
        assert 0 < table.drawn - drawn <= SIZE[1]
        assert all(table._strips.get(key) is strip for key, strip in strips.items())
        # One row's cells change: that row, and no other, gets a new strip.
        changed = lines(range(ROWS))
        changed[3] = line(3, reason="kept: 2s")  # no longer than the longest reason
        table.set_rows(changed)
        await frame(pilot)
        for key, strip in strips.items():
            assert (table._strips.get(key) is strip) == (key != "k3"), key
        assert "kept: 2s" in text(table, 4)
        # A longer one widens its column: every row on screen is drawn again.
        changed[3] = line(3, reason="kept: modified 2s ago, within --min-age")
        table.set_rows(changed)
        await frame(pilot)
        assert not any(table._strips.get(key) is strip for key, strip in strips.items())
        assert text(table, 1).index("reason 0") == text(table, 4).index("kept: modified")
        # A page down draws the next page, not the list.
        await pilot.press("pagedown")
        await frame(pilot)
        assert len(built(table)) <= 2 * (SIZE[1] - 1)

    scenario(lines(range(ROWS)), body)


def test_the_cursor_stays_on_its_row_across_a_rebuild() -> None:
    async def body(pilot: Any, app: ListApp, table: Counted) -> None:
        table.move_cursor(row=100)
        await pilot.pause()
        assert table.cursor_key == "k100"
        top = table.scroll_offset.y
        assert top <= 100 < top + SIZE[1] - 1  # scrolled to it
        # 50 new rows above it, and the order reversed: the cursor follows k100.
        table.set_rows(lines(list(range(ROWS + 50))[::-1]))
        await pilot.pause()
        assert table.cursor_key == "k100"
        assert table.cursor_row == ROWS + 50 - 1 - 100
        top = table.scroll_offset.y
        assert top <= table.cursor_row < top + SIZE[1] - 1
        # Its row gone: the cursor stays on its line, now the next row's.
        at = table.cursor_row
        table.set_rows([r for r in lines(list(range(ROWS + 50))[::-1]) if r.key != "k100"])
        assert table.cursor_row == at and table.cursor_key == "k99"
        # Fewer rows than its line: on the last one.
        table.set_rows(lines(range(10)))
        assert table.cursor_row == 9 and table.cursor_key == "k9"
        await pilot.pause()
        assert app.highlighted[-1] == (9, "k9")

    scenario(lines(range(ROWS)), body)


def test_keep_top_keeps_a_cursor_on_the_first_row_there() -> None:
    async def body(pilot: Any, app: ListApp, table: Counted) -> None:
        assert table.cursor_row == 0 and table.cursor_key == "k0"
        # A bigger finding streams in above: with keep_top the cursor shows it.
        table.set_rows(lines([-1, *range(ROWS)]), keep_top=True)
        assert table.cursor_row == 0 and table.cursor_key == "k-1"
        # Without keep_top, the cursor follows its row down.
        table.set_rows(lines([-2, -1, *range(ROWS)]))
        assert table.cursor_row == 1 and table.cursor_key == "k-1"
        # keep_top leaves a cursor below the first row on its row.
        table.set_rows(lines([-3, -2, -1, *range(ROWS)]), keep_top=True)
        assert table.cursor_key == "k-1" and table.cursor_row == 2

    scenario(lines(range(ROWS)), body)


def test_keys_move_the_cursor_and_the_view_follows() -> None:
    async def body(pilot: Any, app: ListApp, table: Counted) -> None:
        page = SIZE[1] - 1 - table.scrollbar_size_horizontal  # the lines under the header
        await pilot.press("down", "down", "up")
        assert table.cursor_row == 1
        await pilot.press("pagedown")
        assert table.cursor_row == 1 + page
        assert table.scroll_offset.y == page
        await pilot.press("pageup")
        assert table.cursor_row == 1 and table.scroll_offset.y == 0
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == ROWS - 1
        assert table.scroll_offset.y == ROWS - page
        assert text(table, page).lstrip().startswith(f"{ROWS - 1} KB")
        await pilot.press("down")  # past the end: stays
        assert table.cursor_row == ROWS - 1
        await pilot.press("home")
        assert table.cursor_row == 0 and table.scroll_offset.y == 0
        await pilot.press("up")
        assert table.cursor_row == 0
        # The first: the rows set, the cursor on k0.
        assert [row for row, _key in app.highlighted] == [0, 1, 2, 1, 1 + page, 1, ROWS - 1, 0]

    scenario(lines(range(ROWS)), body)


def test_a_click_selects_its_row_and_the_wheel_scrolls() -> None:
    async def body(pilot: Any, app: ListApp, table: Counted) -> None:
        await pilot.click(Counted, offset=(30, 5))  # line 5: the header, then rows 0..
        assert table.cursor_row == 4 and app.highlighted[-1] == (4, "k4")
        await pilot.click(Counted, offset=(30, 0))  # the header: no row
        assert table.cursor_row == 4
        # The wheel scrolls the view, not the cursor; a click then picks what is under it.
        for _ in range(5):
            table.post_message(events.MouseScrollDown(table, 30, 5, 0, 1, 0, False, False, False))
        await pilot.pause()
        top = table.scroll_offset.y
        assert top > 0 and table.cursor_row == 4
        assert text(table, 1).lstrip().startswith(f"{top} KB")
        await pilot.click(Counted, offset=(30, 2))
        assert table.cursor_row == top + 1 and table.cursor_key == f"k{top + 1}"

    scenario(lines(range(ROWS)), body)


def test_cells_are_drawn_in_their_columns_with_their_styles() -> None:
    rows = [line(1234), line(7, style="yellow"), Line("g", ("▸", "9 KB", *[""] * 6), ("bold",) * 8)]

    async def body(pilot: Any, app: ListApp, table: Counted) -> None:
        header, big, small, group = (text(table, y) for y in range(4))
        assert header.split() == ["size", "frees", "files", "age", "ecosystem", "path", "reason"]
        # Numbers to the right of their fixed columns, text after; the same place on every row.
        assert small.index("7 KB") + 4 == big.index("1234 KB") + 7 == header.index("size") + 4
        assert small.index("  7  ") + 3 == big.index("1,234") + 5 == header.index("files") + 5
        assert small.index("p0007/") == big.index("p1234/") == header.index("path")
        assert group.startswith(" ▸ ") and "9 KB" in group
        # A row's own style is kept (under the cursor, the cursor's colour wins); the cursor's
        # line and the zebra stripes have backgrounds of their own.
        cursor, plain, zebra = (table.render_line(y) for y in (1, 2, 3))
        assert Style.parse("yellow").color in {s.style.color for s in plain if s.style}
        backgrounds = [
            {s.style.bgcolor for s in strip if s.style} for strip in (cursor, zebra, plain)
        ]
        assert len({frozenset(b) for b in backgrounds}) == 3, backgrounds

    scenario(rows, body)


def test_the_theme_repaints_the_list() -> None:
    async def body(pilot: Any, app: ListApp, table: Counted) -> None:
        def backgrounds() -> tuple[object, ...]:
            table.render_lines(table.region.reset_offset)  # the component styles, as a frame
            return tuple(table.render_line(y)._segments[0].style.bgcolor for y in range(4))

        app.theme = "textual-dark"
        await pilot.pause()
        dark = backgrounds()
        app.theme = "textual-light"
        await pilot.pause()
        light = backgrounds()
        assert all(a != b for a, b in zip(dark, light, strict=True)), (dark, light)

    scenario(lines(range(10)), body)
