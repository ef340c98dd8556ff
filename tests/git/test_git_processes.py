"""The git cost of a scan: a fixed number of real git processes per repository, none left over.

Counted for real: a wrapper `git` first on the PATH logs every process hygiene starts (its pid
is the real git's: the wrapper execs it), then the logs are checked. The tracked listing is read
from the index file (`hygiene/git/index.py`); a split index is one it leaves to `ls-files`, so
each count is also checked with one, where that process must show.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from hygiene.config.layers import Config
from hygiene.detectors import DEFAULT_KINDS
from hygiene.detectors.tracked import tracked_junk
from hygiene.git.ignorescope import OUTSIDE_EXCLUDES
from hygiene.scan.engine import ScanRequest, scan

ALL_DEFAULT = frozenset({"artifact", *DEFAULT_KINDS})


def _fill(repo, files: int) -> None:  # type: ignore[no-untyped-def]
    """`files` tracked sources in their own folders, each with an untracked `__pycache__`.
    Every tracked source holds the text of a pattern (`.py`), so git is asked about each."""
    repo.write(".gitignore", "node_modules/\n*.py[co]\n")
    repo.write("package.json", "{}")
    for i in range(files):
        repo.write(f"src/p{i}/m.py", "x = 1\n")
    repo.commit()
    for i in range(files):
        repo.write(f"src/p{i}/__pycache__/m.cpython-312.pyc", b"\0" * 10)
    repo.write(".env", "SECRET=1\n")
    repo.write("node_modules/a/index.js", "x")


def _per_repo(calls: list[str]) -> dict[str, Counter[str]]:
    """repository -> the git commands run there (the subcommand and its options)."""
    out: dict[str, Counter[str]] = {}
    for call in calls:
        words = call.split(" ")
        assert words[0] == "-C", call  # every question names its repository
        repo, command = words[1], " ".join(words[2:])
        if command.startswith("cat-file --batch-all-objects"):
            command = "cat-file --batch-all-objects"  # its format holds spaces: the log splits it
        out.setdefault(repo, Counter())[command] += 1
    return out


def _split_index(repo) -> None:  # type: ignore[no-untyped-def]
    """An index the in-process reader leaves to git: `ls-files -z` must run for it."""
    repo.git("update-index", "--split-index")


@pytest.mark.parametrize("files", [3, 300])
def test_git_processes_per_repository_do_not_grow_with_files(
    make_repo, git_calls: Callable[[], list[str]], tmp_path: Path, files: int
) -> None:
    for name in ("one", "two"):
        _fill(make_repo(f"ws/{name}"), files)
    _split_index(make_repo("ws/two"))
    before = len(git_calls())
    result = scan(ScanRequest(roots=(tmp_path / "ws",), kinds=ALL_DEFAULT))
    assert not result.errors
    kinds = Counter(type(f).__name__ for f in result.findings)
    # Each cache and node_modules were found, so the veto was asked about them.
    assert kinds["Artifact"] == (files + 1) * 2
    assert kinds["IgnoreGap"] >= files * 2
    per_repo = _per_repo(git_calls()[before:])
    one, two = str(tmp_path / "ws" / "one"), str(tmp_path / "ws" / "two")
    assert set(per_repo) == {one, two}
    # Once per scan, in the first work tree found: the excludes file set outside repositories.
    outside = " ".join(OUTSIDE_EXCLUDES)
    assert sum(calls.pop(outside, 0) for calls in per_repo.values()) == 1
    # The tracked veto, tracked junk, precious files and large files share one listing, read
    # from the index file; one check-ignore judges, by the ignore rules alone, the tracked
    # files and ignore-gap candidates an ignore pattern could match: two processes.
    two_processes = Counter(
        {"cat-file --batch-all-objects": 1, "check-ignore --no-index --stdin -z": 1}
    )
    assert per_repo[one] == two_processes
    # Where the index is split, one ls-files -z gives that listing instead.
    assert per_repo[two] == two_processes + Counter({"ls-files -z": 1})


def test_one_check_ignore_judges_tracked_files_as_ls_files_ci_does(
    make_repo, git_calls: Callable[[], list[str]], tmp_path: Path
) -> None:
    """The scan's answer for tracked files the ignore rules exclude (one check-ignore that also
    judges the ignore-gap candidates) is the one `ls-files -ci --exclude-standard` gives, with
    nested rules, negations, folder patterns, info/exclude and the global excludes file."""
    repo = make_repo("ws/one")
    for rel in (
        "logs/run.log",
        "logs/keep.log",
        "out/a.o",
        "deep/out/b.o",
        "src/x.tmp",
        "src/nested/y.cache",
        "docs/readme.md",
        "build/gen.c",
        "notes.bak",
        "z.py",
        "src/keep.py",
    ):
        repo.write(rel, "x")
    repo.commit()
    repo.write(".gitignore", "*.log\n!keep.log\nout/\n/build\n")
    repo.write("src/.gitignore", "*.tmp\nnested/\n")
    (repo.path / ".git" / "info" / "exclude").write_text("*.bak\n")
    excludes = tmp_path / "global-excludes"
    excludes.write_text("*.md\n")
    repo.git("config", "core.excludesFile", str(excludes))
    repo.write("src/__pycache__/m.pyc", "p")  # an untracked gap beside them

    before = len(git_calls())
    result = scan(ScanRequest(roots=(tmp_path / "ws",), kinds=ALL_DEFAULT))
    calls = git_calls()[before:]
    assert not any("-ci" in call for call in calls)
    scanned = {f.rel for f in result.findings if type(f).__name__ == "TrackedArtifact"}
    direct = {t.rel for t in tracked_junk(str(repo.path))}  # asks ls-files -ci itself
    assert (
        scanned
        == direct
        == {
            "logs/run.log",
            "out",
            "deep",  # its only tracked file is ignored: reported at the top
            "build",
            "src/x.tmp",
            "src/nested",
            "notes.bak",
            "docs",
        }
    )
    gaps = {f.rel for f in result.findings if type(f).__name__ == "IgnoreGap"}
    assert gaps == {"src/__pycache__"}


def test_a_tracked_path_behind_a_symlink_is_asked_apart(
    make_repo, git_calls: Callable[[], list[str]], tmp_path: Path
) -> None:
    """check-ignore refuses a whole input holding a path behind a symlink; the scan then asks
    ls-files -ci and check-ignore apart, and still has both answers."""
    repo = make_repo("ws/one")
    repo.write("real/a.log", "x")
    repo.write(".gitignore", "*.log\n")
    repo.commit()
    os.rename(repo.path / "real", repo.path / "moved")
    os.symlink("moved", repo.path / "real")
    repo.write("pkg/__pycache__/m.pyc", "p")
    before = len(git_calls())
    result = scan(ScanRequest(roots=(tmp_path / "ws",), kinds=ALL_DEFAULT))
    assert not result.errors
    calls = " ".join(git_calls()[before:])
    assert "ls-files -z -ci --exclude-standard" in calls
    tracked = {f.rel for f in result.findings if type(f).__name__ == "TrackedArtifact"}
    assert tracked == {"real"}  # its only tracked file is ignored: reported at the top
    gaps = {f.rel for f in result.findings if type(f).__name__ == "IgnoreGap"}
    assert gaps == {"pkg/__pycache__"}


def test_kind_artifact_asks_git_nothing_for_a_plain_repository(
    make_repo, git_calls: Callable[[], list[str]], tmp_path: Path
) -> None:
    _fill(make_repo("ws/one"), 50)
    _fill(make_repo("ws/two"), 5)
    _split_index(make_repo("ws/two"))
    before = len(git_calls())
    result = scan(ScanRequest(roots=(tmp_path / "ws",), kinds=frozenset({"artifact"})))
    assert len(result.findings) == 51 + 6  # the caches and node_modules
    # The veto of `one` came from its index file; `two`'s split index took one ls-files.
    assert _per_repo(git_calls()[before:]) == {
        str(tmp_path / "ws" / "two"): Counter({"ls-files -z": 1})
    }


@pytest.fixture
def hanging_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[int]]:
    """A `git` that never answers: it logs its pid and sleeps, as a git stuck on a slow disk."""
    log = tmp_path / "git-pids"
    shim = tmp_path / "hanging-shim"
    shim.mkdir()
    # One process that says when it ended by itself: a scan that waited for it is then seen
    # (killed, it never writes "finished").
    (shim / "git").write_text(
        f"#!{sys.executable}\nimport os, time\n"
        f"open({str(log)!r}, 'a').write(f'{{os.getpid()}}\\n')\n"
        f"time.sleep(300)\nopen({str(log)!r}, 'a').write('finished\\n')\n",
        encoding="utf-8",
    )
    (shim / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}{os.pathsep}{os.environ['PATH']}")

    def pids() -> list[int]:
        text = log.read_text(encoding="utf-8") if log.exists() else ""
        assert "finished" not in text, "a scan waited for a git it did not need"
        return [int(line) for line in text.split()]

    return pids


def _gone(pid: int) -> bool:
    """True once the process has ended and been reaped (a zombie still answers signal 0)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _tree_with_a_measured_folder(root: Path) -> None:
    for name in ("one", "two", "three"):
        repo = root / name
        (repo / "node_modules" / "a").mkdir(parents=True)
        (repo / "node_modules" / "a" / "i.js").write_text("x", encoding="utf-8")
        (repo / "package.json").write_text("{}", encoding="utf-8")
        (repo / ".git").mkdir()  # the walk knows a repository by its .git


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError])
def test_no_git_process_outlives_a_scan_stopped_mid_walk(
    hanging_git: Callable[[], list[int]], tmp_path: Path, failure: type[BaseException]
) -> None:
    root = tmp_path / "ws"
    _tree_with_a_measured_folder(root)

    def progress(files: int, size: int, path: str) -> None:
        # Stop once a git process is surely running (started while the walk found repos).
        for _ in range(1000):
            if hanging_git():
                raise failure("stopped mid-walk")
            time.sleep(0.01)

    with pytest.raises(failure):
        # No worker processes: the measured folder's progress call comes from this process.
        scan(
            ScanRequest(roots=(root,), config=Config(), kinds=ALL_DEFAULT, workers=0),
            progress=progress,
        )
    started = hanging_git()
    assert started
    assert all(_gone(pid) for pid in started)


