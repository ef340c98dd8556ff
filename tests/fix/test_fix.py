"""`hygiene fix`: dry run by default, idempotent with --apply, never touching a file's content."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

SETTINGS = """// team settings
{
    "editor.tabSize": 2, // house style
    /* keep the watcher calm */
    "files.watcherExclude": {
        "**/.git/objects/**": true,
    },
}
"""


def tree_digest(root: Path) -> dict[str, str]:
    out = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                out[os.path.relpath(path, root)] = hashlib.sha256(handle.read()).hexdigest()
    return out


@pytest.fixture
def messy(make_repo):  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("Cargo.toml", "[package]\n")
    repo.write("src/lib.rs", "")
    repo.write("pkg/__pycache__/m.cpython-312.pyc", b"\0" * 10)
    repo.write(".gitignore", "*.log\n")
    repo.write(".vscode/settings.json", SETTINGS)
    repo.commit()  # __pycache__ committed by accident
    repo.write(".env", "TOKEN=secret\n")
    for i in range(1000):
        repo.write(f"target/debug/f{i}.o", "o")
    return repo


def test_dry_run_shows_the_plan_and_changes_nothing(messy, cli) -> None:
    before = tree_digest(messy.path)
    index = (messy.path / ".git" / "index").read_bytes()
    result = cli("fix", messy.path)
    assert result.code == 0, result.err
    assert ".env*" in result.out
    assert "/target" in result.out
    assert "untrack (files stay on disk): pkg/__pycache__" in result.out
    assert '"target/**": true' in result.out
    assert "--apply" in result.err
    assert tree_digest(messy.path) == before
    assert (messy.path / ".git" / "index").read_bytes() == index


def test_apply_fixes_everything_and_a_second_run_changes_nothing(messy, cli) -> None:
    result = cli("fix", "--apply", messy.path)
    assert result.code == 0, result.err
    gitignore = (messy.path / ".gitignore").read_text(encoding="utf-8")
    assert gitignore == (
        "*.log\n\n# added by hygiene\n.env*\n!.env.example\n!.env.sample\n!.env.template\n"
        "/target\n__pycache__/\n"
    )
    # Untracked from the index, still on disk.
    assert messy.git("ls-files", "pkg") == ""
    assert (messy.path / "pkg" / "__pycache__" / "m.cpython-312.pyc").read_bytes() == b"\0" * 10
    settings = (messy.path / ".vscode" / "settings.json").read_text(encoding="utf-8")
    for line in SETTINGS.splitlines():
        assert line in settings.splitlines()
    assert '"target/**": true' in settings
    assert '"search.exclude"' in settings
    assert messy.git("status", "--porcelain", "--ignored", ".env").startswith("!!")

    before = tree_digest(messy.path)
    index = (messy.path / ".git" / "index").read_bytes()
    again = cli("fix", "--apply", "--json", messy.path)
    assert again.code == 0, again.err
    doc = json.loads(again.out)
    assert doc["plan"] == []
    assert doc["outcomes"] == []
    assert tree_digest(messy.path) == before
    assert (messy.path / ".git" / "index").read_bytes() == index


def test_settings_it_cannot_edit_safely_are_left_alone_with_the_snippet(messy, cli) -> None:
    odd = '{"files.watcherExclude": "not an object"}\n'
    messy.write(".vscode/settings.json", odd)
    result = cli("fix", "--apply", messy.path)
    assert result.code == 0, result.err
    assert (messy.path / ".vscode" / "settings.json").read_text(encoding="utf-8") == odd
    assert "SKIPPED" in result.out
    assert '"target/**": true' in result.out  # the snippet to paste by hand
    assert ".env*" in (messy.path / ".gitignore").read_text(encoding="utf-8")


def test_a_root_that_does_not_exist_is_a_usage_error(cli, tmp_path: Path) -> None:
    result = cli("fix", "--apply", tmp_path / "nope")
    assert result.code == 2
    assert "does not exist" in result.err
    assert result.err.count("\n") == 1


def test_a_symlinked_settings_file_is_left_alone(messy, cli, tmp_path: Path) -> None:
    """Never written through, even into a dotfiles folder (issue 14, item 4): the link may
    lead anywhere; the snippet is shown to paste by hand."""
    real = tmp_path / "dotfiles" / "vscode-settings.json"
    real.parent.mkdir()
    real.write_text(SETTINGS, encoding="utf-8")
    link = messy.path / ".vscode" / "settings.json"
    link.unlink()
    link.symlink_to(real)
    result = cli("fix", "--apply", messy.path)
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == SETTINGS
    assert "symlink" in result.out
    assert '"target/**": true' in result.out  # the snippet to paste


def test_untracking_takes_names_literally(make_repo, cli) -> None:
    repo = make_repo()
    repo.write("out[1]", "generated\n")
    repo.write("out1", "hand written, keep tracked\n")
    repo.commit()
    repo.write(".gitignore", "out\\[1\\]\n")  # ignores the file literally named out[1]
    result = cli("fix", "--apply", repo.path)
    assert result.code == 0, result.err
    assert repo.git("ls-files").split() == ["out1"]
