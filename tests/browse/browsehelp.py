"""Helpers for the browse tests: the app on a real tree, driven by Textual's headless pilot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hygiene.browse.ui.app import BrowseApp
from hygiene.cli.browse_run import BrowseArgs, browse_request

FREE = 123 * 1024**3  # a fixed "disk free", so snapshots do not follow the machine's disk


def make_app(*roots: Path, **options: Any) -> BrowseApp:
    args: dict[str, Any] = {
        "older_than": None,
        "min_size": None,
        "ecosystem": None,
        "category": None,
        "cross_mounts": None,
        "large": None,
        "kind": None,
        "system": False,
        "min_age": None,
        "config_path": None,
    }
    args.update(options)
    request, older, size = browse_request(BrowseArgs(roots=list(roots), **args))
    return BrowseApp(request, older_than=older, min_size=size, free_space=lambda _roots: FREE)


async def until(pilot: Any, done: Callable[[], bool], *, timeout: float = 30.0) -> None:
    """Let the app run until `done()`; a test never hangs on a scan or worker that stalls."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out waiting for the app"
        await pilot.pause(0.05)
    await pilot.pause()


async def scanned(pilot: Any) -> None:
    app = pilot.app
    await until(pilot, lambda: app.verdict is not None or app.scan_error is not None)
    assert app.scan_error is None, app.scan_error


async def idle_workers(pilot: Any) -> None:
    """Wait for the act/restore workers, then for the screen to take their results."""
    app = pilot.app
    await until(
        pilot, lambda: not [w for w in app.workers if w.group == "act" and not w.is_finished]
    )
    await pilot.pause(0.1)


def run(scenario: Callable[[], Awaitable[None]], *, timeout: float = 120.0) -> None:
    asyncio.run(asyncio.wait_for(scenario(), timeout))


async def cursor_to(pilot: Any, path: Path) -> None:
    """Put the cursor on the row of `path` (the way a user would with the arrow keys)."""
    app = pilot.app
    keys = app.shown_keys
    index = next(i for i, k in enumerate(keys) if k.endswith("\0" + str(path)))
    table = app.query_one("#rows")
    while table.cursor_row != index:
        await pilot.press("down" if table.cursor_row < index else "up")
