"""`hygiene scan` read without typer (`hygiene.cli.fast`) means what typer's reading means.

Every command line the fast path accepts must reach `run_scan` with the very values typer would
pass; everything else (help, typos, bad values) must be left to typer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import hygiene.cli.scan_run
from hygiene.cli.fast import SCAN_OPTIONS, parse_scan
from hygiene.cli.main import _run, main
from hygiene.cli.scan_run import ScanArgs
from tests.fastpath import CONFIG, ROOT, assert_table_is_the_commands, real_args
from tests.scan.helpers import make_tree

ACCEPTED: list[list[str]] = [
    [],
    ["--json"],
    ["--json", "--quiet", ROOT],
    [ROOT, "--json", "-q"],
    [ROOT, ROOT],
    ["--kind", "artifact", "-k", "ignore-gap", ROOT],
    ["--kind=artifact"],
    ["--kind="],
    ["--kind", "--json"],  # click takes the next word as the value, whatever it looks like
    ["-e", "python", "--ecosystem", "node", "--category", "cache", "--category=junk"],
    ["--top", "3"],
    ["--top=+7", "--top", "2"],
    ["--older-than", "30d", "--min-size=10MB", "--fail-over", "1GB", "--large", "5MB"],
    ["--older-than", "x", "--older-than", "y"],
    ["--cross-mounts"],
    ["--one-filesystem"],
    ["--cross-mounts", "--one-filesystem"],
    ["--git-stats", "--system", "-v", "--verbose"],
    ["--config", "/no/such/hygiene.toml"],
    ["-c", CONFIG, ROOT],
    ["--config=" + CONFIG],
    ["-"],
    [""],
    ["not-there", ROOT],
]
LEFT_TO_TYPER: list[list[str]] = [
    ["--help"],
    ["-h"],
    [ROOT, "--help"],
    ["--jsn"],
    ["--no-such-flag"],
    ["-qv"],
    ["-kartifact"],
    ["--json=1"],
    ["--top"],
    ["--top", "0"],
    ["--top", "many"],
    ["--kind"],
    ["--", ROOT],
    ["--config", ROOT],  # a folder: click refuses it
    ["-x"],
]


def _typer_reading(args: list[str], monkeypatch: pytest.MonkeyPatch) -> ScanArgs:
    """What typer hands to `run_scan` for `hygiene scan ARGS`."""
    seen: list[ScanArgs] = []

    def record(values: ScanArgs) -> int:
        seen.append(values)
        return 0

    with monkeypatch.context() as patch:
        patch.setattr(hygiene.cli.scan_run, "run_scan", record)
        assert _run(["scan", *args]) == 0
    assert len(seen) == 1
    return seen[0]


@pytest.mark.parametrize("args", ACCEPTED, ids=" ".join)
def test_fast_reading_is_typers(args: list[str], tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    real = real_args(args, tmp_path)
    fast = parse_scan(real)
    assert fast is not None
    assert fast == _typer_reading(real, monkeypatch)


@pytest.mark.parametrize("args", LEFT_TO_TYPER, ids=" ".join)
def test_anything_else_is_left_to_typer(args: list[str], tmp_path: Path) -> None:
    assert parse_scan(real_args(args, tmp_path)) is None


def test_shell_completion_is_left_to_typer(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("_HYGIENE_COMPLETE", "bash_complete")
    assert parse_scan(["--json"]) is None


def test_the_table_is_the_commands() -> None:
    """Each option of the typer command, read the same way; no option typer does not know."""
    assert_table_is_the_commands("scan", SCAN_OPTIONS, ScanArgs)


def test_both_readings_give_the_same_document(make_repo, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("app")
    repo.write("pyproject.toml", "")
    repo.write("src/m.py")
    repo.commit()
    make_tree(repo.path, {"src/__pycache__/m.pyc": "x" * 100, "build/out.bin": "y" * 50})
    args = ["scan", str(tmp_path), "--json", "-q", "--kind", "artifact", "-k", "ignore-gap"]
    assert parse_scan(args[1:]) is not None
    capsys.readouterr()
    assert main(args) == 0
    fast = json.loads(capsys.readouterr().out)
    assert _run(args) == 0
    assert json.loads(capsys.readouterr().out) == fast
    assert {f["kind"] for f in fast["findings"]} == {"artifact", "ignore-gap"}


def test_scan_json_does_not_import_typer(tmp_path: Path) -> None:
    code = (
        "import contextlib, io, sys\n"
        "from hygiene.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = main(sys.argv[1:])\n"
        "print(code, sorted(m for m in ('typer', 'click', 'rich') if m in sys.modules))\n"
    )

    def loaded(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    assert loaded("scan", "--json", "--quiet", str(tmp_path)) == "0 []"
    # The same command line through typer (after `--`) does import it: the check can fail.
    assert loaded("scan", "--json", "--quiet", "--", str(tmp_path)) == "0 ['typer']"


@pytest.mark.parametrize("through_typer", [False, True])
def test_a_reader_that_left_ends_the_scan_quietly_with_0(
    tmp_path: Path, through_typer: bool
) -> None:
    """Both paths alike: no traceback, no "Exception ignored", exit 0 (issue 18, item 7: a
    closed pipe is not the `--fail-over` code)."""
    make_tree(tmp_path, {f"p{i}/__pycache__/m.pyc": "x" for i in range(50)})
    args = ["scan", "--json", "--quiet", *(["--"] if through_typer else []), str(tmp_path)]
    assert (parse_scan(args[1:]) is None) == through_typer
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # the write itself meets the closed pipe
    try:
        done = subprocess.run(
            [sys.executable, "-m", "hygiene", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, "")
