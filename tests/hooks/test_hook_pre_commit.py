"""The hooks run by real `pre-commit`, from this repository, in temporary git repositories.

`pre-commit try-repo` builds a fresh environment in a throwaway store on every call (it ignores
PRE_COMMIT_HOME), which costs ~30 s here, so one test runs it literally and the others run
`pre-commit run` with a config naming this repository at a snapshot commit and a
PRE_COMMIT_HOME shared by the session: the same clone, manifest and install, built once. The
snapshot is HEAD plus uncommitted changes, taken the way try-repo takes them, so the tests
exercise the working copy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

WORKTREE = Path(__file__).resolve().parents[2]
TWO_MB = os.urandom(2_000_000)
LFS_POINTER = (
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    "size 2000000\n"
)
GIT_ID = ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *GIT_ID, "-C", str(cwd), *args], capture_output=True, check=True)
    return done.stdout.decode()


@pytest.fixture(scope="session")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(repository, commit): this working copy, uncommitted and untracked changes included."""
    shadow = tmp_path_factory.mktemp("snapshot") / "hygiene"
    subprocess.run(["git", "clone", "-q", str(WORKTREE), str(shadow)], check=True)
    changed = _git(WORKTREE, "ls-files", "-z", "-m", "-o", "--exclude-standard").split("\0")
    for rel in filter(None, changed):
        source, target = WORKTREE / rel, shadow / rel
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        elif target.exists():
            target.unlink()
    _git(shadow, "add", "-A")
    _git(shadow, "commit", "-q", "--allow-empty", "-m", "snapshot of the working copy")
    return str(shadow), _git(shadow, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def pre_commit(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env={**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"},
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture
def run_hooks(snapshot, pre_commit_home, tmp_path):  # type: ignore[no-untyped-def]
    """`run_hooks(repo, {hook_id: [args]}, *extra)`: `pre-commit run` with those hooks."""
    repo_url, rev = snapshot

    def run(repo: Path, hooks: dict[str, list[str]], *extra: str):  # type: ignore[no-untyped-def]
        entries = [{"id": h, **({"args": a} if a else {})} for h, a in hooks.items()]
        config = tmp_path / "pre-commit-config.yaml"
        config.write_text(
            yaml.safe_dump({"repos": [{"repo": repo_url, "rev": rev, "hooks": entries}]})
        )
        return pre_commit(repo, pre_commit_home, "run", "-c", str(config), "--verbose", *extra)

    return run


BOTH = {"hygiene-no-artifacts": [], "hygiene-large-files": []}
ALL = {**BOTH, "hygiene-ignore-gaps": []}


def hook_output(stdout: str, hook_id: str) -> str:
    """What one hook printed, out of pre-commit's report."""
    part = stdout.split(f"- hook id: {hook_id}\n", 1)[1]
    body = re.split(r"\n(?=\S.*\.{3,}(?:Passed|Failed|Skipped)\n)", part, maxsplit=1)[0]
    return "\n".join(ln for ln in body.splitlines() if not ln.startswith("- ")).strip()


def test_try_repo_against_this_repository(make_repo, pre_commit_home) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("__pycache__/x.pyc", b"\x00bytecode")
    repo.write(".DS_Store", b"\x00\x01")
    repo.write("big.bin", TWO_MB)
    repo.write("app.py", "print('hi')\n")
    repo.git("add", "-f", ".")
    done = pre_commit(repo.path, pre_commit_home, "try-repo", str(WORKTREE), "--verbose")
    assert done.returncode == 1, done.stdout + done.stderr
    artifacts = hook_output(done.stdout, "hygiene-no-artifacts")
    assert "__pycache__/ (1 staged file): cache, python.pycache" in artifacts
    assert "git rm -r --cached -- __pycache__" in artifacts
    assert ".DS_Store: junk, junk.macos" in artifacts
    large = hook_output(done.stdout, "hygiene-large-files")
    assert large.startswith("big.bin: 2 MB staged, over the 500 KB limit")


def test_staged_pycache_fails(make_repo, run_hooks) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("pkg/__pycache__/x.cpython-311.pyc", b"\x00")
    repo.write("pkg/mod.py", "x = 1\n")
    repo.git("add", "-f", ".")
    done = run_hooks(repo.path, BOTH)
    assert done.returncode == 1
    out = hook_output(done.stdout, "hygiene-no-artifacts")
    assert out.splitlines()[:3] == [
        "pkg/__pycache__/ (1 staged file): cache, python.pycache (name '__pycache__')",
        "  unstage: git rm -r --cached -- pkg/__pycache__",
        "  ignore:  add '__pycache__/' to .gitignore",
    ]
    assert hook_output(done.stdout, "hygiene-large-files") == ""


def test_staged_ds_store_fails(make_repo, run_hooks) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("assets/.DS_Store", b"\x00\x01")
    repo.git("add", "-f", ".")
    done = run_hooks(repo.path, BOTH)
    assert done.returncode == 1
    assert "assets/.DS_Store: junk, junk.macos" in hook_output(done.stdout, "hygiene-no-artifacts")


def test_staged_two_megabyte_file_fails(make_repo, run_hooks) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("data/dump.csv", TWO_MB)
    repo.git("add", ".")
    done = run_hooks(repo.path, BOTH)
    assert done.returncode == 1
    assert hook_output(done.stdout, "hygiene-large-files").startswith(
        "data/dump.csv: 2 MB staged, over the 500 KB limit"
    )
    assert hook_output(done.stdout, "hygiene-no-artifacts") == ""


def test_large_files_summary_is_one_per_run_when_pre_commit_splits_the_files(
    make_repo, run_hooks
) -> None:  # type: ignore[no-untyped-def]
    """require_serial stops parallel batches, not pre-commit's split of a long command line
    (pre_commit.xargs.partition, at most 128 KiB here): 5 large files among ~60 files with
    ~3,000-character paths go to two processes, and the report must still be one (issue 17)."""
    from pre_commit.xargs import _get_platform_max_length, partition

    repo = make_repo()
    # ~3,000 characters, sorting between a-big-* and z-big-* (pre-commit keeps git's order).
    deep = "/".join(f"m{i:02d}" + "d" * 197 for i in range(15))
    for i in range(1, 4):
        repo.write(f"a-big-{i}.bin", b"x" * 2000)
    for i in range(60):
        repo.write(f"{deep}/pad-{i:02d}.txt", "x\n")
    for i in range(4, 6):
        repo.write(f"z-big-{i}.bin", b"x" * 2000)
    repo.git("add", ".")
    staged = repo.git("diff", "--staged", "--name-only").splitlines()
    # What pre-commit does with this list for a require_serial hook: more than one process.
    batches = partition(
        ["hygiene", "hook", "hygiene-large-files"], staged, 1, _get_platform_max_length()
    )
    assert len(batches) > 1
    [first] = [b for b in batches if "a-big-1.bin" in b]
    [last] = [b for b in batches if "z-big-5.bin" in b]
    assert first is not last
    done = run_hooks(repo.path, {"hygiene-large-files": ["--max-size=1KB"]})
    assert done.returncode == 1, done.stdout + done.stderr
    out = hook_output(done.stdout, "hygiene-large-files")
    summaries = [ln for ln in out.splitlines() if ln.startswith("hygiene-large-files:")]
    assert summaries == ["hygiene-large-files: 5 file(s) too large to commit"], out
    for name in ("a-big-1.bin", "a-big-2.bin", "a-big-3.bin", "z-big-4.bin", "z-big-5.bin"):
        assert out.count(f"{name}: 2 KB staged") == 1, out


def test_lfs_tracked_large_file_passes(make_repo, run_hooks) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write(".gitattributes", "*.psd filter=lfs diff=lfs merge=lfs -text\n")
    repo.write("art/cover.psd", LFS_POINTER)  # what git-lfs stages for a 2 MB file
    repo.git("add", ".")
    # Under a 100-byte limit the ~130-byte pointer itself is "large": only LFS lets it through.
    done = run_hooks(repo.path, {"hygiene-large-files": ["--max-size=100B"]})
    assert done.returncode == 0, done.stdout
    repo.write(".gitattributes", "")
    repo.git("add", ".")
    assert run_hooks(repo.path, {"hygiene-large-files": ["--max-size=100B"]}).returncode == 1


def test_tracked_build_folder_of_scripts_passes(make_repo, run_hooks) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("build/release.sh", "#!/bin/sh\necho release\n")
    repo.write("build/version.py", "print('1.0')\n")
    repo.git("add", ".")
    assert run_hooks(repo.path, BOTH).returncode == 0
    repo.git("commit", "-q", "-m", "build scripts")
    # Beside a Python marker build/ means build output, but this one is committed on purpose.
    repo.write("pyproject.toml", "[project]\nname = 'p'\n")
    repo.write("build/release.sh", "#!/bin/sh\necho release 2\n")
    repo.git("add", ".")
    done = run_hooks(repo.path, BOTH)
    assert done.returncode == 0, done.stdout


def test_clean_commit_passes_and_prints_nothing(make_repo, run_hooks) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("src/app.py", "print('hi')\n")
    repo.write("README.md", "# app\n")
    repo.git("add", ".")
    done = run_hooks(repo.path, ALL)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert len(lines) == 9, done.stdout
    assert all(re.match(r"^(.*\.\.\.Passed|- hook id: .*|- duration: .*)$", ln) for ln in lines)


def test_ignore_gaps_fix_twice(make_repo, run_hooks) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("app.py", "print('hi')\n")
    repo.write(".gitignore", "# ours\n*.log\n")
    repo.commit()
    repo.write("__pycache__/app.cpython-311.pyc", b"\x00")
    repo.write(".DS_Store", b"\x00")
    repo.write("lib.py", "x = 1\n")
    repo.git("add", "lib.py")
    fix = {"hygiene-ignore-gaps": ["--fix"]}
    first = run_hooks(repo.path, fix)
    assert first.returncode == 1
    assert "files were modified by this hook" in first.stdout
    assert ".gitignore: added '.DS_Store', '__pycache__/'" in first.stdout
    fixed = (repo.path / ".gitignore").read_text()
    assert fixed == "# ours\n*.log\n\n# added by hygiene\n.DS_Store\n__pycache__/\n"
    repo.git("add", ".gitignore")
    second = run_hooks(repo.path, fix)
    assert second.returncode == 0, second.stdout
    assert (repo.path / ".gitignore").read_text() == fixed


def test_all_files_runs_over_the_committed_tree(make_repo, run_hooks) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("ok.py", "x = 1\n")
    repo.write("__pycache__/ok.pyc", b"\x00")
    repo.git("add", "-f", ".")
    repo.git("commit", "-q", "-m", "a cache slipped in with --no-verify")
    enforce = {"hygiene-no-artifacts": ["--enforce-all"], "hygiene-large-files": ["--enforce-all"]}
    done = run_hooks(repo.path, enforce, "--all-files")
    assert done.returncode == 1
    assert "__pycache__/ (1 tracked file)" in hook_output(done.stdout, "hygiene-no-artifacts")
    repo.git("rm", "-r", "-q", "--cached", "__pycache__")
    repo.git("commit", "-q", "-m", "clean")
    assert run_hooks(repo.path, enforce, "--all-files").returncode == 0


def test_installed_hooks_stop_a_real_commit(  # type: ignore[no-untyped-def]
    make_repo, snapshot, pre_commit_home, cli, monkeypatch
) -> None:
    repo_url, rev = snapshot
    repo = make_repo()
    monkeypatch.chdir(repo.path)
    assert cli("hook", "install", "--repo", repo_url, "--rev", rev).code == 0
    installed = pre_commit(repo.path, pre_commit_home, "install")
    assert installed.returncode == 0, installed.stderr
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home)}

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "commit", "-q", "-m", message],
            cwd=repo.path,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )

    repo.write("app.py", "print('hi')\n")
    repo.git("add", ".")
    assert commit("first").returncode == 0
    repo.write("__pycache__/app.cpython-311.pyc", b"\x00")
    repo.git("add", "-f", "__pycache__")
    refused = commit("with a cache")
    assert refused.returncode == 1
    assert "git rm -r --cached -- __pycache__" in refused.stdout + refused.stderr
    assert repo.git("log", "--format=%s").split() == ["first"]


