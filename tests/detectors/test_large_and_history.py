"""Large files in the work tree and big blobs in history, from real repositories."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.detectors.history import HistoryBlob
from hygiene.detectors.large_files import LargeFile, product_of
from hygiene.scan.engine import ScanRequest, scan

MB = 1_000_000
POINTER = (
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    "size 3000000\n"
)


def run(root: Path, *kinds: str, large: int = MB, git_stats: bool = False):  # type: ignore[no-untyped-def]
    request = ScanRequest(roots=(root,), kinds=frozenset(kinds), large=large, git_stats=git_stats)
    return scan(request)


def test_large_files_carry_tracked_lfs_and_what_they_are(make_repo) -> None:
    repo = make_repo()
    repo.write(".gitattributes", "*.bin filter=lfs diff=lfs merge=lfs -text\n")
    # As a clone with git-lfs holds it: the commit has the pointer, the work tree the content.
    repo.write("weights.bin", POINTER)
    repo.write("small.txt", "x")
    repo.commit()
    repo.write("weights.bin", os.urandom(3 * MB))
    repo.write("dist/app-1.0-py3-none-any.whl", os.urandom(2 * MB))
    repo.write("notes.txt", os.urandom(MB - 1))  # one byte under the threshold
    found = {
        os.path.basename(f.path): f
        for f in run(repo.path, "large-file").findings
        if isinstance(f, LargeFile)
    }
    assert set(found) == {"weights.bin", "app-1.0-py3-none-any.whl"}
    weights = found["weights.bin"]
    assert (weights.tracked, weights.lfs, weights.product) == (True, True, "model weights")
    assert weights.bytes == 3 * MB
    wheel = found["app-1.0-py3-none-any.whl"]
    assert (wheel.tracked, wheel.lfs, wheel.product) == (False, False, "Python wheel")


def test_products_by_suffix() -> None:
    assert product_of("libfoo.so") == "shared library"
    assert product_of("backup.SQL.GZ") == "database dump"
    assert product_of("app.jar") == "Java archive"
    assert product_of("README") is None


def test_the_scan_and_the_hook_read_one_product_table(tmp_path: Path) -> None:
    from hygiene.hooks.large_files import build_product

    # `.a` is a static library (an archive of objects) for both, and a versioned `.so` is one.
    for name, kind in [("libz.a", "static library"), ("libz.so.1.2", "shared library")]:
        assert product_of(name) == kind
        assert build_product(str(tmp_path), name) == kind
    # Data is named by the scan but is no build product to the hook.
    assert product_of("dump.sql.gz") == "database dump"
    assert build_product(str(tmp_path), "dump.sql.gz") == ""


def test_a_blob_committed_then_deleted_is_still_in_history(make_repo) -> None:
    repo = make_repo()
    repo.write("README", "hello\n")
    repo.commit()
    repo.write("data/model.ckpt", os.urandom(2 * MB))
    repo.commit(message="add model")
    added = repo.git("rev-parse", "HEAD").strip()
    repo.git("mv", "data/model.ckpt", "data/renamed.ckpt")
    repo.commit(message="rename")
    repo.git("rm", "-q", "data/renamed.ckpt")
    repo.commit(message="drop model")
    repo.write("kept.bin", os.urandom(MB + 5))
    repo.commit(message="a big file still in HEAD")
    blobs = {b.path: b for b in run(repo.path, "history-blob").findings}
    assert set(blobs) == {"data/model.ckpt", "kept.bin"}
    gone = blobs["data/model.ckpt"]
    assert isinstance(gone, HistoryBlob)
    assert gone.bytes == 2 * MB
    assert gone.commit == added  # the oldest commit that added it, under its first name
    assert gone.in_head is False
    assert gone.object == repo.git("rev-parse", f"{added}:data/model.ckpt").strip()
    assert gone.remedy == "git filter-repo --path data/model.ckpt --invert-paths"
    kept = blobs["kept.bin"]
    assert isinstance(kept, HistoryBlob)
    assert kept.in_head is True
    assert kept.remedy.startswith("git lfs migrate import")


def test_an_lfs_pointer_in_history_is_not_a_big_blob(make_repo) -> None:
    repo = make_repo()
    repo.write(".gitattributes", "*.bin filter=lfs diff=lfs merge=lfs -text\n")
    repo.write("weights.bin", POINTER)
    repo.commit()
    assert run(repo.path, "history-blob").findings == ()


def test_blobs_on_other_branches_and_in_bare_repos_count(make_repo, tmp_path: Path) -> None:
    repo = make_repo("src")
    repo.write("README", "x\n")
    repo.commit()
    repo.git("checkout", "-q", "-b", "side")
    repo.write("side.iso", os.urandom(MB))
    repo.commit()
    repo.git("checkout", "-q", "main")
    bare = tmp_path / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True)
    found = run(tmp_path, "history-blob").findings
    assert sorted((os.path.basename(b.repo), b.path) for b in found) == [  # type: ignore[attr-defined]
        ("mirror.git", "side.iso"),
        ("src", "side.iso"),
    ]


def test_worktrees_sharing_one_object_store_are_read_once(make_repo, tmp_path: Path) -> None:
    repo = make_repo("main-tree")
    repo.write("big.tar", os.urandom(MB))
    repo.commit()
    repo.git("worktree", "add", "-q", str(tmp_path / "second-tree"))
    assert len(run(tmp_path, "history-blob").findings) == 1


def test_git_stats_summary_in_json(make_repo, cli) -> None:
    repo = make_repo()
    repo.write("a.txt", "hello\n")
    repo.write("b/c.txt", "x" * 5000)
    repo.commit()
    result = cli("scan", "--json", "--git-stats", "--kind", "history-blob", repo.path)
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    (stats,) = doc["git_stats"]
    assert stats["repo"] == str(repo.path)
    assert (stats["commits"], stats["trees"], stats["blobs"]) == (1, 2, 2)
    assert stats["biggest_blob_bytes"] == 5000
    assert stats["biggest_blob_path"] == "b/c.txt"
    assert stats["loose_objects"] == 5


def test_history_reading_is_a_fixed_number_of_git_processes(make_repo, git_calls) -> None:
    from hygiene.detectors import history

    repo = make_repo()
    for i in range(30):
        repo.write(f"f{i}.bin", os.urandom(MB + i))
        repo.commit(message=f"c{i}")
    before = len(git_calls())
    assert len(history.history_of(str(repo.path), threshold=MB, stats=False)[0]) == 30
    # cat-file, rev-list, ls-tree HEAD and one log, whatever the number of blobs.
    assert len(git_calls()) - before == 4
    before = len(git_calls())
    assert history.history_of(str(repo.path), threshold=2 * MB, stats=False)[0] == []
    assert len(git_calls()) - before == 1  # no big blob: one cat-file, no history walk


def test_an_unreachable_blob_is_not_history(make_repo) -> None:
    repo = make_repo()
    repo.write("README", "x\n")
    repo.commit()
    repo.git("checkout", "-q", "-b", "experiment")
    repo.write("huge.bin", os.urandom(MB))
    repo.commit()
    repo.git("checkout", "-q", "main")
    repo.git("branch", "-q", "-D", "experiment")  # the blob stays in the store, unreachable
    assert repo.git("cat-file", "--batch-all-objects", "--batch-check").count("blob 1000000") == 1
    assert run(repo.path, "history-blob").findings == ()


@given(
    st.lists(
        st.tuples(
            st.sampled_from([b"blob", b"tree", b"commit", b"tag"]),
            st.integers(0, 10**12),
            st.integers(0, 10**9),
        ),
        max_size=40,
    ),
    st.integers(0, 10**11),
)
@settings(max_examples=200, deadline=None)
def test_big_objects_are_read_from_the_listing_exactly(
    objects: list[tuple[bytes, int, int]], threshold: int
) -> None:
    """The listing is searched for long enough sizes only; that must lose no big blob."""
    from hygiene.detectors.history import _big_objects

    lines = [
        b"%040x %s %d %d" % (n, kind, size, disk) for n, (kind, size, disk) in enumerate(objects)
    ]
    want = {
        f"{n:040x}": (size, disk)
        for n, (kind, size, disk) in enumerate(objects)
        if kind == b"blob" and size >= threshold
    }
    assert _big_objects("/nonexistent", threshold, b"\n".join(lines) + b"\n") == want


def test_a_threshold_larger_than_any_file_can_be_finds_none(make_repo, cli) -> None:  # type: ignore[no-untyped-def]
    """`--large` beyond what a file size can hold (2**63 - 1 bytes): nothing is large, and the
    compiled loop, whose sizes are 64-bit, must not fail on it."""
    repo = make_repo()
    repo.write("big.bin", os.urandom(2 * MB))
    repo.write("db.sqlite", b"\0" * 4096)
    repo.commit()
    for large in (2**63 - 1, 2**63, 10**30):
        result = run(repo.path, "large-file", "history-blob", "database", large=large)
        assert not result.errors
        assert not [f for f in result.findings if isinstance(f, (LargeFile, HistoryBlob))]
    done = cli("scan", repo.path, "--large", "99999999999TB", "--json", "-q")
    assert done.code == 0, done.err
