"""Issue 14, item 4: `fix --apply` never writes through a link or outside the repository, keeps
the inode, owner and mode of what it edits, keeps a BOM and CRLF, and leaves submodules alone
unless asked."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SETTINGS = '{\n    "editor.tabSize": 2\n}\n'


@pytest.fixture
def gappy(make_repo):  # type: ignore[no-untyped-def]
    """A Rust crate with `target/` not ignored and a VS Code settings file without excludes."""
    repo = make_repo()
    repo.write("Cargo.toml", "[package]\n")
    repo.write("src/lib.rs", "")
    repo.write(".vscode/settings.json", SETTINGS)
    repo.commit()
    for i in range(1000):
        repo.write(f"target/debug/f{i}.o", "o")
    return repo


def test_a_symlinked_gitignore_is_never_written_through(gappy, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    keys = tmp_path / "outside" / "authorized_keys"
    keys.parent.mkdir()
    keys.write_text("ssh-ed25519 AAAA user@host\n")
    os.symlink(os.path.relpath(keys, gappy.path), gappy.path / ".gitignore")
    gappy.commit(".gitignore")

    result = cli("fix", "--apply", gappy.path)

    assert keys.read_text() == "ssh-ed25519 AAAA user@host\n"
    assert (gappy.path / ".gitignore").is_symlink()
    assert "symlink" in result.out
    assert result.code == 1


def test_a_symlinked_folder_on_the_way_is_never_written_through(gappy, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "settings.json").write_text(SETTINGS)
    vscode = gappy.path / ".vscode"
    (vscode / "settings.json").unlink()
    vscode.rmdir()
    vscode.symlink_to(elsewhere)

    result = cli("fix", "--apply", gappy.path)

    assert (elsewhere / "settings.json").read_text() == SETTINGS
    assert "symlink" in result.out


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to edit another user's files")
def test_root_keeps_inode_owner_mode_and_hard_links(gappy, cli) -> None:  # type: ignore[no-untyped-def]
    ignore = gappy.write(".gitignore", "*.log\n")
    settings = gappy.path / ".vscode" / "settings.json"
    for path in (ignore, settings):
        os.chown(path, 1001, 1002)
        os.chmod(path, 0o640)
        os.link(path, path.with_name(path.name + ".twin"))
    before = {p: os.lstat(p) for p in (ignore, settings)}

    result = cli("fix", "--apply", gappy.path)

    assert result.code == 0, result.out + result.err
    for path, st in before.items():
        now = os.lstat(path)
        assert (now.st_ino, now.st_uid, now.st_gid) == (st.st_ino, 1001, 1002)
        assert now.st_mode & 0o7777 == 0o640
        assert now.st_nlink == 2
        twin = path.with_name(path.name + ".twin")
        assert twin.read_bytes() == path.read_bytes()
    assert "/target" in ignore.read_text()
    assert '"target/**": true' in settings.read_text()
    assert not list(gappy.path.rglob("*hygiene*"))  # no journal left behind


def test_a_bom_and_crlf_are_kept(gappy, cli) -> None:  # type: ignore[no-untyped-def]
    settings = gappy.path / ".vscode" / "settings.json"
    settings.write_bytes(b"\xef\xbb\xbf" + SETTINGS.replace("\n", "\r\n").encode())
    ignore = gappy.write(".gitignore", "")
    ignore.write_bytes(b"\xef\xbb\xbf*.log\r\n")

    result = cli("fix", "--apply", gappy.path)

    assert result.code == 0, result.out + result.err
    for path in (settings, ignore):
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf"), path
        assert data.count(b"\n") == data.count(b"\r\n"), data
    assert b'"target/**": true' in settings.read_bytes()
    assert b"/target\r\n" in ignore.read_bytes()


def test_submodules_are_left_alone_unless_asked(make_repo, cli) -> None:  # type: ignore[no-untyped-def]
    sub = make_repo("sub-origin")
    sub.write("Cargo.toml", "[package]\n")
    sub.write("src/lib.rs", "")
    sub.commit()
    top = make_repo("top")
    top.write("README.md", "top\n")
    top.commit()
    subprocess.run(
        [
            "git",
            "-c",
            "protocol.file.allow=always",
            "-C",
            str(top.path),
            "submodule",
            "add",
            "-q",
            str(sub.path),
            "vendor/sub",
        ],
        check=True,
    )
    top.git("commit", "-qm", "submodule")
    inner = top.path / "vendor" / "sub"
    for i in range(1000):
        (inner / "target" / "debug").mkdir(parents=True, exist_ok=True)
        (inner / "target" / "debug" / f"f{i}.o").write_text("o")

    result = cli("fix", "--apply", top.path)
    assert not (inner / ".gitignore").exists(), result.out
    assert "submodule" in result.out + result.err
    assert "--recurse-submodules" in result.out + result.err

    result = cli("fix", "--apply", "--recurse-submodules", top.path)
    assert result.code == 0, result.out + result.err
    assert "/target" in (inner / ".gitignore").read_text()
