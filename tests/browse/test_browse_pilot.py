"""`hygiene browse` driven headless (Textual's pilot) on real git repositories in tmp_path.

What moved is checked by a manifest of the files (content hash, mode, mtime, owner, link
target), never by what the app says.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from hygiene.browse.ui.app import BrowseApp
from hygiene.browse.ui.screens import Help, QuarantineScreen
from tests.browse.browsehelp import cursor_to, idle_workers, make_app, run, scanned, until
from tests.clean.cleanhelp import build_project, manifest, snapshot


def _without(seen: dict[str, object], *prefixes: str) -> dict[str, object]:
    return {
        k: v
        for k, v in seen.items()
        if not any(k == p or k.startswith(p + os.sep) for p in prefixes)
    }


def test_mark_two_quarantine_then_undo(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("shop")
    paths = build_project(repo)
    before = manifest(repo.path)
    exact = snapshot(repo.path)
    app = make_app(repo.path)

    async def scenario() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await scanned(pilot)
            for path in (paths["node_modules"], paths["pycache"]):
                await cursor_to(pilot, path)
                await pilot.press("space")
            assert len(app.board.marked) == 2
            await pilot.press("d")
            await idle_workers(pilot)
            after = manifest(repo.path)
            # Exactly the two items left; everything else is as it was (folder mtimes aside:
            # their folders lost an entry).
            assert "node_modules" not in after and "src/__pycache__" not in after
            gone = _without(before, "node_modules", "src/__pycache__", ".", "src")
            assert _without(after, ".", "src") == gone
            # The rows left the list; the footer counts nothing marked.
            assert not any(r.path == str(paths["node_modules"]) for r in app.board.visible())
            assert not app.board.marked

            await pilot.press("u")
            await idle_workers(pilot)
            assert manifest(repo.path) == before
            assert snapshot(repo.path) == exact
            await pilot.press("q")

    run(scenario)


def test_a_tracked_file_inside_refuses_the_item_with_its_reason(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("api")
    paths = build_project(repo)
    app = make_app(repo.path)

    async def scenario() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await scanned(pilot)
            # While the list is on screen, someone commits a file inside node_modules.
            repo.git("add", "-f", "node_modules/left-pad/index.js")
            kept = manifest(paths["node_modules"])
            for path in (paths["node_modules"], paths["pycache"]):
                await cursor_to(pilot, path)
                await pilot.press("space")
            await pilot.press("d")
            await idle_workers(pilot)
            assert manifest(paths["node_modules"]) == kept
            assert not paths["pycache"].exists()
            row = next(r for r in app.board.rows.values() if r.path == str(paths["node_modules"]))
            assert row.state == "refused"
            assert "track" in row.reason, row.reason
            # The reason is on the row the user sees.
            table = app.query_one("#rows")
            cells = [str(c) for c in table.get_row(row.key)]
            assert any("track" in c for c in cells), cells

    run(scenario)


def test_rows_stream_before_the_verdict_and_filters_are_live(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("web")
    paths = build_project(repo)
    app = make_app(repo.path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await scanned(pilot)
            keys = set(app.shown_keys)
            assert any(k.endswith(str(paths["node_modules"])) for k in keys)
            await pilot.press("slash", *"pycache", "enter")
            shown = [r.path for r in app.board.visible()]
            assert shown == [str(paths["pycache"])]
            await pilot.press("slash", "escape")
            await pilot.press("m")
            await pilot.press(*"1MB", "enter")
            assert not [r for r in app.board.visible() if r.kind == "artifact"]
            await pilot.press("g")
            assert app.board.group == "repo"
            await pilot.press("question_mark")
            await pilot.press("escape")
            await pilot.press("q")

    run(scenario)
    assert app.return_value == 0


def test_d_before_the_verdict_waits_and_changes_nothing(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("slow")
    paths = build_project(repo)
    app = make_app(repo.path)
    # A candidate arrives; the verdict is held back, as on a big tree still being judged.
    from hygiene.browse import session

    real = session.run_scan

    def stalled(*args, **kwargs):  # type: ignore[no-untyped-def]
        import time

        time.sleep(1.0)
        return real(*args, **kwargs)

    async def scenario() -> None:
        session.run_scan = stalled  # type: ignore[assignment]
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause(0.1)
                assert app.verdict is None
                await pilot.press("a", "d")
                await pilot.pause(0.1)
                assert paths["node_modules"].exists()
                await scanned(pilot)
        finally:
            session.run_scan = real  # type: ignore[assignment]

    run(scenario)
    assert paths["node_modules"].exists()


def test_ctrl_c_quits_at_once_as_interrupted(make_repo) -> None:  # type: ignore[no-untyped-def]
    """As npkill and kondo users expect: Ctrl+C leaves (exit 130, hygiene's "interrupted"),
    without the question Textual asks by default, mid-scan or after."""
    repo = make_repo("api")
    build_project(repo)
    for settle in (False, True):
        app = make_app(repo.path)

        async def scenario(app: BrowseApp = app, settle: bool = settle) -> None:
            async with app.run_test() as pilot:
                if settle:
                    await scanned(pilot)
                await pilot.press("ctrl+c")
                await pilot.pause()

        run(scenario)
        # The app's result is the command's exit code (`hygiene.cli.browse_run.run_browse`).
        assert app.return_value == 130


async def _click_key(pilot: Any, bar: str, words: str) -> None:
    """Click the key bar where it shows `words` ("a all"), as a mouse user would."""
    widget = pilot.app.screen.query_one(bar)
    text = str(widget.render())
    await pilot.click(bar, offset=(1 + text.index(words), 0))  # 1: the bar's padding
    await pilot.pause()


def test_the_key_bar_answers_the_mouse(make_repo) -> None:  # type: ignore[no-untyped-def]
    """Every key the bar shows is a click away: marking all, the help and the quarantine's
    screen open, and back, with no keyboard."""
    repo = make_repo("mouse")
    build_project(repo)
    app = make_app(repo.path)

    async def scenario() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await scanned(pilot)
            assert not app.board.marked
            await _click_key(pilot, "#keys", "a all")
            assert app.board.marked and len(app.board.marked) == len(
                [r for r in app.board.visible() if r.collectable]
            )
            await _click_key(pilot, "#keys", "? help")
            assert isinstance(app.screen, Help)
            await pilot.press("escape")
            await pilot.press("Q")
            assert isinstance(app.screen, QuarantineScreen)
            await _click_key(pilot, "KeyBar", "back")
            assert app.screen is app.main_screen
            await _click_key(pilot, "#keys", "q quit")

    run(scenario)
    assert app.return_value == 0


def _forked(repo_path: Any, monkeypatch: Any, plan: Any) -> BrowseApp:
    """The app with its scan forked from this process, as the command forks it, and the
    scan's plan made by `plan(real_plan, *args)` there (ScanFeed forks only from a
    single-threaded process)."""
    from hygiene.browse import feed as feed_module
    from hygiene.browse.feed import ScanFeed

    real_plan = feed_module._plan
    monkeypatch.setattr(feed_module, "_plan", lambda *a, **k: plan(real_plan, *a, **k))
    assert threading.active_count() == 1, "another thread: the scan would not be forked"
    request = make_app(repo_path).request
    return BrowseApp(
        request, feed=ScanFeed.start(request.scan, request.clean), free_space=lambda _r: 0
    )


def test_the_whole_list_is_shown_while_the_plan_is_made(make_repo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Once the walk ends, every finding of every kind is on screen (an ignore gap too, which
    no candidate carries), marked as still being checked; acting waits for the plan."""
    import time

    repo = make_repo("gaps")
    paths = build_project(repo)
    repo.write(".pytest_cache/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n")

    def slow_plan(real_plan, *args):  # type: ignore[no-untyped-def]
        time.sleep(1.5)  # as on a big tree still being judged
        return real_plan(*args)

    app = _forked(repo.path, monkeypatch, slow_plan)

    async def scenario() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.listed)
            assert app.verdict is None
            result = app.inbox.result
            assert result is not None
            kinds = {(r.kind, r.path) for r in app.board.rows.values()}
            assert kinds == {(f.kind, f.path) for f in result.findings}
            assert ("ignore-gap", str(repo.path / ".pytest_cache")) in kinds
            # On screen: the gap's row, and the status says the plan is still coming.
            assert any(k.startswith("ignore-gap\0") for k in app.shown_keys)
            status = str(app.query_one("#status").render())
            assert "checking which may go" in status, status
            before = manifest(repo.path)
            await pilot.press("a", "d")
            await pilot.pause(0.2)
            assert manifest(repo.path) == before  # nothing moves before the plan
            await scanned(pilot)
            assert "checking" not in str(app.query_one("#status").render())
            row = next(r for r in app.board.rows.values() if r.path == str(paths["pycache"]))
            assert row.state == "ready"
            await pilot.press("q")

    run(scenario)


