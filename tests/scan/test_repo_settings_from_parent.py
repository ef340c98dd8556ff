"""Issue 18, item 6: a repository's own `protect` list counts when the scan starts above it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.mark.parametrize("settings", ["pyproject.toml", "hygiene.toml"])
def test_a_repository_protect_list_counts_from_the_parent(
    make_repo, cli, tmp_path: Path, settings: str
) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("pyproj")
    body = 'protect = [".venv/"]\n'
    repo.write(settings, f"[tool.hygiene]\n{body}" if settings == "pyproject.toml" else body)
    repo.write(".venv/pyvenv.cfg", "home = /usr/bin\n")
    repo.write(".venv/lib/x.py", "x" * 1000)
    repo.write("pkg/__pycache__/m.cpython-311.pyc", "c" * 100)
    inside = json.loads(cli("scan", "--json", "-k", "artifact", repo.path).out)
    assert [f["rule"] for f in inside["findings"]] == ["python.pycache"]
    above = json.loads(cli("scan", "--json", "-k", "artifact", tmp_path).out)
    assert [f["rule"] for f in above["findings"]] == ["python.pycache"]
    res = cli("clean", tmp_path, "--all", "--dry-run", "--json")
    assert res.code == 0, res.err
    assert ".venv" not in res.out
