"""Ignore gaps, asked of real git: nested ignores, global excludes, negations, tracked files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hygiene.config.layers import Config
from hygiene.detectors.ignore_gaps import IgnoreGap, ignore_gaps_for_repo, ignored_paths
from hygiene.git.repo import GitError


def gaps(repo: Path) -> dict[str, IgnoreGap]:
    return {g.rel: g for g in ignore_gaps_for_repo(repo, config=Config())}


def test_unignored_artifacts_are_gaps_with_the_line_that_covers_them(make_repo) -> None:
    repo = make_repo()
    repo.write("pkg/__pycache__/mod.cpython-312.pyc", b"\0" * 3000)
    repo.write("Cargo.toml", "[package]\n")
    repo.write("target/debug/app", "bin")
    repo.write("src/main.rs", "fn main() {}\n")
    found = gaps(repo.path)
    assert set(found) == {"pkg/__pycache__", "target"}
    cache = found["pkg/__pycache__"]
    assert cache.suggestion == "__pycache__/"
    assert cache.category == "cache"
    assert cache.bytes == 3000
    assert cache.path == str(repo.path / "pkg" / "__pycache__")
    assert cache.repo == str(repo.path)
    # `target` is only an artifact beside Cargo.toml, so the line is anchored where it was found.
    assert found["target"].suggestion == "/target"


def test_secrets_and_state_come_first(make_repo) -> None:
    repo = make_repo()
    repo.write("a/__pycache__/x.pyc")
    repo.write("z/.env", "TOKEN=1\n")
    repo.write("infra/prod.tfstate", "{}")
    ordered = ignore_gaps_for_repo(repo.path, config=Config())
    assert [g.category for g in ordered] == ["secret", "state", "cache"]
    assert ordered[0].suggestion == ".env*"
    assert ordered[1].suggestion == "*.tfstate"


def test_nested_gitignore_info_exclude_and_global_excludes_all_count(
    make_repo, tmp_path: Path
) -> None:
    repo = make_repo()
    repo.write("web/.gitignore", "__pycache__/\n")
    repo.write("web/__pycache__/a.pyc")
    repo.write("lib/__pycache__/a.pyc")
    repo.write("tools/.pytest_cache/v", "x")
    repo.write(".git/info/exclude", ".pytest_cache/\n")
    repo.write("docs/.DS_Store", "junk")
    excludes = tmp_path / "global-excludes"
    excludes.write_text(".DS_Store\n", encoding="utf-8")
    repo.git("config", "core.excludesFile", str(excludes))
    assert set(gaps(repo.path)) == {"lib/__pycache__"}


def test_a_negated_pattern_reopens_a_gap(make_repo) -> None:
    repo = make_repo()
    repo.write(".gitignore", "*.pyc\n!keep.pyc\n")
    for stem in ("a", "keep"):  # stray bytecode only beside its source (issue 14, item 9)
        repo.write(f"{stem}.py")
        repo.write(f"{stem}.pyc")
    assert set(gaps(repo.path)) == {"keep.pyc"}
    assert gaps(repo.path)["keep.pyc"].suggestion == "*.py[cod]"


def test_a_folder_inside_an_ignored_folder_is_not_a_gap(make_repo) -> None:
    repo = make_repo()
    repo.write(".gitignore", "data/\n")
    repo.write("data/run/__pycache__/x.pyc")
    repo.write("data/.env")
    assert gaps(repo.path) == {}


def test_tracked_files_are_not_gaps_but_untracked_caches_inside_them_are(make_repo) -> None:
    repo = make_repo()
    repo.write("pyproject.toml", "[project]\n")
    repo.write("build/keep.txt", "tracked on purpose\n")
    repo.write(".env.example", "TOKEN=\n")
    repo.write("old/__pycache__/x.pyc")
    repo.commit()
    repo.write("build/__pycache__/y.pyc")
    found = gaps(repo.path)
    # build/ holds a tracked file, .env.example and old/__pycache__ are tracked (item 4's
    # business); only the untracked cache inside build/ is a gap.
    assert set(found) == {"build/__pycache__"}


def test_submodules_and_nested_repos_answer_for_themselves(make_repo, tmp_path: Path) -> None:
    inner = make_repo("inner")
    inner.write("README", "inner\n")
    inner.commit()
    outer = make_repo("outer")
    outer.write("README", "outer\n")
    outer.commit()
    subprocess.run(
        [
            "git",
            "-C",
            str(outer.path),
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            str(inner.path),
            "sub",
        ],
        check=True,
        capture_output=True,
    )
    (outer.path / "sub" / "__pycache__").mkdir()
    (outer.path / "sub" / "__pycache__" / "x.pyc").write_bytes(b"x")
    nested = make_repo("outer/vendor/nested")
    nested.write("__pycache__/x.pyc")
    assert gaps(outer.path) == {}
    assert set(gaps(outer.path / "sub")) == {"__pycache__"}
    assert set(gaps(nested.path)) == {"__pycache__"}


def test_a_worktree_is_asked_through_its_own_gitfile(make_repo, tmp_path: Path) -> None:
    repo = make_repo()
    repo.write(".gitignore", ".mypy_cache/\n")
    repo.commit()
    other = tmp_path / "other-tree"
    repo.git("worktree", "add", "-q", str(other))
    (other / ".mypy_cache").mkdir()
    (other / ".mypy_cache" / "x").write_text("x", encoding="utf-8")
    (other / ".pytest_cache").mkdir()
    (other / ".pytest_cache" / "x").write_text("x", encoding="utf-8")
    assert set(gaps(other)) == {".pytest_cache"}


def test_a_bare_repository_has_no_gaps(tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    assert ignore_gaps_for_repo(bare, config=Config()) == []


def test_one_check_ignore_process_whatever_the_number_of_candidates(make_repo, git_calls) -> None:
    repo = make_repo()
    for i in range(200):
        repo.write(f"p{i}/__pycache__/x.pyc")
    assert len(gaps(repo.path)) == 200
    calls = git_calls()
    assert sum("check-ignore" in c for c in calls) == 1
    assert len(calls) <= 3


def test_a_failing_check_ignore_is_an_error_not_all_gaps(make_repo, tmp_path: Path) -> None:
    repo = make_repo()
    (repo.path / "elsewhere").symlink_to(tmp_path)
    # git refuses a path beyond a symlink (exit 128): that must not read as "nothing ignored".
    with pytest.raises(GitError, match="check-ignore failed"):
        ignored_paths(str(repo.path), ["elsewhere/x.pyc"])


def test_odd_names_are_asked_about_literally(make_repo) -> None:
    repo = make_repo()
    repo.write(".gitignore", "a.pyc\n:y.pyc\n")
    for stem in ("a", ":y", "[ab]", ":(exclude)x"):  # each beside its source (item 9)
        repo.write(f"{stem}.py")
        repo.write(f"{stem}.pyc")
    assert set(gaps(repo.path)) == {"[ab].pyc", ":(exclude)x.pyc"}
