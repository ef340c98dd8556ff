"""Issue 18, items 7-9: options that do what they say, bad files as bad input, one disk figure."""

from __future__ import annotations

import math
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scan.helpers import make_tree, scan_json

HYGIENE = [sys.executable, "-m", "hygiene"]


@pytest.fixture
def many(make_repo):  # type: ignore[no-untyped-def]
    """A repository with 8 caches, 8 ignore gaps and 3 tracked junk folders."""
    repo = make_repo("many")
    repo.write("pyproject.toml", "")
    for i in range(3):
        repo.write(f"old{i}/__pycache__/m.cpython-311.pyc", "c" * (100 + i))
    repo.commit()
    for i in range(8):
        repo.write(f"pkg{i}/__pycache__/m.cpython-311.pyc", "p" * (1000 * (i + 1)))
        os.utime(repo.path / f"pkg{i}/__pycache__/m.cpython-311.pyc", (1e9 + i, 1e9 + i))
    return repo


def test_top_limits_every_kind(many, cli) -> None:  # type: ignore[no-untyped-def]
    doc = scan_json(cli, many.path, "--top", "2")
    kinds: dict[str, int] = {}
    for f in doc["findings"]:
        kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
    assert kinds["artifact"] == 2 and kinds["ignore-gap"] == 2 and kinds["tracked-artifact"] == 2
    text = cli("scan", many.path, "--top", "2").out
    # Two rows per section: artifacts (path), gaps (path, line), tracked junk (path, fix).
    assert text.count("__pycache__") <= 2 + 2 * 2 + 2 * 2


def test_sort_by_path_and_age(many, cli) -> None:  # type: ignore[no-untyped-def]
    by_path = [
        f["path"] for f in scan_json(cli, many.path, "--sort", "path", "-k", "artifact")["findings"]
    ]
    assert by_path == sorted(by_path)
    by_age = scan_json(cli, many.path, "--sort", "age", "-k", "artifact")["findings"]
    ages = [f["newest_mtime"] for f in by_age]
    assert ages == sorted(ages)  # oldest first
    by_size = scan_json(cli, many.path, "--sort", "size", "-k", "artifact")["findings"]
    assert [f["bytes"] for f in by_size] == sorted((f["bytes"] for f in by_size), reverse=True)
    bad = cli("scan", many.path, "--sort", "colour")
    assert bad.code == 2


def test_exclude_takes_gitignore_globs(many, cli) -> None:  # type: ignore[no-untyped-def]
    doc = scan_json(cli, many.path, "--exclude", "pkg1/", "--exclude", "/pkg2/**", "-k", "artifact")
    rels = {Path(f["path"]).relative_to(many.path).as_posix() for f in doc["findings"]}
    assert "pkg1/__pycache__" not in rels and "pkg2/__pycache__" not in rels
    assert "pkg3/__pycache__" in rels
    doc = scan_json(cli, many.path, "--exclude", "__pycache__")
    assert [f for f in doc["findings"] if "__pycache__" in f["path"]] == []


@pytest.mark.parametrize("extra", [[], ["-qv"]], ids=["fast-path", "typer"])
def test_a_closed_pipe_exits_0_quietly(many, extra: list[str]) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.Popen(
        [*HYGIENE, "scan", str(many.path), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=many.path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # `| head -0`: the reader is gone before the first line
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, err
    assert err == b"" or (b"Error" not in err and b"Traceback" not in err)


def _complete(words: str) -> list[str]:
    env = dict(os.environ, _HYGIENE_COMPLETE="complete_bash", COMP_WORDS=words)
    env["COMP_CWORD"] = str(len(words.split(" ")) - 1)
    # The console script of the hygiene under test (the venv's, on PATH or not).
    from hygiene.relaunch import program

    done = subprocess.run(program(), env=env, capture_output=True, text=True)
    return done.stdout.split()


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("hygiene scan --kind ", {"artifact", "tracked-secret", "ignore-gap"}),
        ("hygiene scan --ecosystem py", {"python"}),
        ("hygiene scan --category ", {"cache", "build", "junk"}),
        ("hygiene scan --sort ", {"size", "age", "path"}),
        ("hygiene simulate --preset ", {"laptop", "seoul"}),
    ],
)
def test_completion_completes_values(words: str, expected: set[str]) -> None:
    got = set(_complete(words))
    assert expected <= got, got


def test_a_config_that_is_not_text_is_bad_input(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "some.sqlite3"
    con = sqlite3.connect(db)
    con.execute("create table t (x)")
    con.commit()
    con.close()
    res = cli("scan", tmp_path, "--config", db)
    assert res.code == 2, res.err
    assert len(res.err.strip().splitlines()) == 1 and "crash" not in res.err
    res = cli("simulate", "--scenario", db)
    assert res.code == 2, res.err
    assert len(res.err.strip().splitlines()) == 1 and "crash" not in res.err


def test_prometheus_refuses_a_missing_parent(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "nonexistent" / "x.prom"
    res = cli("report", "--prometheus", target)
    assert res.code == 2, res.err
    assert not target.parent.exists()


def _df_percent(path: Path) -> int:
    out = subprocess.run(
        ["df", "--output=pcent", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return int(out.splitlines()[-1].strip().rstrip("%"))


def test_disk_figures_agree_with_df(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    make_tree(tmp_path, {"a.txt": "x"})
    doc = scan_json(cli, tmp_path, "--system")
    (fs,) = [f for f in doc["filesystems"] if str(tmp_path) in f["roots"]]
    assert math.ceil(fs["percent"]) == _df_percent(tmp_path)
    text = cli("scan", tmp_path, "--system").out
    assert f"{_df_percent(tmp_path)}%" in text
