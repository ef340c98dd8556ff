"""Make the screenshots of docs/browse.md: real SVG exports from Textual (`save_screenshot`)
of `hygiene browse` on a demo tree of two git repositories.

    HYGIENE_HOME=$(mktemp -d) python docs/browse/screenshots.py
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent.parent))

from tests.browse.browsehelp import idle_workers, make_app, scanned, until  # noqa: E402
from tests.clean.cleanhelp import age, build_project  # noqa: E402
from tests.conftest import Repo, git  # noqa: E402

TREE = Path("/tmp/hygiene-browse-demo/code")


def demo() -> Path:
    shutil.rmtree(TREE.parent, ignore_errors=True)
    for name in ("shop", "api"):
        (TREE / name).mkdir(parents=True)
        git(TREE / name, "init", "-q")
        build_project(Repo(TREE / name))
    api = Repo(TREE / "api")
    api.write(".venv/pyvenv.cfg", "home = /usr/bin\n")
    api.write(".venv/lib/python3.11/site-packages/six.py", "x = 1\n" * 4000)
    api.write("dist/app-1.0.tar.gz", b"\x1f\x8b" + b"\x00" * 30000)
    api.write("setup.py", "from setuptools import setup\n")
    age(TREE)
    return TREE


async def shoot() -> None:
    root = demo()

    async def settle(pilot: Any) -> None:
        await until(pilot, lambda: not [w for w in pilot.app.workers if not w.is_finished])
        await pilot.pause(0.3)

    app = make_app(root)
    async with app.run_test(size=(80, 24)) as pilot:
        await scanned(pilot)
        await settle(pilot)
        app.save_screenshot("list-80x24.svg", str(HERE))
        await pilot.press("question_mark")
        await pilot.pause(0.2)
        app.save_screenshot("help-80x24.svg", str(HERE))
    app = make_app(root)
    async with app.run_test(size=(120, 40)) as pilot:
        await scanned(pilot)
        await pilot.press("g", "space", "down", "space", "down", "space")
        await settle(pilot)
        app.save_screenshot("grouped-marked-120x40.svg", str(HERE))
        await pilot.press("D")
        await pilot.pause(0.2)
        app.save_screenshot("incinerate-question-120x40.svg", str(HERE))
        await pilot.press("n", "d")
        await idle_workers(pilot)
        await settle(pilot)
        app.save_screenshot("quarantined-120x40.svg", str(HERE))
        await pilot.press("Q")
        await pilot.pause(0.3)
        app.save_screenshot("quarantine-runs-120x40.svg", str(HERE))
        await pilot.press("escape", "u")
        await idle_workers(pilot)
    shutil.rmtree(TREE.parent, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(shoot())
