"""The shared .gitignore appender: one block, no repeats, idempotent, links kept."""

from __future__ import annotations

from pathlib import Path

from hygiene.fix.ignorefile import BLOCK_HEADER, append_lines


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
    # `.env*` brings the negations of the templates it would otherwise hide (issue 17).
    assert gitignore.read_text() == (
        f"{BLOCK_HEADER}\n.env*\n!.env.example\n!.env.sample\n!.env.template\n"
    )


def test_a_symlinked_gitignore_is_refused_not_written_through(tmp_path: Path) -> None:
    import pytest

    from hygiene.fix.atomicwrite import WriteRefused

    shared = tmp_path / "dotfiles" / "gitignore"
    shared.parent.mkdir()
    shared.write_text("*.swp\n")
    link = tmp_path / "repo" / ".gitignore"
    link.parent.mkdir()
    link.symlink_to(shared)
    with pytest.raises(WriteRefused, match="symlink"):
        append_lines(link, ["__pycache__/"])
    assert link.is_symlink()
    assert shared.read_text() == "*.swp\n"


def test_a_planted_symlink_at_the_temporary_name_is_not_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("not yours\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".gitignore.hygiene-tmp").symlink_to(victim)
    (repo / ".gitignore").write_text("*.log\n")
    append_lines(repo / ".gitignore", ["__pycache__/"])
    assert victim.read_text() == "not yours\n"
    assert not (repo / ".gitignore").is_symlink()
    assert "__pycache__/" in (repo / ".gitignore").read_text()
    assert sorted(p.name for p in repo.iterdir()) == [".gitignore", ".gitignore.hygiene-tmp"]


def test_crlf_endings_are_kept(tmp_path: Path) -> None:
    gitignore = tmp_path / ".gitignore"
    gitignore.write_bytes(b"node_modules/\r\n*.log\r\n")
    append_lines(gitignore, ["__pycache__/"])
    assert gitignore.read_bytes() == (
        b"node_modules/\r\n*.log\r\n\r\n" + BLOCK_HEADER.encode() + b"\r\n__pycache__/\r\n"
    )


def test_a_file_that_is_not_utf8_is_refused_with_one_line(tmp_path: Path) -> None:
    import pytest

    from hygiene.errors import UsageError

    gitignore = tmp_path / ".gitignore"
    gitignore.write_bytes(b"caf\xe9/\n")
    with pytest.raises(UsageError, match="not UTF-8 text"):
        append_lines(gitignore, ["__pycache__/"])
    assert gitignore.read_bytes() == b"caf\xe9/\n"
