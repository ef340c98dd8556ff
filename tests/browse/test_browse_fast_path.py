"""`hygiene browse` read without typer (`hygiene.cli.fast`) means what typer's reading means,
so the scan starts before typer would even be imported (issue 20)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import hygiene.cli.browse_run
from hygiene.cli.browse_run import BrowseArgs
from hygiene.cli.fast import BROWSE_OPTIONS, parse_browse
from hygiene.cli.main import _run
from tests.fastpath import CONFIG, ROOT, assert_table_is_the_commands, real_args

ACCEPTED: list[list[str]] = [
    [],
    [ROOT],
    [ROOT, ROOT, "--min-age", "2h"],
    ["--older-than", "30d", "--min-size=10MB", "--large", "5MB", ROOT],
    ["-e", "python", "--ecosystem", "node", "--category", "cache", "--category=junk"],
    ["--kind", "artifact", "-k", "ignore-gap"],
    ["--kind", "--system"],  # click takes the next word as the value
    ["--cross-mounts", "--one-filesystem", "--system"],
    ["-c", CONFIG, ROOT],
    ["--config=" + CONFIG],
    ["not-there"],
]
LEFT_TO_TYPER: list[list[str]] = [
    ["--help"],
    [ROOT, "-h"],
    ["--json"],  # scan's, not browse's: typer says so
    ["--top", "3"],
    ["--git-stats"],
    ["-q"],
    ["--min-age"],
    ["--system=1"],
    ["--", ROOT],
    ["--config", ROOT],  # a folder: click refuses it
]


@pytest.mark.parametrize("args", ACCEPTED, ids=" ".join)
def test_fast_reading_is_typers(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = real_args(args, tmp_path)
    fast = parse_browse(real)
    assert fast is not None
    seen: list[BrowseArgs] = []

    def record(values: BrowseArgs) -> int:
        seen.append(values)
        return 0

    monkeypatch.setattr(hygiene.cli.browse_run, "run_browse", record)
    assert _run(["browse", *real]) == 0
    assert seen == [fast]


@pytest.mark.parametrize("args", LEFT_TO_TYPER, ids=" ".join)
def test_anything_else_is_left_to_typer(args: list[str], tmp_path: Path) -> None:
    assert parse_browse(real_args(args, tmp_path)) is None


def test_the_table_is_the_commands() -> None:
    assert_table_is_the_commands("browse", BROWSE_OPTIONS, BrowseArgs)


def test_browse_off_a_terminal_says_so_without_importing_typer(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from hygiene.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        "print(code, sorted(m for m in ('typer', 'click', 'textual') if m in sys.modules))\n"
    )

    def loaded(*args: str) -> tuple[str, str]:
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            check=True,
            stdin=subprocess.DEVNULL,
        )
        return done.stdout.strip(), done.stderr.strip()

    out, err = loaded("browse", str(tmp_path))
    assert out == "2 []"
    assert "browse needs a terminal" in err
    # The same command line through typer (after `--`) does import it: the check can fail.
    out, err = loaded("browse", "--", str(tmp_path))
    assert out == "2 ['typer']"
    assert "browse needs a terminal" in err
