"""The shared .gitignore appender: one block, no repeats, idempotent, links kept."""

from __future__ import annotations

from pathlib import Path

from hygiene.ignorefile import BLOCK_HEADER, append_lines


def test_appends_once_under_one_block(tmp_path: Path) -> None:
    gitignore = tmp_path / ".gitignore"
    gitignore.write_text("node_modules/\n*.log")  # no final newline
    assert append_lines(gitignore, ["node_modules/", "__pycache__/", "__pycache__/"]) == [
        "__pycache__/"
    ]
    assert append_lines(gitignore, ["/target"]) == ["/target"]
    assert append_lines(gitignore, ["__pycache__/", "/target"]) == []
    text = gitignore.read_text()
    assert text == f"node_modules/\n*.log\n\n{BLOCK_HEADER}\n__pycache__/\n/target\n"


def test_creates_the_file(tmp_path: Path) -> None:
    gitignore = tmp_path / ".gitignore"
    append_lines(gitignore, [".env*"])
    assert gitignore.read_text() == f"{BLOCK_HEADER}\n.env*\n"


def test_a_symlinked_gitignore_stays_a_link(tmp_path: Path) -> None:
    shared = tmp_path / "dotfiles" / "gitignore"
    shared.parent.mkdir()
    shared.write_text("*.swp\n")
    shared.chmod(0o640)
    link = tmp_path / "repo" / ".gitignore"
    link.parent.mkdir()
    link.symlink_to(shared)
    append_lines(link, ["__pycache__/"])
    assert link.is_symlink()
    assert "__pycache__/" in shared.read_text()
    assert shared.stat().st_mode & 0o777 == 0o640