def test_default_install_runs_hygiene_from_its_own_repository_off_path(  # type: ignore[no-untyped-def]
    snapshot, make_repo, tmp_path
) -> None:
    """`hygiene hook install` with no options, end to end (issue 17, item 8c): a hygiene that pip
    installed from a committed clone of this checkout writes `repo: <that clone>` at its HEAD,
    and real pre-commit builds an environment of its own from it and runs the hooks from a
    shell with no `hygiene` on PATH, in a git commit and in `run --all-files`."""
    import sysconfig

    clone = tmp_path / "hygiene-clone"
    subprocess.run(["git", "clone", "-q", snapshot[0], str(clone)], check=True)
    head = _git(clone, "rev-parse", "HEAD").strip()
    # Installed the way a user installs from a checkout (`pip install -e`), into a venv of its
    # own; its dependencies are this venv's (one .pth line), so only hygiene itself is built.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    bindir = Path(sysconfig.get_path("scripts", vars={"base": str(venv)}))
    python = bindir / Path(sys.executable).name
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = subprocess.run([python, "-c", where], capture_output=True, text=True, check=True)
    deps = Path(purelib.stdout.strip(), "dependencies-of-the-test-venv.pth")
    deps.write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
    built = subprocess.run([*pip, "-e", str(clone)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr

    # No hygiene on PATH (this venv's bin is on it while the tests run); pip's own settings
    # (index, find-links: environment and config files) reach pre-commit's pip unchanged.
    path = os.pathsep.join(
        d for d in os.environ["PATH"].split(os.pathsep) if d and not Path(d, "hygiene").exists()
    )
    assert shutil.which("hygiene", path=path) is None
    env = {
        **os.environ,
        "PATH": path,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
    }

    def run(cwd: Path, *argv: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
        )

    repo = make_repo("project")
    installed = run(repo.path, bindir / "hygiene", "hook", "install")
    assert installed.returncode == 0, installed.stderr
    data = yaml.safe_load((repo.path / ".pre-commit-config.yaml").read_text())
    assert data == {
        "repos": [
            {
                "repo": str(clone),
                "rev": head,
                "hooks": [{"id": h} for h in ALL],
            }
        ]
    }
    assert (
        f"hygiene: wrote the repository form (repo: {clone}, rev: {head}) from this hygiene's install"
        in installed.stderr
    )
    assert "uncommitted" not in installed.stderr  # the install's own files are all ignored
    assert run(repo.path, sys.executable, "-m", "pre_commit", "install").returncode == 0

    repo.write("app.py", "print('hi')\n")
    repo.git("add", ".")
    clean = run(repo.path, sys.executable, "-m", "pre_commit", "run", "--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # pre-commit reports each hook by its manifest name.
    manifest = yaml.safe_load((clone / ".pre-commit-hooks.yaml").read_text())
    name = {h["id"]: h["name"] for h in manifest}
    results = re.findall(r"^(.+?)\.{3,}(Passed|Failed|Skipped)$", clean.stdout, re.M)
    assert results == [(name[h], "Passed") for h in ALL], clean.stdout
    assert run(repo.path, "git", "commit", "-q", "-m", "first").returncode == 0

    repo.write("__pycache__/app.cpython-311.pyc", b"\x00")
    repo.git("add", "-f", "__pycache__")
    refused = run(repo.path, "git", "commit", "-q", "-m", "with a cache")
    said = refused.stdout + refused.stderr  # git's hook shows pre-commit's report on stderr
    assert refused.returncode == 1, said
    assert re.search(rf"^{re.escape(name['hygiene-no-artifacts'])}\.{{3,}}Failed$", said, re.M), (
        said
    )
    assert "git rm -r --cached -- __pycache__" in said
    assert repo.git("log", "--format=%s").split() == ["first"]
    every = run(repo.path, sys.executable, "-m", "pre_commit", "run", "--all-files")
    assert every.returncode == 1
    assert "__pycache__/ (1 staged file)" in hook_output(every.stdout, "hygiene-no-artifacts")