def test_no_git_process_outlives_a_scan_that_did_not_need_its_answer(
    hanging_git: Callable[[], list[int]], tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    for name in ("one", "two"):
        (root / name / ".git").mkdir(parents=True)
        (root / name / "README.md").write_text("hi", encoding="utf-8")
    # An artifact outside any repository, deeper than the repositories: found after them.
    loose = root / "loose" / "web"
    (loose / "node_modules" / "a").mkdir(parents=True)
    (loose / "node_modules" / "a" / "i.js").write_text("x", encoding="utf-8")
    (loose / "package.json").write_text("{}", encoding="utf-8")

    def progress(files: int, size: int, path: str) -> None:
        for _ in range(1000):  # let the prefetched git start: the scan then never reads it
            if hanging_git():
                return
            time.sleep(0.01)

    # --kind artifact and no candidate in a repository: the prefetched ls-files is only killed.
    request = ScanRequest(roots=(root,), kinds=frozenset({"artifact"}), workers=0)
    result = scan(request, progress=progress)
    assert [f.path for f in result.findings] == [str(loose / "node_modules")]
    started = hanging_git()
    assert started
    assert all(_gone(pid) for pid in started)


@pytest.mark.parametrize("kinds", [ALL_DEFAULT, frozenset({"artifact", "ignore-gap"})])
def test_a_skip_worktree_ignore_file_missing_from_the_work_tree_is_read_as_git_reads_it(
    make_repo, tmp_path: Path, kinds: frozenset[str]
) -> None:
    """Outside a sparse checkout's cone, a `.gitignore` is in the index but not on disk; git
    reads it from the index then (ls-files -ci, check-ignore without --no-index), so the scan
    must too: its tracked files the rules ignore, and its untracked gaps, as git says."""
    repo = make_repo("ws/one")
    repo.write("docs/.gitignore", "*.tmp\n_build/\n")
    repo.write("docs/a.tmp", "t")
    repo.write("keep/k.py", "k")
    repo.commit()
    repo.git("sparse-checkout", "set", "keep")
    assert not (repo.path / "docs").exists()
    # Left beside the cone, untracked: what the missing docs/.gitignore ignores.
    repo.write("docs/_build/__pycache__/m.pyc", "p")
    result = scan(ScanRequest(roots=(tmp_path / "ws",), kinds=kinds))
    assert not result.errors
    tracked = {f.rel for f in result.findings if type(f).__name__ == "TrackedArtifact"}
    direct = {t.rel for t in tracked_junk(str(repo.path))}  # asks ls-files -ci itself
    assert direct == {"docs/a.tmp"}
    assert tracked == (direct if "tracked-artifact" in kinds else set())
    gaps = {f.rel for f in result.findings if type(f).__name__ == "IgnoreGap"}
    assert gaps == set()
