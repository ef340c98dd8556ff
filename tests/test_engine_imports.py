"""The engine never imports typer or rich, and importing hygiene costs nothing."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import hygiene

ENGINE = sorted(
    m.name
    for m in pkgutil.walk_packages(hygiene.__path__, "hygiene.")
    if not m.name.startswith(("hygiene.cli", "hygiene.render")) and m.name != "hygiene.__main__"
)


def test_engine_modules_do_not_import_ui_libraries() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {ENGINE!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in ('typer', 'rich', 'sqlalchemy', 'faker', 'git') if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_importing_hygiene_is_free() -> None:
    code = "import sys, hygiene; print(len([m for m in sys.modules if m.startswith('hygiene')]))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "1"
