"""The compiled sizing loop (hygiene/scan/speed/_measure.c) gives exactly what the Python one gives."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.scan import measure
from hygiene.scan.measure import Partial, measure_python
from tests.scan.helpers import make_tree, python_without_root_reads, tree_with_a_closed_folder

native = pytest.mark.skipif(
    measure._native is None and os.environ.get("CI") != "true",
    reason="hygiene.scan.speed._measure is not built here (no C compiler at install)",
)


def test_the_compiled_loop_is_built_in_ci() -> None:
    # The fast path must really be the one tested: `pip install -e .` builds it in CI.
    if os.environ.get("CI") == "true":
        assert measure._native is not None


def both(paths: list[str], dev: int, cross: bool = False) -> tuple[Partial, Partial]:
    c = measure._native_partial(paths, dev, cross)
    py = measure_python(paths, dev, cross=cross)
    return c, py


def same(c: Partial, py: Partial) -> None:
    assert (c.bytes, c.disk_bytes, c.files, c.dirs, c.freed) == (
        py.bytes,
        py.disk_bytes,
        py.files,
        py.dirs,
        py.freed,
    )
    assert c.newest_mtime == py.newest_mtime
    assert c.contains_repo == py.contains_repo
    assert c.links == py.links
    assert sorted(c.errors) == sorted(py.errors)


@native
def test_a_tree_with_links_odd_names_and_a_repository(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "nm/a/index.js": "x" * 5000,
            "nm/a/deep/er/mod.js": "y" * 70,
            "nm/b/README": "",
            "nm/c/.git": "gitdir: ../../.git/modules/c\n",
            "outside/store.js": "s" * 9000,
        },
    )
    os.link(tmp_path / "nm/a/index.js", tmp_path / "nm/b/copy.js")
    os.link(tmp_path / "outside/store.js", tmp_path / "nm/b/store.js")
    (tmp_path / "nm/a/to-outside").symlink_to(tmp_path / "outside")
    (tmp_path / "nm/a/loop").symlink_to(tmp_path / "nm")
    odd = os.fsencode(tmp_path / "nm") + b"/caf\xe9"
    os.mkdir(odd)
    with open(odd + b"/f\xff.bin", "wb") as handle:
        handle.write(b"z" * 123)
    os.utime(tmp_path / "nm/a/deep/er/mod.js", (1, 1_900_000_000.123456789))
    dev = os.lstat(tmp_path).st_dev
    c, py = both([str(tmp_path / "nm")], dev)
    same(c, py)
    assert c.contains_repo
    # index.js and store.js apart, as links; the two symlinks count as the entries they are
    assert len(c.links) == 2 and c.files == 6
    assert c.newest_mtime == os.lstat(tmp_path / "nm/a/deep/er/mod.js").st_mtime


@native
def test_a_bare_repository_inside_is_a_repository(tmp_path: Path) -> None:
    """A mirror or backup made with `git init --bare` holds commits, maybe nowhere else, as a
    `.git` does: `objects` with HEAD, refs or packed-refs (a copy that lost its empty `refs/`
    still holds every commit). HEAD and refs without objects, or objects alone, are not."""
    (tmp_path / "nm" / "a").mkdir(parents=True)
    (tmp_path / "nm" / "a" / "index.js").write_text("x")
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "nm/a/mirror.git")], check=True)
    # What a sync that drops empty folders leaves after `git gc`: objects and packed-refs.
    (tmp_path / "nm3" / "copy.git" / "objects" / "pack").mkdir(parents=True)
    (tmp_path / "nm3" / "copy.git" / "packed-refs").write_text("# pack-refs\n")
    (tmp_path / "nm2" / "refs").mkdir(parents=True)
    (tmp_path / "nm2" / "HEAD").write_text("not git\n")
    (tmp_path / "nm4" / "objects").mkdir(parents=True)  # a folder named objects, alone
    dev = os.lstat(tmp_path).st_dev
    for held, folder in ((True, "nm"), (True, "nm3"), (False, "nm2"), (False, "nm4")):
        c, py = both([str(tmp_path / folder)], dev)
        same(c, py)
        assert c.contains_repo is held, folder


@native
def test_errors_read_the_same(tmp_path: Path) -> None:
    make_tree(tmp_path, {"real/f.txt": "x"})
    (tmp_path / "swapped").symlink_to(tmp_path / "real")
    (tmp_path / "file").write_text("not a folder")
    dev = os.lstat(tmp_path).st_dev
    paths = [str(tmp_path / n) for n in ("swapped", "gone", "file", "real")]
    c, py = both(paths, dev)
    same(c, py)
    reasons = dict(c.errors)
    assert reasons[str(tmp_path / "gone")] == "vanished during the scan"
    assert set(reasons) == {str(tmp_path / n) for n in ("swapped", "gone", "file")}
    assert c.files == 1


@native
def test_other_filesystems_are_skipped_alike(tmp_path: Path) -> None:
    make_tree(tmp_path, {"d/f": "x" * 10})
    # Asked with a device the tree is not on: every folder below is another filesystem.
    c, py = both([str(tmp_path)], os.lstat(tmp_path).st_dev + 1)
    same(c, py)
    assert c.dirs == 0 and c.files == 0
    c, py = both([str(tmp_path)], os.lstat(tmp_path).st_dev + 1, cross=True)
    same(c, py)
    assert c.dirs == 1 and c.files == 1


@native
def test_an_unreadable_folder_is_an_error_alike() -> None:
    spec: dict[str, str | bytes | None] = {"locked/secret.txt": "x", "open/f.txt": "y"}
    with tree_with_a_closed_folder(spec, "locked", 0o000) as base:
        code = (
            "import json; from hygiene.scan import measure as m; "
            f"p=[{str(base)!r}]; d={os.lstat(base).st_dev}; "
            "c=m._native_partial(p, d, False); y=m.measure_python(p, d, cross=False); "
            "print(json.dumps([c.errors, y.errors, c.files, y.files]))"
        )
        done = python_without_root_reads(code)
        assert done.returncode == 0, done.stderr
        c_errors, py_errors, c_files, py_files = json.loads(done.stdout)
        assert c_errors == py_errors == [[str(base / "locked"), "Permission denied"]]
        assert c_files == py_files == 1


@native
def test_a_trailing_slash_joins_as_in_python(tmp_path: Path) -> None:
    # A path the loop builds by joining names (a precious file two levels down) shows the joins.
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "d" / "e" / ".env").write_text("SECRET_KEY=x\n", encoding="utf-8")
    dev = os.lstat(tmp_path).st_dev
    for given_path in (str(tmp_path), f"{tmp_path}/", f"{tmp_path}//"):
        c, py = both([given_path], dev)
        same(c, py)
        assert c.precious == py.precious
        assert c.precious and c.precious[0][0].startswith(given_path + "/d")


def on_folder_read(folder: Path, handler: Callable[..., Any]) -> Callable[[], None]:
    """Have `handler` run as a signal handler when `folder` or an entry of it is read (dnotify):
    a signal that arrives in the middle of a walk, without timing."""
    old = signal.signal(signal.SIGIO, handler)
    fd = os.open(folder, os.O_RDONLY)
    fcntl.fcntl(fd, fcntl.F_NOTIFY, fcntl.DN_ACCESS | fcntl.DN_MULTISHOT)

    def undo() -> None:
        os.close(fd)
        signal.signal(signal.SIGIO, old)

    return undo


dnotify = pytest.mark.skipif(not hasattr(fcntl, "F_NOTIFY"), reason="dnotify is Linux only")


@native
@dnotify
def test_signal_handlers_run_during_the_walk(tmp_path: Path) -> None:
    # Ctrl-C must not wait until a whole subtree is added up: the handler runs between folders,
    # here removing the folders not yet entered, which the walk then finds gone.
    make_tree(tmp_path, {f"c{i}/f": "x" for i in range(6)})
    calls = []

    def remove_all(*_: object) -> None:
        if not calls:
            calls.append(1)
            for child in tmp_path.iterdir():
                shutil.rmtree(child)

    undo = on_folder_read(tmp_path, remove_all)
    try:
        c = measure._native_partial([str(tmp_path)], os.lstat(tmp_path).st_dev, False)
    finally:
        undo()
    assert calls and c.errors
    assert {reason for _, reason in c.errors} == {"vanished during the scan"}


class Interrupted(Exception):
    pass


@native
@dnotify
def test_an_exception_from_a_handler_propagates_and_leaks_no_descriptor(tmp_path: Path) -> None:
    make_tree(tmp_path, {f"c{i}/d/f": "x" for i in range(6)})

    def interrupt(*_: object) -> None:
        raise Interrupted

    dev = os.lstat(tmp_path).st_dev
    measure._native_partial([str(tmp_path)], dev, False)
    undo = on_folder_read(tmp_path, interrupt)
    before = len(os.listdir("/proc/self/fd"))
    try:
        for _ in range(20):
            with pytest.raises(Interrupted):
                measure._native_partial([str(tmp_path)], dev, False)
        after = len(os.listdir("/proc/self/fd"))
    finally:
        undo()
    assert after == before


# One step of building a tree: (kind, a pick among what exists, a size or nanoseconds).
steps = st.lists(
    st.tuples(
        st.sampled_from(["dir", "file", "link", "symlink", "utime", "git", "bare"]),
        st.integers(0, 1_000),
        st.integers(0, 2**62),
    ),
    max_size=25,
)


def grow(base: str, plan: list[tuple[str, int, int]], *, logs: bool = False) -> list[str]:
    """A tree below `base/root` made by `plan`; its folders, the root first. `logs`: a third of
    the names end in `.log` (a name the rule table's literal test lets through)."""
    root = os.path.join(base, "root")
    os.mkdir(root)
    folders, files = [root], []
    for n, (kind, pick, number) in enumerate(plan):
        folder = folders[pick % len(folders)]
        path = os.path.join(folder, f"e{n}" + (".log" if logs and number % 3 == 0 else ""))
        if kind == "dir":
            os.mkdir(path)
            folders.append(path)
        elif kind == "file":
            with open(path, "wb") as handle:
                handle.truncate(number % 20_000)
            files.append(path)
        elif kind == "link" and files:
            os.link(files[pick % len(files)], path)
        elif kind == "symlink":
            os.symlink((folders + files)[pick % len(folders + files)], path)
        elif kind == "utime" and files:
            os.utime(files[pick % len(files)], ns=(number, number % 4 * 10**18 + number))
        elif kind == "git" and not os.path.lexists(os.path.join(folder, ".git")):
            # A folder, or the file of a worktree or submodule.
            if pick % 2:
                os.mkdir(os.path.join(folder, ".git"))
            else:
                open(os.path.join(folder, ".git"), "w").close()
        elif kind == "bare":
            # Some of a bare repository's entries, all of them one time in four; its folders
            # as folders, links to folders (no subfolder to enter: sized from the listing) or
            # files.
            shape = number % 3
            for bit, name in ((1, "HEAD"), (2, "objects"), (4, "refs"), (8, "packed-refs")):
                where = os.path.join(folder, name)
                if not (pick % 4 == 0 or number & bit) or os.path.lexists(where):
                    continue
                if name in ("HEAD", "packed-refs") or shape == 2:
                    with open(where, "w") as handle:
                        handle.write("ref: refs/heads/main\n")
                elif shape == 0:
                    os.mkdir(where)
                else:
                    os.symlink(base, where)
    return folders


@native
@settings(max_examples=60, deadline=None)
@given(steps)
def test_random_trees_add_up_alike(plan: list[tuple[str, int, int]]) -> None:
    with tempfile.TemporaryDirectory(prefix="hyg-prop-") as base:
        folders = grow(base, plan)
        root = folders[0]
        dev = os.lstat(root).st_dev
        for cross, asked in ((False, dev), (True, dev + 1), (False, dev + 1)):
            same(*both([root, *folders[1:2]], asked, cross))


# readdir, failing with EIO on the fourth call for a folder named "poison": after "." and ".."
# and at least one real entry. Preloaded, it fails Python's os.scandir and the compiled loop
# alike, as a bad disk block would.
FAILING_READDIR = r"""
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static DIR *last;
static int calls;

static int poisoned(DIR *d) {
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd(d));
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 7) return 0;
    target[n] = 0;
    if (strcmp(target + n - 7, "/poison") != 0) return 0;
    if (d != last) { last = d; calls = 0; }
    return ++calls >= 4;
}

struct dirent64 *readdir64(DIR *d) {
    static struct dirent64 *(*real)(DIR *);
    if (!real) real = (struct dirent64 *(*)(DIR *))dlsym(RTLD_NEXT, "readdir64");
    if (poisoned(d)) { errno = EIO; return NULL; }
    return real(d);
}

struct dirent *readdir(DIR *d) {
    static struct dirent *(*real)(DIR *);
    if (!real) real = (struct dirent *(*)(DIR *))dlsym(RTLD_NEXT, "readdir");
    if (poisoned(d)) { errno = EIO; return NULL; }
    return real(d);
}
"""


@native
@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler for the failing readdir")
def test_a_folder_that_fails_to_list_counts_nothing_alike(tmp_path: Path) -> None:
    # Python lists a folder whole before looking at its entries: a listing that fails half way
    # is one error and none of its entries. The compiled loop must not count the first half.
    shim = tmp_path / "failing_readdir.so"
    (tmp_path / "failing_readdir.c").write_text(FAILING_READDIR)
    subprocess.run(
        ["cc", "-shared", "-fPIC", "-o", shim, tmp_path / "failing_readdir.c", "-ldl"], check=True
    )
    tree = make_tree(tmp_path / "tree", {f"poison/f{i}": "x" * 100 for i in range(8)})
    make_tree(tree, {"poison/sub/g": "y", "ok/h": "z" * 7})
    code = (
        "import json; from hygiene.scan import measure as m; "
        f"p=[{str(tree)!r}]; d={os.lstat(tree).st_dev}; "
        "c=m._native_partial(p, d, False); y=m.measure_python(p, d, cross=False); "
        "print(json.dumps([[x.errors, x.files, x.dirs, x.bytes] for x in (c, y)]))"
    )
    # After what is preloaded already (a sanitizer's runtime must stay first).
    preload = " ".join(filter(None, [os.environ.get("LD_PRELOAD"), str(shim)]))
    env = {**os.environ, "LD_PRELOAD": preload}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        env=env,
    )
    assert done.returncode == 0, done.stderr
    c, py = json.loads(done.stdout)
    assert py[0] == [[str(tree / "poison"), "Input/output error"]]
    assert c == py


