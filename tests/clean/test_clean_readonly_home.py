"""A quarantine on a read-only filesystem (a home on a disk mounted read-only after an error)
refuses cleanly: nothing changed, said in words, exit 2; not an internal error (exit 3)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cleanhelp import age, manifest


@pytest.fixture
def readonly_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    home.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,ro", "none", str(home)]).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    monkeypatch.setenv("HYGIENE_HOME", str(home))
    try:
        yield home
    finally:
        subprocess.run(["umount", str(home)], check=True)


def test_clean_with_a_read_only_quarantine_changes_nothing_and_says_so(  # type: ignore[no-untyped-def]
    cli, tmp_path, readonly_home
) -> None:
    project = tmp_path / "shop"
    (project / "node_modules" / "left-pad").mkdir(parents=True)
    (project / "package.json").write_text("{}\n")
    (project / "node_modules" / "left-pad" / "index.js").write_text("module.exports = 1\n")
    age(project)
    before = manifest(project)

    res = cli("clean", project, "--yes")

    assert manifest(project) == before
    assert res.code == 2, res.err
    assert "read-only" in res.err.lower()
