"""`hygiene scan` with the detectors beyond the artifact table: one JSON document, options,
errors, boundaries."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def workspace(make_repo, tmp_path: Path):  # type: ignore[no-untyped-def]
    repo = make_repo("proj")
    repo.write("pyproject.toml", "[project]\n")
    repo.write("src/app.py", "x = 1\n")
    repo.write("old/__pycache__/app.pyc", "x")
    repo.commit()
    repo.write("src/__pycache__/app.pyc", b"\0" * 2000)
    repo.write(".env", "TOKEN=1\n")
    repo.write("big.parquet", os.urandom(1_200_000))
    conn = sqlite3.connect(repo.path / "local.data")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    repo.write("dev.sqlite3", "")  # named as a dev database: local state
    return repo


def kinds_of(doc: dict) -> list[str]:  # type: ignore[type-arg]
    return [f["kind"] for f in doc["findings"]]


def test_every_kind_lands_in_one_json_document(workspace, cli) -> None:
    result = cli("scan", "--json", "--large", "1MB", workspace.path)
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["schema"] == 1
    kinds = kinds_of(doc)
    for kind in ("artifact", "ignore-gap", "tracked-artifact", "large-file", "database"):
        assert kind in kinds
    gaps = [f for f in doc["findings"] if f["kind"] == "ignore-gap"]
    assert [g["rel"] for g in gaps][:2] == [".env", "dev.sqlite3"]  # secret, then state
    assert gaps[0]["suggestion"] == ".env*"
    assert {g["rel"] for g in gaps} >= {"src/__pycache__"}
    cache_gap = next(g for g in gaps if g["rel"] == "src/__pycache__")
    # The folder's own entry counts, as du -sb counts it (issue 18, item 2).
    assert cache_gap["bytes"] == 2000 + (workspace.path / "src/__pycache__").stat().st_size
    large = next(f for f in doc["findings"] if f["kind"] == "large-file")
    assert (large["tracked"], large["product"]) == (False, "data file")
    tracked = next(f for f in doc["findings"] if f["kind"] == "tracked-artifact")
    assert tracked["rel"] == "old/__pycache__"
    db = next(f for f in doc["findings"] if f["kind"] == "database")
    assert db["path"].endswith("local.data")
    assert db["engine"] == "sqlite"
    assert doc["totals"]["findings"] == len(doc["findings"])


def test_kind_selects_findings(workspace, cli) -> None:
    result = cli("scan", "--json", "--kind", "ignore-gap", workspace.path)
    assert set(kinds_of(json.loads(result.out))) == {"ignore-gap"}


def test_human_report_has_a_section_per_kind(workspace, cli) -> None:
    result = cli("scan", "--large", "1MB", workspace.path)
    assert result.code == 0, result.err
    for title in ("ignore gaps:", "tracked junk:", "large files:", "dev databases:"):
        assert title in result.out
    assert "git rm --cached -r -q -- old/__pycache__" in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--kind", "rubbish"), "--kind: unknown value 'rubbish'"),
        (("--large", "huge"), "--large: expected a size"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(cli, tmp_path: Path, args, message) -> None:  # type: ignore[no-untyped-def]
    result = cli("scan", *args, tmp_path)
    assert result.code == 2
    assert message in result.err
    assert result.err.count("\n") == 1


def test_large_from_the_config_file(workspace, cli) -> None:
    workspace.write("hygiene.toml", 'large = "1MB"\n')
    result = cli("scan", "--json", "--kind", "large-file", workspace.path)
    assert kinds_of(json.loads(result.out)) == ["large-file"]


def test_engine_modules_import_neither_typer_nor_rich() -> None:
    code = (
        "import sys\n"
        "import hygiene.detectors, hygiene.fix.engine, hygiene.fix.jsonc, hygiene.scan.engine\n"
        "from hygiene.detectors import all_detectors\n"
        "all_detectors()\n"
        "bad = [m for m in ('typer', 'rich', 'psutil') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_broken_repository_is_reported_not_fatal(cli, tmp_path: Path) -> None:
    (tmp_path / "broken" / ".git").mkdir(parents=True)
    (tmp_path / "broken" / "__pycache__").mkdir()
    (tmp_path / "broken" / "__pycache__" / "x.pyc").write_text("x", encoding="utf-8")
    result = cli("scan", "--json", tmp_path)
    assert result.code == 0, result.err
    messages = [e["message"] for e in json.loads(result.out)["errors"]]
    assert any("its tracked files are left out" in m for m in messages)
    assert any("its history is left out" in m for m in messages)
