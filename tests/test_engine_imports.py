"""The engine never imports typer or rich, and importing hygiene costs nothing."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import hygiene

ENGINE = sorted(
    m.name
    for m in pkgutil.walk_packages(hygiene.__path__, "hygiene.")
    # browse's Textual app is UI, as cli and render are; its model and session are engine.
    if not m.name.startswith(("hygiene.cli", "hygiene.render", "hygiene.browse.ui"))
    and m.name != "hygiene.__main__"
)


def test_engine_modules_do_not_import_ui_libraries() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {ENGINE!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in ('typer', 'rich', 'sqlalchemy', 'faker', 'git', 'textual') if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_importing_hygiene_is_free() -> None:
    code = "import sys, hygiene; print(len([m for m in sys.modules if m.startswith('hygiene')]))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "1"


def test_scan_loads_only_what_it_uses(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Start-up is the pre-commit hook's and the laptop's cost: `scan` must not build or import
    # the other commands (typer reads every registered command's signature), nor the schedule.
    code = (
        "import contextlib, io, sys\n"
        "from hygiene.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main(['scan', {str(tmp_path)!r}, '--json', '--quiet'])\n"
        "print(code, ','.join(sorted(m for m in sys.modules if m.startswith(('hygiene.', 'textual')))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    code_text, modules = done.stdout.split()
    loaded = set(modules.split(","))
    assert code_text == "0"
    assert "hygiene.cli.scan_run" in loaded
    unwanted = {
        # typer's reading of the command line: the fast path (`hygiene.cli.fast`) needs neither.
        "hygiene.cli.app",
        "hygiene.cli.scan",
        "hygiene.cli.db",
        "hygiene.cli.clean",
        "hygiene.cli.schedule",
        "simulator.cli",
        "hygiene.schedule.settings",
        "hygiene.clean.quarantine",
        # browse's app: textual is imported only when `browse` runs (issue 20).
        "hygiene.cli.browse",
        "textual",
    }
    assert not loaded & unwanted


def test_an_artifacts_only_scan_imports_no_detector(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import contextlib, io, sys\n"
        "from hygiene.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = main(['scan', *sys.argv[1:], '--json', '--quiet'])\n"
        "print(code, ','.join(sorted(m for m in sys.modules if m.startswith('hygiene.detectors.'))))\n"
    )

    def detectors(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path), *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    assert detectors("--kind", "artifact") == "0"
    assert "hygiene.detectors.ignore_gaps" in detectors("--kind", "ignore-gap")


def test_help_still_lists_every_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hygiene.cli.app import COMMANDS

    done = subprocess.run(
        [sys.executable, "-m", "hygiene", "--help"], capture_output=True, text=True, check=True
    )
    listed = {
        line.split()[0] for line in done.stdout.split("Commands:")[1].splitlines() if line.strip()
    }
    assert listed == set(COMMANDS)
    typo = subprocess.run([sys.executable, "-m", "hygiene", "scna"], capture_output=True, text=True)
    assert typo.returncode == 2 and "scna" in typo.stderr
