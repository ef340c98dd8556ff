"""`hygiene scan` as a user runs it: output, JSON schema, filters and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hygiene import __version__
from tests.scan.helpers import make_tree, scan_json

ARTIFACT_KEYS = {
    "kind",
    "path",
    "bytes",
    "disk_bytes",
    "reclaimable_bytes",
    "files",
    "newest_mtime",
    "ecosystem",
    "category",
    "rule",
    "reason",
    "recreate",
    "repo",
    "folder",
}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    make_tree(
        tmp_path,
        {
            "web/package.json": "{}",
            "web/node_modules/react/index.js": "x" * 30_000,
            "api/pyproject.toml": "",
            "api/.venv/pyvenv.cfg": "",
            "api/.venv/lib/a.py": "y" * 20_000,
            "api/src/__pycache__/m.pyc": "z" * 100,
            "rs/Cargo.toml": "",
            "rs/target/app": "b" * 5_000,
        },
    )
    old = time.time() - 90 * 86400
    for path in (tmp_path / "rs" / "target").rglob("*"):
        os.utime(path, (old, old))
    os.utime(tmp_path / "rs" / "target", (old, old))
    return tmp_path


def test_json_document_shape_is_stable(workspace: Path, cli) -> None:  # type: ignore[no-untyped-def]
    doc = scan_json(cli, workspace)
    assert set(doc) == {"schema", "tool", "version", "roots", "findings", "totals", "errors"}
    assert doc["schema"] == 1 and doc["version"] == __version__
    assert doc["roots"] == [str(workspace)]
    assert {f["kind"] for f in doc["findings"]} == {"artifact"}
    for finding in doc["findings"]:
        assert set(finding) == ARTIFACT_KEYS
        assert os.path.isabs(finding["path"])
        assert finding["ecosystem"] == finding["ecosystem"].lower()
    sizes = [f["bytes"] for f in doc["findings"]]
    assert sizes == sorted(sizes, reverse=True)
    assert set(doc["totals"]) >= {"scanned_files", "artifact_bytes", "reclaimable_bytes"}


def test_json_puts_each_finding_on_a_line_of_its_own(workspace: Path, cli) -> None:  # type: ignore[no-untyped-def]
    # A newline and a quote in a name must stay escaped inside the finding's one line.
    odd = workspace / 'say "hi"\nthere'
    (odd / "__pycache__").mkdir(parents=True)
    (odd / "__pycache__" / "m.pyc").write_bytes(b"p")
    result = cli("scan", "--json", workspace)
    doc = json.loads(result.out)
    finding_lines = [line for line in result.out.splitlines() if line.startswith('    {"kind"')]
    assert len(finding_lines) == len(doc["findings"]) == 5
    for line, finding in zip(finding_lines, doc["findings"], strict=True):
        assert json.loads(line.rstrip(",")) == finding
    assert str(odd / "__pycache__") in {f["path"] for f in doc["findings"]}


def test_filters(workspace: Path, cli) -> None:  # type: ignore[no-untyped-def]
    def names(*args: str) -> set[str]:
        return {Path(f["path"]).name for f in scan_json(cli, workspace, *args)["findings"]}

    assert names() == {"node_modules", ".venv", "__pycache__", "target"}
    assert names("--older-than", "30d") == {"target"}
    assert names("--min-size", "10KB") == {"node_modules", ".venv"}
    assert names("--ecosystem", "python") == {".venv", "__pycache__"}
    assert names("--category", "virtualenv", "--category", "build") == {".venv", "target"}


def test_human_report_groups_by_category(workspace: Path, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("scan", workspace)
    assert result.code == 0
    for heading in ("dependencies: 1 found", "virtualenv: 1 found", "build: 1 found"):
        assert heading in result.out
    assert "4 artifacts" in result.out
    top = cli("scan", workspace, "--top", "1")
    assert "node_modules" in top.out and ".venv" not in top.out


def test_fail_over_exit_codes(workspace: Path, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("scan", workspace, "--fail-over", "1MB", "-q").code == 0
    assert cli("scan", workspace, "--fail-over", "10KB", "-q").code == 1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["scan", "/no/such/root"], "root '/no/such/root' does not exist"),
        (["scan", "--min-size", "lots"], "--min-size: expected a size"),
        (["scan", "--older-than", "30"], "--older-than: expected a duration"),
        (["scan", "--ecosystem", "cobol"], "--ecosystem: unknown value 'cobol'"),
        (["scan", "--category", "treasure"], "--category: unknown value 'treasure'"),
        (["scan", "--no-such-flag"], "No such option: --no-such-flag"),
        (["scan", "--config", "/no/such.toml"], "/no/such.toml: config file not found"),
        (["scann"], "No such command 'scann'"),
    ],
)
def test_usage_errors_are_one_line_exit_2(cli, args: list[str], needle: str) -> None:  # type: ignore[no-untyped-def]
    result = cli(*args)
    assert result.code == 2
    assert needle in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_a_file_as_root_is_refused(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "f").write_text("x")
    result = cli("scan", tmp_path / "f")
    assert result.code == 2 and "is not a folder" in result.err


def test_version_and_help(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("--version").out.strip() == f"hygiene {__version__}"
    listing = cli("--help").out
    assert "scan" in listing
    assert cli("scan", "--help").code == 0


def test_python_dash_m_and_console_script(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hygiene", "scan", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["findings"] == []


def test_internal_error_is_one_line_and_a_log(tmp_path: Path, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import hygiene.scan.engine

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(hygiene.scan.engine, "scan", broken)
    result = cli("scan", tmp_path)
    assert result.code == 3
    assert "internal error: RuntimeError: boom" in result.err
    log = result.err.split("details in ")[1].rstrip(")\n")
    assert "Traceback" in Path(log).read_text()


def test_ctrl_c_says_interrupted_and_exits_130(tmp_path: Path, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Ctrl-C inside a command (typer turns it into a bare exit code 130) still says so."""
    import hygiene.scan.engine

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(hygiene.scan.engine, "scan", interrupted)
    result = cli("scan", tmp_path)
    assert result.code == 130
    assert result.err == "hygiene: interrupted\n"