def test_a_plan_that_fails_after_the_walk_leaves_everything_in_place(
    make_repo, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The walk's list is on screen, then the plan fails: the status says so, and marking
    everything and pressing d or D moves nothing (nothing was judged)."""
    from hygiene.errors import HygieneError

    repo = make_repo("broken")
    build_project(repo)

    def failing_plan(_real_plan, *_args):  # type: ignore[no-untyped-def]
        raise HygieneError("git could not answer")

    app = _forked(repo.path, monkeypatch, failing_plan)

    async def scenario() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.scan_error is not None)
            assert app.listed and app.board.rows
            status = str(app.query_one("#status").render())
            assert "scan failed: git could not answer" in status, status
            before = manifest(repo.path)
            await pilot.press("a", "d", "D")
            await pilot.pause(0.2)
            assert manifest(repo.path) == before
            assert app.screen is app.main_screen  # no incinerate question was asked
            await pilot.press("q")

    run(scenario)


def test_a_fix_made_before_the_verdict_stays_fixed_after_it(make_repo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An ignore gap fixed while the plan is made (its row is on screen, and a fix needs no
    plan) still reads fixed when the verdict replaces the rows, as the disk says."""
    import time

    from hygiene.browse.ui.screens import Confirm

    repo = make_repo("fixer")
    build_project(repo)
    repo.write(".pytest_cache/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n")
    gap = "ignore-gap\0" + str(repo.path / ".pytest_cache")

    def slow_plan(real_plan, *args):  # type: ignore[no-untyped-def]
        time.sleep(2.5)
        return real_plan(*args)

    app = _forked(repo.path, monkeypatch, slow_plan)

    async def scenario() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.listed)
            table = app.query_one("#rows")
            while app.current_key() != gap:
                await pilot.press("down")
            await pilot.press("f")
            await until(pilot, lambda: isinstance(app.screen, Confirm))
            await pilot.press("y")
            await until(pilot, lambda: app.board.rows[gap].state == "fixed")
            assert app.verdict is None, "the plan came too soon to test this"
            assert ".pytest_cache" in (repo.path / ".gitignore").read_text()
            await scanned(pilot)
            row = app.board.rows[gap]
            assert row.state == "fixed" and not row.fixable, (row.state, row.reason)
            assert any("fixed" in c for c in table.get_row(gap)), table.get_row(gap)
            await pilot.press("q")

    run(scenario)


def test_a_path_with_brackets_is_shown_as_it_is(make_repo) -> None:  # type: ignore[no-untyped-def]
    """Folders named like markup ("[b]", "[red]") are named as they are in what browse says,
    not read as styles (or refused as bad markup)."""
    from textual.widgets._toast import Toast

    repo = make_repo("we[b]site[red]")
    build_project(repo)
    app = make_app(repo.path)

    async def scenario() -> None:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await scanned(pilot)
            # As `fixed` says it: every message of the app goes through its notify.
            app.notify(f"Fixed {repo.path.name}/.gitignore")
            await pilot.pause(0.2)
            said = [str(t.render()) for t in app.screen.query(Toast)]
            assert any("we[b]site[red]/.gitignore" in s for s in said), said
            await pilot.press("q")

    run(scenario)
