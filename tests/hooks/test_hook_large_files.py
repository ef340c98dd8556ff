"""`hygiene hook hygiene-large-files`, run in-process through the real entry point in real repos."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HOOK = "hygiene-large-files"
TWO_MB = os.urandom(2_000_000)
LFS_POINTER = (
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    "size 2000000\n"
)


@pytest.fixture
def repo(make_repo, monkeypatch):  # type: ignore[no-untyped-def]
    r = make_repo()
    r.commit_file = lambda rel, content="x\n": (r.write(rel, content), r.commit(rel))
    r.write("README.md", "hello\n")
    r.commit("README.md")
    monkeypatch.chdir(r.path)
    return r


def test_clean_commit_prints_nothing(repo, cli):  # type: ignore[no-untyped-def]
    repo.write("small.txt", "a few bytes\n")
    repo.git("add", "small.txt")
    result = cli("hook", HOOK, "small.txt")
    assert (result.code, result.out, result.err) == (0, "", "")


def test_staged_two_megabytes_fails_with_size_and_fix(repo, cli):  # type: ignore[no-untyped-def]
    repo.write("data/big.csv", TWO_MB)
    repo.git("add", "data/big.csv")
    result = cli("hook", HOOK, "data/big.csv")
    assert result.code == 1
    assert "data/big.csv: 2 MB staged, over the 500 KB limit" in result.out
    assert "git rm --cached -- data/big.csv" in result.out
    assert result.out.rstrip().endswith("hygiene-large-files: 1 file(s) too large to commit")


def test_first_commit_of_a_new_repository(make_repo, monkeypatch, cli):  # type: ignore[no-untyped-def]
    fresh = make_repo("fresh")  # no HEAD yet: everything staged is new
    fresh.write("big.bin", TWO_MB)
    fresh.write("small.txt")
    fresh.git("add", ".")
    monkeypatch.chdir(fresh.path)
    result = cli("hook", HOOK, "big.bin", "small.txt")
    assert result.code == 1
    assert "big.bin: 2 MB staged" in result.out
    assert "small.txt" not in result.out


def test_modified_file_that_grew_fails_where_the_reference_passes(repo, cli):  # type: ignore[no-untyped-def]
    repo.commit_file("notes.txt", "short\n")
    repo.write("notes.txt", TWO_MB)
    repo.git("add", "notes.txt")
    assert cli("hook", HOOK, "notes.txt").code == 1
    # pre-commit-hooks #518: the reference checks added files only, so it lets this through.
    reference = subprocess.run(
        [sys.executable, "-m", "pre_commit_hooks.check_added_large_files", "notes.txt"],
        cwd=repo.path,
        capture_output=True,
        text=True,
    )
    assert reference.returncode == 0, reference.stdout


def test_measures_the_staged_blob_not_the_work_tree(repo, cli):  # type: ignore[no-untyped-def]
    repo.write("big.bin", TWO_MB)
    repo.git("add", "big.bin")
    repo.write("big.bin", "now small in the work tree\n")
    assert cli("hook", HOOK, "big.bin").code == 1

    repo.write("grows.txt", "small when staged\n")
    repo.git("add", "grows.txt")
    repo.write("grows.txt", TWO_MB)  # not staged: the commit would not carry it
    assert cli("hook", HOOK, "grows.txt").code == 0


def test_lfs_pointer_passes_even_under_a_tiny_limit(repo, cli):  # type: ignore[no-untyped-def]
    repo.commit_file(".gitattributes", "*.psd filter=lfs diff=lfs merge=lfs -text\n")
    repo.write("art/cover.psd", LFS_POINTER)
    repo.write("art/plain.txt", LFS_POINTER)  # the same bytes, not sent to LFS
    repo.git("add", "art")
    # The pointer (~130 bytes) is over a 100 B limit: only the LFS attribute lets it pass.
    result = cli("hook", HOOK, "--max-size", "100B", "art/cover.psd", "art/plain.txt")
    assert result.code == 1
    assert "art/plain.txt" in result.out
    assert "art/cover.psd" not in result.out


def test_lfs_file_staged_as_full_blob_is_reported(repo, cli):  # type: ignore[no-untyped-def]
    # git-lfs is not installed here, so the clean filter never runs: the full blob is staged.
    repo.commit_file(".gitattributes", "*.psd filter=lfs diff=lfs merge=lfs -text\n")
    repo.write("cover.psd", TWO_MB)
    repo.git("add", "cover.psd")
    result = cli("hook", HOOK, "cover.psd")
    assert result.code == 1
    assert "staged as a full blob" in result.out
    assert "git lfs install && git add --renormalize -- cover.psd" in result.out


def test_max_size_accepts_units_and_maxkb(repo, cli):  # type: ignore[no-untyped-def]
    repo.write("big.bin", TWO_MB)
    repo.git("add", "big.bin")
    assert cli("hook", HOOK, "--max-size", "5MB", "big.bin").code == 0
    assert cli("hook", HOOK, "--max-size=1MB", "big.bin").code == 1
    assert cli("hook", HOOK, "--max-size", "1999999", "big.bin").code == 1
    assert cli("hook", HOOK, "--max-size", "2000000", "big.bin").code == 0
    # The reference's --maxkb counts KiB: 1954 KiB = 2,000,896 bytes.
    assert cli("hook", HOOK, "--maxkb=1954", "big.bin").code == 0
    assert cli("hook", HOOK, "--maxkb=1953", "big.bin").code == 1


@pytest.mark.parametrize(
    "args",
    [("--max-size", "5XB"), ("--max-size", "-3"), ("--maxkb", "many"), ("--no-such-flag",)],
)
def test_bad_arguments_are_one_line_exit_2(repo, cli, args):  # type: ignore[no-untyped-def]
    result = cli("hook", HOOK, *args)
    assert result.code == 2
    assert result.out == ""
    assert len(result.err.strip().splitlines()) == 1
    assert result.err.startswith("hygiene: hygiene hook hygiene-large-files:")
    assert "Traceback" not in result.err


def test_enforce_all_checks_committed_files(repo, cli):  # type: ignore[no-untyped-def]
    repo.commit_file("old.bin", TWO_MB)
    assert cli("hook", HOOK, "old.bin", "README.md").code == 0
    result = cli("hook", HOOK, "--enforce-all", "old.bin", "README.md")
    assert result.code == 1
    assert "old.bin: 2 MB staged" in result.out


def test_a_pure_move_or_mode_change_brings_no_new_blob(repo, cli):  # type: ignore[no-untyped-def]
    repo.commit_file("old.bin", TWO_MB)
    repo.git("mv", "old.bin", "moved.bin")
    assert cli("hook", HOOK, "moved.bin").code == 0
    repo.git("commit", "-q", "-m", "move")
    os.chmod(repo.path / "moved.bin", 0o755)
    repo.git("add", "moved.bin")
    assert cli("hook", HOOK, "moved.bin").code == 0


def test_only_the_files_pre_commit_passes_are_checked(repo, cli):  # type: ignore[no-untyped-def]
    repo.write("big.bin", TWO_MB)
    repo.write("small.txt")
    repo.git("add", ".")
    assert cli("hook", HOOK, "small.txt").code == 0
    # With no file names (run by hand) everything staged is checked.
    assert cli("hook", HOOK).code == 1


def test_file_names_relative_to_a_subfolder(repo, cli, monkeypatch):  # type: ignore[no-untyped-def]
    repo.write("sub/big.bin", TWO_MB)
    repo.git("add", ".")
    monkeypatch.chdir(repo.path / "sub")
    result = cli("hook", HOOK, "big.bin")
    assert result.code == 1
    assert "sub/big.bin: 2 MB staged" in result.out


def blocks(out: str) -> dict[str, str]:
    """Hook output split into one block per reported path (a block's first line is not indented)."""
    found: dict[str, str] = {}
    current = ""
    for line in out.splitlines():
        if not line.startswith(" "):
            current = line.split(": ")[0]
        found[current] = found.get(current, "") + line + "\n"
    return found


def test_binary_build_products_are_named(repo, cli):  # type: ignore[no-untyped-def]
    repo.write("lib/libfast.so.1.2", TWO_MB)
    repo.write("tools/app", b"\x7fELF" + TWO_MB)
    repo.write("rusty/Cargo.toml", "[package]\nname = 'r'\n")
    repo.write("rusty/target/release/r-cache", TWO_MB)
    repo.write("data/table.csv", TWO_MB)
    repo.git("add", "-f", ".")
    found = blocks(cli("hook", HOOK).out)
    assert "a binary build product (shared library)" in found["lib/libfast.so.1.2"]
    assert "(ELF executable or library)" in found["tools/app"]
    assert (
        "inside rusty/target/, a build folder (rust.target)"
        in found["rusty/target/release/r-cache"]
    )
    assert "build product" not in found["data/table.csv"]
    assert "git lfs track data/table.csv" in found["data/table.csv"]


def test_outside_a_git_repository_is_exit_2(tmp_path: Path, monkeypatch, cli):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    result = cli("hook", HOOK, "x")
    assert result.code == 2
    assert "not inside a git work tree" in result.err


def test_help_is_the_fast_path_usage(cli):  # type: ignore[no-untyped-def]
    result = cli("hook", HOOK, "--help")
    assert result.code == 0
    assert result.out.startswith("usage: hygiene hook hygiene-large-files")
    assert "--max-size SIZE" in result.out


def test_entry_without_stat_data_is_measured(repo, cli):  # type: ignore[no-untyped-def]
    # An index entry written without a file (as read-tree or `apply --cached` write them)
    # records no size: its blob must be measured.
    source = repo.write("elsewhere.bin", TWO_MB)
    blob = repo.git("hash-object", "-w", str(source)).strip()
    source.unlink()
    repo.git("update-index", "--add", "--cacheinfo", f"100644,{blob},big.bin")
    result = cli("hook", HOOK, "big.bin")
    assert result.code == 1
    assert "big.bin: 2 MB staged" in result.out


def test_clean_filter_that_grows_the_blob_is_measured(repo, cli):  # type: ignore[no-untyped-def]
    # `sed p` prints every line twice: a 300 KB file becomes a 600 KB blob.
    repo.git("config", "filter.twice.clean", "sed p")
    repo.commit_file(".gitattributes", "*.dat filter=twice\n")
    repo.write("table.dat", "0123456789abcdef\n" * 18_000)
    repo.git("add", "table.dat")
    result = cli("hook", HOOK, "table.dat")
    assert result.code == 1
    assert "table.dat: 612 KB staged" in result.out


def test_working_tree_encoding_that_grows_the_blob_is_measured(repo, cli):  # type: ignore[no-untyped-def]
    # UTF-16 in the work tree, UTF-8 in the blob: CJK text grows from 2 to 3 bytes a character.
    repo.commit_file(".gitattributes", "*.txt working-tree-encoding=UTF-16LE\n")
    repo.write("han.txt", ("\u6f22" * 199_999 + "\n").encode("utf-16-le"))
    repo.git("add", "han.txt")
    result = cli("hook", HOOK, "han.txt")
    assert result.code == 1
    assert "han.txt: 600 KB staged" in result.out


def test_crlf_converted_blob_is_measured_not_the_file(repo, cli):  # type: ignore[no-untyped-def]
    # 520 KB on disk with CRLF, ~490 KB in the blob once git stores LF.
    repo.commit_file(".gitattributes", "*.csv text eol=crlf\n")
    repo.write("rows.csv", b"0123456789abcd\r\n" * 32_500)
    repo.git("add", "rows.csv")
    assert cli("hook", HOOK, "rows.csv").code == 0
    assert cli("hook", HOOK, "--max-size", "400KB", "rows.csv").code == 1


def test_many_files_and_few_files_agree(repo, cli):  # type: ignore[no-untyped-def]
    names = [f"src/m{i}.py" for i in range(150)]
    for name in names:
        repo.write(name, "x = 1\n")
    repo.write("src/big.py", TWO_MB)
    repo.git("add", ".")
    many = cli("hook", HOOK, *names, "src/big.py")  # the whole index, picked in Python
    few = cli("hook", HOOK, "src/m1.py", "src/big.py")  # pathspecs
    assert many.code == few.code == 1
    assert many.out == few.out


def test_unparsable_debug_output_falls_back_to_measuring(repo, cli, monkeypatch):  # type: ignore[no-untyped-def]
    # `git ls-files --debug` "may change at any time": a format this code cannot read must
    # lead to measuring every blob, never to passing. (A future git cannot be real here.)
    import re

    from hygiene.git import staged

    monkeypatch.setattr(staged, "_DEBUG_ENTRY", re.compile(rb"(?!)"))
    repo.write("big.bin", TWO_MB)
    repo.write("small.txt")
    repo.git("add", ".")
    result = cli("hook", HOOK, "big.bin", "small.txt")
    assert result.code == 1
    assert "big.bin: 2 MB staged" in result.out
