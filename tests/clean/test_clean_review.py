"""Attacks a safety review reproduced against `hygiene clean`; each must now keep the data."""

from __future__ import annotations

import json
import os
import subprocess

from cleanhelp import age


def _incinerate(cli, *roots: object) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    result = cli("clean", *roots, "--incinerate", "--yes", "--json")
    assert result.code in (0, 1), result.err
    return {i["path"]: (i["outcome"], i["reason"]) for i in json.loads(result.out)["items"]}


def test_a_worktree_inside_an_artifact_keeps_it(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    """A `.git` *file* (worktree, submodule) marks a repository as much as a `.git` folder."""
    repo = make_repo()
    repo.write("package.json", "{}\n")
    repo.commit()
    repo.git("worktree", "add", "-q", "node_modules/wt", "-b", "feature")
    (repo.path / "node_modules" / "wt" / "notes.txt").write_text("uncommitted work\n")
    age(repo.path)
    assert str(repo.path / "node_modules") not in _incinerate(cli, repo.path)
    assert (repo.path / "node_modules" / "wt" / "notes.txt").read_text() == "uncommitted work\n"


def test_a_root_given_through_a_symlink_still_asks_git(cli, make_repo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("app/package.json", "{}\n")
    repo.write("app/node_modules/x/index.js", "committed on purpose\n")
    repo.commit()
    link = tmp_path / "link"
    link.symlink_to(repo.path / "app")
    age(repo.path)
    _incinerate(cli, link)
    assert (repo.path / "app/node_modules/x/index.js").read_text() == "committed on purpose\n"
    assert repo.git("status", "--porcelain") == ""


def test_inherited_git_variables_do_not_redirect_the_tracked_check(
    cli, make_repo, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A dotfiles setup exports GIT_DIR/GIT_WORK_TREE; git must still answer for this repo."""
    repo = make_repo()
    repo.write("package.json", "{}\n")
    repo.write("node_modules/x/i.js", "committed\n")
    repo.commit()
    dotfiles = tmp_path / "dotfiles.git"
    subprocess.run(["git", "init", "-q", "--bare", str(dotfiles)], check=True)
    monkeypatch.setenv("GIT_DIR", str(dotfiles))
    monkeypatch.setenv("GIT_WORK_TREE", str(tmp_path))
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "other-index"))
    age(repo.path)
    assert _incinerate(cli, repo.path) == {}
    assert (repo.path / "node_modules/x/i.js").exists()
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.delenv("GIT_WORK_TREE")
    monkeypatch.delenv("GIT_INDEX_FILE")
    assert repo.git("status", "--porcelain") == ""


def test_a_bind_mount_inside_an_artifact_keeps_it(cli, make_repo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Same filesystem, same st_dev: only the mount table shows it."""
    import pytest

    from hygiene.clean.safety import holds_a_mount

    data = tmp_path / "data"
    data.mkdir()
    (data / "precious.txt").write_text("years of work\n")
    repo = make_repo()
    repo.write("package.json", "{}\n")
    repo.commit()
    target = repo.path / "node_modules" / "linked"
    target.mkdir(parents=True)
    if subprocess.run(["mount", "--bind", str(data), str(target)], capture_output=True).returncode:
        pytest.skip("cannot bind-mount here (needs CAP_SYS_ADMIN)")
    try:
        age(repo.path)
        assert str(repo.path / "node_modules") not in _incinerate(cli, repo.path)
        assert (data / "precious.txt").read_text() == "years of work\n"
        # The guard, run again right before acting, refuses it too (a mount made after a scan).
        assert holds_a_mount(str(repo.path / "node_modules")) == f"holds a mount point ({target})"
    finally:
        subprocess.run(["umount", str(target)], check=True)
    assert holds_a_mount(str(repo.path / "node_modules")) is None


def test_a_library_mapped_by_a_running_process_keeps_its_folder(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    """A native addon loaded from node_modules holds no open file, only a memory mapping."""
    import shutil
    import sys

    repo = make_repo()
    repo.write("package.json", "{}\n")
    repo.commit()
    addon = repo.path / "node_modules" / "native" / "addon.node"
    addon.parent.mkdir(parents=True)
    libc = next(
        p
        for p in (
            "/lib/x86_64-linux-gnu/libc.so.6",
            "/lib/aarch64-linux-gnu/libc.so.6",
            "/usr/lib/libc.so.6",
        )
        if os.path.exists(p)
    )
    shutil.copy(libc, addon)
    loader = (
        "import ctypes, os, sys; ctypes.CDLL(sys.argv[1]); os.chdir('/'); "
        "print('ready', flush=True); sys.stdin.read()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", loader, str(addon)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        age(repo.path)
        result = _incinerate(cli, repo.path)
        assert result[str(repo.path / "node_modules")][0] == "skipped"
        assert addon.exists()
    finally:
        proc.kill()
        proc.wait()
