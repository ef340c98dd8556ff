"""The walker's promises: symlinks never followed, hard links once, odd names, odd folders."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from hygiene.config.layers import Config
from hygiene.scan.engine import ScanRequest, scan
from tests.scan.helpers import artifacts, make_tree, python_without_root_reads


def test_symlink_loop_terminates_and_is_not_followed(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a/b/file.txt": "x"})
    (tmp_path / "a" / "b" / "loop").symlink_to(tmp_path / "a")
    (tmp_path / "a" / "self").symlink_to(".")
    result = scan(ScanRequest(roots=(tmp_path,)))
    assert result.totals.scanned_files == 3  # the file and the two links themselves


def test_symlink_to_outside_the_root_is_never_entered(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "outside/package.json": "{}",
            "outside/node_modules/big/i.js": "x" * 100_000,
            "root/README": "hi",
        },
    )
    (tmp_path / "root" / "elsewhere").symlink_to(tmp_path / "outside")
    (tmp_path / "root" / "package.json").write_text("{}")
    (tmp_path / "root" / "node_modules").symlink_to(tmp_path / "outside" / "node_modules")
    result = scan(ScanRequest(roots=(tmp_path / "root",)))
    assert result.findings == ()
    assert result.totals.scanned_bytes < 10_000


def test_hard_links_count_once_and_shared_links_free_nothing(tmp_path: Path) -> None:
    """pnpm-style: node_modules files are hard links into a store outside the folder."""
    make_tree(
        tmp_path,
        {
            "store/dep.js": "x" * 50_000,
            "proj/package.json": "{}",
            "proj/node_modules/own.js": "y" * 50_000,
        },
    )
    os.link(tmp_path / "store" / "dep.js", tmp_path / "proj" / "node_modules" / "dep.js")
    os.link(tmp_path / "store" / "dep.js", tmp_path / "proj" / "node_modules" / "dep2.js")
    result = scan(ScanRequest(roots=(tmp_path,)))
    # The store file and its two links are one inode: counted once (+ own.js, package.json).
    assert result.totals.scanned_files == 3
    (nm,) = result.findings
    own_disk = (tmp_path / "proj/node_modules/own.js").stat().st_blocks * 512
    # Its own folder's block is freed too (issue 18, item 2: sizes as du counts them).
    own_disk += (tmp_path / "proj/node_modules").stat().st_blocks * 512
    assert nm.reclaimable_bytes == own_disk  # type: ignore[attr-defined]


def test_hard_links_all_inside_are_reclaimable(tmp_path: Path) -> None:
    make_tree(tmp_path, {"proj/package.json": "{}", "proj/node_modules/a.js": "x" * 40_000})
    os.link(tmp_path / "proj/node_modules/a.js", tmp_path / "proj/node_modules/b.js")
    (nm,) = scan(ScanRequest(roots=(tmp_path,))).findings
    disk = (tmp_path / "proj/node_modules/a.js").stat().st_blocks * 512
    own = (tmp_path / "proj/node_modules").stat()  # its own entry, as du counts it (issue 18)
    assert nm.reclaimable_bytes == disk + own.st_blocks * 512  # type: ignore[attr-defined]
    assert nm.bytes == 40_000 + own.st_size


def test_name_that_is_not_utf8(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    raw = os.fsencode(tmp_path) + b"/proj/__pycache__/caf\xe9.pyc"
    make_tree(tmp_path, {"proj/__pycache__/": None, "proj/x.py": ""})
    with open(raw, "wb") as handle:
        handle.write(b"\x00" * 10)
    bad_dir = os.fsencode(tmp_path) + b"/proj/\xff\xfe-dir"
    os.mkdir(bad_dir)
    (tmp_path / "proj" / "pyproject.toml").write_text("")
    os.mkdir(bad_dir + b"/__pycache__")
    found = artifacts(tmp_path)
    assert "proj/__pycache__" in found
    assert len(found) == 2
    out = cli("scan", "--json", tmp_path)
    assert out.code == 0
    document = json.loads(out.out)
    assert len(document["findings"]) == 2
    human = cli("scan", tmp_path)
    assert human.code == 0 and "\ufffd" in human.out


def test_deep_tree_does_not_overflow(tmp_path: Path) -> None:
    """Deeper than Python's recursion limit; the walker keeps its own stack."""
    script = "import os\nfor _ in range(1500):\n    os.mkdir('d'); os.chdir('d')\nos.mkdir('__pycache__')"
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, check=True)
    try:
        result = scan(ScanRequest(roots=(tmp_path,)))
        assert [Path(f.path).name for f in result.findings] == ["__pycache__"]
        assert result.errors == ()
    finally:
        # pytest's own clean-up recurses and would hit the recursion limit on this tree.
        subprocess.run(["rm", "-rf", str(tmp_path / "d")], check=True)