def test_listings_at_hand_and_paths_add_up_as_in_python(tmp_path: Path) -> None:
    """measure_listings: the top level from an open listing, the rest compiled (when built)."""
    make_tree(tmp_path, {"x/a.txt": "a" * 300, "x/sub/b.txt": "b" * 40, "y/c.txt": "c"})
    os.link(tmp_path / "x/a.txt", tmp_path / "y/a-link.txt")
    dev = os.lstat(tmp_path).st_dev
    listing = measure.open_listing(str(tmp_path / "x"))
    try:
        mixed = measure.measure_listings([listing, str(tmp_path / "y")], dev, cross=False)
        reference = measure_python([listing, str(tmp_path / "y")], dev, cross=False)
    finally:
        listing.close()
    same(mixed, reference)
    assert mixed.links and mixed.files == 2


def test_a_whole_scan_without_the_compiled_loop_finds_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An install without a C compiler: every scan path falls back to the Python loop."""
    from hygiene.scan.engine import ScanRequest, scan

    spec: dict[str, str | bytes | None] = {"web/package.json": "{}", "api/.venv/pyvenv.cfg": ""}
    for i in range(30):
        spec[f"web/node_modules/p{i}/lib/i.js"] = "x" * (i + 1)
        spec[f"api/.venv/lib/python3.11/site-packages/d{i}/m.py"] = "y" * i
        spec[f"api/src/a/b/c{i}/__pycache__/m.pyc"] = "z"
    make_tree(tmp_path, spec)
    os.link(tmp_path / "web/node_modules/p1/lib/i.js", tmp_path / "api/src/a/b/c3/hard.js")
    compiled = scan(ScanRequest(roots=(tmp_path,), workers=2))
    monkeypatch.setattr(measure, "_native", None)
    monkeypatch.setattr(measure, "_native_list", None)
    python = scan(ScanRequest(roots=(tmp_path,), workers=2))
    serial = scan(ScanRequest(roots=(tmp_path,), workers=0))
    assert compiled.findings == python.findings == serial.findings
    assert compiled.totals == python.totals == serial.totals
    assert len(compiled.findings) == 32


# -- list_folder: one folder of the walk, compiled and in Python --

PREFILTER = (frozenset({".DS_Store", "Thumbs.db"}), (".#", "~$"), (".pyc", ".log"), (".tfstate.",))


def lists_alike(path: str, dev: int, *, cross: bool = False, large: int = -1, sqlite: bool = True):  # type: ignore[no-untyped-def]
    assert measure._native_list is not None
    c = measure.FolderList(*measure._native_list(path, dev, cross, large, sqlite, *PREFILTER))
    py = measure.list_folder_python(path, dev, cross, large, sqlite, *PREFILTER)
    key = lambda f: (  # noqa: E731 - readdir order is the same; compared as sets anyway
        sorted(f.names),
        f.dirs,
        f.files,
        f.bytes,
        f.disk_bytes,
        sorted(f.subdirs),
        sorted(f.links),
        sorted(f.wanted),
        sorted(f.seen),
        sorted(f.errors),
        f.dev,
        f.ino,
        f.newest,
    )
    assert key(c) == key(py)
    return c


@native
def test_one_folder_lists_alike(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "d/sub/x": "x",
            "d/.DS_Store": "junk",
            "d/m.cpython-311.pyc": "p",
            "d/run.log": "l" * 700,
            "d/app.db": b"\0" * 1024,
            "d/big.bin": b"b" * 5000,
            "d/plain.txt": "t",
            "d/main.tfstate.backup": "s",
            "d/.#lock": "e",
            "d/.git": "gitdir: elsewhere\n",
        },
    )
    os.link(tmp_path / "d/plain.txt", tmp_path / "d/twin.txt")
    (tmp_path / "d/to-sub").symlink_to(tmp_path / "d/sub")
    odd = os.fsencode(tmp_path / "d") + b"/caf\xe9.pyc"
    with open(odd, "wb") as handle:
        handle.write(b"z" * 3)
    dev = os.lstat(tmp_path).st_dev
    got = lists_alike(str(tmp_path / "d"), dev, large=4096)
    assert got.subdirs == ["sub"] and got.dirs == 1
    assert {link[0] for link in got.links} == {"plain.txt", "twin.txt"}
    assert set(got.wanted) == {
        ".DS_Store",
        "m.cpython-311.pyc",
        "run.log",
        "main.tfstate.backup",
        ".#lock",
        os.fsdecode(b"caf\xe9.pyc"),
    }
    assert set(got.seen) == {"app.db", "big.bin"}  # SQLite-shaped; at or above `large`
    assert got.files == len(got.names) - 1 - 2  # all but the folder and the two links
    # Another filesystem's folder is neither entered nor counted, unless crossing.
    other = lists_alike(str(tmp_path / "d"), dev + 1)
    assert other.subdirs == [] and other.dirs == 0
    assert lists_alike(str(tmp_path / "d"), dev + 1, cross=True).subdirs == ["sub"]


@native
def test_a_folder_that_cannot_be_listed_raises_alike(tmp_path: Path) -> None:
    make_tree(tmp_path, {"real/f": "x"})
    (tmp_path / "swapped").symlink_to(tmp_path / "real")
    (tmp_path / "file").write_text("x")
    dev = os.lstat(tmp_path).st_dev
    assert measure._native_list is not None
    expected = {"swapped": OSError, "gone": FileNotFoundError, "file": NotADirectoryError}
    for name, kind in expected.items():
        path = str(tmp_path / name)
        with pytest.raises(kind) as c:
            measure._native_list(path, dev, False, -1, False, *PREFILTER)
        with pytest.raises(kind) as py:
            measure.list_folder_python(path, dev, False, -1, False, *PREFILTER)
        assert (type(c.value), c.value.errno, c.value.filename) == (
            type(py.value),
            py.value.errno,
            py.value.filename,
        )


@native
def test_entries_that_cannot_be_stated_are_errors_alike() -> None:
    # A folder that may be read but not searched: its names list, their lstat fails.
    spec: dict[str, str | bytes | None] = {"blind/a.txt": "x", "blind/b.log": "y"}
    with tree_with_a_closed_folder(spec, "blind", 0o444) as base:
        code = (
            "import json; from hygiene.scan import measure as m; "
            f"a=({str(base / 'blind')!r}, {os.lstat(base).st_dev}, False, -1, True, "
            "frozenset(), (), ('.log',), ()); "
            "c=m.FolderList(*m._native_list(*a)); y=m.list_folder_python(*a); "
            "print(json.dumps([sorted(c.errors), sorted(y.errors), c.files, y.files]))"
        )
        done = python_without_root_reads(code)
        assert done.returncode == 0, done.stderr
        c_errors, py_errors, c_files, py_files = json.loads(done.stdout)
        assert c_errors == py_errors == [["a.txt", 13], ["b.log", 13]]
        assert c_files == py_files == 0


@native
@settings(max_examples=40, deadline=None)
@given(steps)
def test_random_folders_list_alike(plan: list[tuple[str, int, int]]) -> None:
    with tempfile.TemporaryDirectory(prefix="hyg-prop-") as base:
        folders = grow(base, plan, logs=True)
        root = folders[0]
        dev = os.lstat(root).st_dev
        for folder in folders:
            for large in (-1, 0, 1024):
                lists_alike(folder, dev, large=large, sqlite=large != 0)


@native
@settings(max_examples=40, deadline=None)
@given(steps)
def test_a_folder_without_subfolders_sizes_from_its_listing_alike(
    plan: list[tuple[str, int, int]],
) -> None:
    """A `__pycache__` is sized from the walk's own listing of it: the same sums, ages, links,
    errors and repository mark as listing and measuring it again."""
    with tempfile.TemporaryDirectory(prefix="hyg-prop-") as base:
        folders = grow(base, plan)
        dev = os.lstat(folders[0]).st_dev
        for folder in folders:
            for lister in (measure.list_folder_python, measure._native_list):
                assert lister is not None
                listed = measure.FolderList(*lister(folder, dev, False, -1, False, *PREFILTER))
                if listed.subdirs:
                    continue
                same(
                    measure.listed_partial(listed, folder),
                    measure_python([folder], dev, cross=False),
                )


@native
def test_a_folder_whose_entries_cannot_be_stated_sizes_from_its_listing_alike() -> None:
    # Its `.git` cannot be stat'ed either: measuring does not take it for a repository.
    spec: dict[str, str | bytes | None] = {"blind/a.txt": "x", "blind/.git": "gitdir: x\n"}
    with tree_with_a_closed_folder(spec, "blind", 0o444) as base:
        code = (
            "import json; from hygiene.scan import measure as m; "
            f"p={str(base / 'blind')!r}; d={os.lstat(base).st_dev}; "
            "f=m.FolderList(*m._native_list(p, d, False, -1, False, frozenset(), (), (), ())); "
            "a=m.listed_partial(f, p); b=m.measure_python([p], d, cross=False); "
            "print(json.dumps([[a.contains_repo, sorted(a.errors), a.files], "
            "[b.contains_repo, sorted(b.errors), b.files]]))"
        )
        done = python_without_root_reads(code)
        assert done.returncode == 0, done.stderr
        listed, measured = json.loads(done.stdout)
        assert listed == measured
        assert measured[0] is False and len(measured[1]) == 2


def _deeper_than_path_max(root: Path) -> tuple[str, int, int]:
    """A folder 24 levels of 200-byte names deep (4,800 bytes), a file on every level, made
    through descriptors since no path to its bottom can be opened whole."""
    top = root / "node_modules"
    top.mkdir()
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    files = size = 0
    try:
        for level in range(24):
            name = f"{level:02d}" + "x" * 198
            data = b"y" * (level + 1)
            handle = os.open(f"f{level}", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
            os.write(handle, data)
            os.close(handle)
            files, size = files + 1, size + len(data)
            os.mkdir(name, dir_fd=fd)
            size += os.stat(name, dir_fd=fd).st_size
            child = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
    finally:
        os.close(fd)
    return str(top), files, size


def test_a_tree_deeper_than_path_max_is_sized_whole_alike(tmp_path: Path) -> None:
    top, files, size = _deeper_than_path_max(tmp_path)
    c, py = both([top], os.lstat(top).st_dev)
    same(c, py)
    assert py.errors == []
    assert (py.files, py.bytes) == (files, size)