def test_unreadable_folder_is_an_error_entry_and_the_scan_goes_on() -> None:
    base = Path(tempfile.mkdtemp(prefix="hyg-unreadable-"))
    try:
        base.chmod(0o755)
        make_tree(
            base, {"ok/package.json": "{}", "ok/node_modules/a.js": "", "locked/secret.txt": "x"}
        )
        for folder in (base / "ok", base / "ok" / "node_modules"):
            folder.chmod(0o755)
        for f in base.rglob("*"):
            f.chmod(0o755 if f.is_dir() else 0o644)
        (base / "locked").chmod(0o000)
        code = (
            "import json,sys; from pathlib import Path; from hygiene.scan.engine import *; "
            f"r=scan(ScanRequest(roots=(Path({str(base)!r}),))); "
            "print(json.dumps([len(r.findings), [e.path for e in r.errors]]))"
        )
        done = python_without_root_reads(code)
        assert done.returncode == 0, done.stderr
        findings, errors = json.loads(done.stdout)
        assert findings == 1
        assert errors == [str(base / "locked")]
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base)


def test_other_filesystems_are_not_entered_unless_asked(tmp_path: Path) -> None:
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    make_tree(tmp_path, {"package.json": "{}"})
    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("cannot mount a tmpfs here (needs CAP_SYS_ADMIN)")
    try:
        make_tree(mnt, {"proj/package.json": "{}", "proj/node_modules/a.js": "x"})
        assert scan(ScanRequest(roots=(tmp_path,))).findings == ()
        crossing = scan(ScanRequest(roots=(tmp_path,), config=Config(cross_mounts=True)))
        assert [Path(f.path).name for f in crossing.findings] == ["node_modules"]
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_git_internals_are_never_judged(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("a.txt")
    repo.commit()
    hooks = repo.path / ".git" / "hooks"
    (hooks / "__pycache__").mkdir()
    (hooks / "__pycache__" / "x.pyc").write_bytes(b"")
    assert artifacts(repo.path) == {}


def test_bare_repository_is_not_entered(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "bare.git")], check=True)
    (tmp_path / "bare.git" / "hooks" / "__pycache__").mkdir()
    result = scan(ScanRequest(roots=(tmp_path,)))
    assert result.findings == ()
    assert str(tmp_path / "bare.git") in result.repos


def test_hygiene_own_state_is_never_scanned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quarantined artifacts are hygiene's, not the workspace's: a scan of ~ must not list them."""
    home = tmp_path / "state"
    monkeypatch.setenv("HYGIENE_HOME", str(home))
    make_tree(
        tmp_path,
        {
            "state/quarantine/run/items/1/__pycache__/m.pyc": "",
            "mnt/.hygiene-quarantine-0/run/items/1/__pycache__/m.pyc": "",
            "proj/__pycache__/m.pyc": "",
        },
    )
    assert set(artifacts(tmp_path)) == {"proj/__pycache__"}


def test_a_folder_given_by_path_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    # Sizing opens each folder with O_NOFOLLOW: a folder swapped for a symlink after the walk
    # saw it is refused, not followed to wherever it points now.
    from hygiene.scan.measure import measure_paths

    make_tree(tmp_path, {"real/a/big.bin": "x" * 50_000})
    (tmp_path / "swapped").symlink_to(tmp_path / "real")
    part = measure_paths([str(tmp_path / "swapped")], os.lstat(tmp_path).st_dev, False)
    assert part.bytes == 0 and part.files == 0
    assert [path for path, _ in part.errors] == [str(tmp_path / "swapped")]


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
@pytest.mark.parametrize("workers", [0, 2])
def test_a_wide_tree_holds_few_descriptors_and_leaks_none(tmp_path: Path, workers: int) -> None:
    # 1,500 sibling folders, inside an artifact and out: folders are opened one at a time.
    spec = {f"src/d{i}/f.txt": "x" for i in range(1500)}
    spec.update({f"web/node_modules/p{i}/i.js": "y" for i in range(1500)})
    spec["web/package.json"] = "{}"
    make_tree(tmp_path, spec)
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    before = _open_descriptors()
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, before + 64), hard))
    try:
        result = scan(ScanRequest(roots=(tmp_path,), workers=workers))
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert not result.errors
    assert result.totals.scanned_files == 3001
    assert _open_descriptors() == before
