"""The tracked listing read from the index file: byte for byte what `git ls-files -z` prints.

Every case is built by real git and compared with the real `ls-files -z`; where the reader must
not answer (a split or sparse index, a damaged file, a repository git reads another way), it
must say None so that git is asked instead.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hygiene.detectors import tracked_among
from hygiene.git.index import padded_listing, padded_listing_python, parse_index, read_tracked
from hygiene.git.repo import git_env, holding_tracked


def ls_files(worktree: Path | str) -> bytes:
    """The reference: git's own answer, in hygiene's environment."""
    done = subprocess.run(
        ["git", "-C", str(worktree), "ls-files", "-z"],
        capture_output=True,
        env=git_env(),
        check=True,
    )
    return done.stdout


def same_as_git(worktree: Path | str) -> bytes:
    listing = ls_files(worktree)
    assert read_tracked(str(worktree)) == listing
    return listing


def index_version(worktree: Path) -> int:
    return int.from_bytes((worktree / ".git" / "index").read_bytes()[4:8], "big")


def empty_blob(worktree: Path) -> bytes:
    done = subprocess.run(
        ["git", "-C", str(worktree), "hash-object", "-w", "--stdin"],
        input=b"",
        capture_output=True,
        check=True,
    )
    return done.stdout.strip()


def add_entries(worktree: Path, paths: list[bytes], stage: int = 0) -> None:
    """Index entries without files on disk (as long or as odd as git allows)."""
    blob = empty_blob(worktree)
    suffix = b"" if stage == 0 else b" %d" % stage
    lines = b"".join(b"100644 " + blob + suffix + b"\t" + p + b"\0" for p in paths)
    subprocess.run(
        ["git", "-C", str(worktree), "update-index", "-z", "--index-info"],
        input=lines,
        check=True,
    )


@pytest.fixture
def plain(make_repo):  # type: ignore[no-untyped-def]
    repo = make_repo("plain")
    repo.write("README.md", "hi\n")
    repo.write("src/pkg/a.py")
    repo.write("src/pkg/b.py")
    repo.write("src/pkg-x/c.py")  # sorts between src/pkg and src/pkg/ bytewise
    repo.write("docs/guide.md")
    repo.commit()
    repo.write("staged.txt")
    repo.git("add", "staged.txt")
    return repo


# -- what it reads exactly as git does --


def test_a_plain_repository(plain) -> None:  # type: ignore[no-untyped-def]
    assert index_version(plain.path) == 2
    listing = same_as_git(plain.path)
    assert b"staged.txt\0" in listing
    assert listing.count(b"\0") == 6


def test_version_3_intent_to_add_and_skip_worktree(plain) -> None:  # type: ignore[no-untyped-def]
    plain.write("later.txt")
    plain.git("add", "-N", "later.txt")
    plain.git("update-index", "--skip-worktree", "docs/guide.md")
    assert index_version(plain.path) == 3
    assert b"later.txt\0" in same_as_git(plain.path)


@pytest.mark.parametrize("extended", [False, True])
def test_version_4_prefix_compressed(plain, extended: bool) -> None:  # type: ignore[no-untyped-def]
    if extended:
        plain.git("update-index", "--skip-worktree", "src/pkg/a.py")
    plain.git("update-index", "--index-version", "4")
    assert index_version(plain.path) == 4
    same_as_git(plain.path)


@pytest.mark.parametrize("version", ["2", "4"])
def test_a_name_of_4095_bytes_and_more(make_repo, version: str) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    deep = b"/".join([b"d" * 200] * 21)  # 4220 bytes: the name length field says "look"
    add_entries(
        repo.path,
        [b"a", b"x" * 4095, deep + b"/f", deep + b"/g", b"y" * 4094, b"z"],
    )
    repo.git("update-index", "--index-version", version)
    listing = same_as_git(repo.path)
    assert b"x" * 4095 + b"\0" in listing
    assert deep + b"/g\0" in listing


def test_names_that_are_not_utf8(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    for name in (b"caf\xe9.txt", b"\xff\xfe/bin", "naïve.md".encode(), b"tab\there", b"nl\nx"):
        (repo.path / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
        (repo.path / os.fsdecode(name)).write_bytes(b"x")
    repo.commit()
    listing = same_as_git(repo.path)
    assert b"caf\xe9.txt\0" in listing
    assert b"nl\nx\0" in listing


def test_a_merge_conflict_lists_each_stage(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("f.txt", "base\n")
    repo.write("other.txt", "o\n")
    repo.commit()
    repo.git("checkout", "-q", "-b", "side")
    repo.write("f.txt", "side\n")
    repo.commit()
    repo.git("checkout", "-q", "main")
    repo.write("f.txt", "main\n")
    repo.commit()
    merge = subprocess.run(["git", "-C", str(repo.path), "merge", "side"], capture_output=True)
    assert merge.returncode != 0  # the conflict
    assert same_as_git(repo.path) == b"f.txt\0f.txt\0f.txt\0other.txt\0"


def test_a_linked_work_tree(plain, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    linked = tmp_path / "linked"
    plain.git("worktree", "add", "-q", "-b", "other", str(linked))
    (linked / "only-here.txt").write_text("x", encoding="utf-8")
    subprocess.run(["git", "-C", str(linked), "add", "only-here.txt"], check=True)
    assert (linked / ".git").is_file()
    assert b"only-here.txt\0" in same_as_git(linked)
    assert b"only-here.txt\0" not in same_as_git(plain.path)


def test_a_submodule_and_its_parent(make_repo) -> None:  # type: ignore[no-untyped-def]
    inner = make_repo("inner")
    inner.write("lib.c")
    inner.commit()
    outer = make_repo("outer")
    outer.write("main.c")
    outer.commit()
    outer.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner.path), "sub")
    assert (outer.path / "sub" / ".git").is_file()  # gitdir: ../.git/modules/sub
    assert same_as_git(outer.path) == b".gitmodules\0main.c\0sub\0"
    assert same_as_git(outer.path / "sub") == b"lib.c\0"


def test_a_fresh_repository_without_an_index(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    assert not (repo.path / ".git" / "index").exists()
    assert same_as_git(repo.path) == b""


def test_a_cone_sparse_checkout_without_sparse_index(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    for rel in ("in/a", "out/b", "out/deep/c", "top"):
        repo.write(rel)
    repo.commit()
    repo.git("sparse-checkout", "set", "--cone", "in")
    assert not (repo.path / "out").exists()
    assert same_as_git(repo.path) == b"in/a\0out/b\0out/deep/c\0top\0"


def test_a_wrong_trailing_hash_changes_nothing_for_git(plain) -> None:  # type: ignore[no-untyped-def]
    index = plain.path / ".git" / "index"
    data = index.read_bytes()
    for trailer in (b"\0" * 20, b"\x5a" * 20):  # index.skipHash writes zeros
        index.write_bytes(data[:-20] + trailer)
        same_as_git(plain.path)


# -- where it must leave the answer to git --


def test_a_split_index_is_left_to_git(plain) -> None:  # type: ignore[no-untyped-def]
    plain.git("update-index", "--split-index")
    plain.write("after-the-split.txt")
    plain.git("add", "after-the-split.txt")  # in the small index; the rest in the shared one
    assert b"link" in (plain.path / ".git" / "index").read_bytes()
    assert ls_files(plain.path).count(b"\0") == 7
    assert read_tracked(str(plain.path)) is None


def test_a_sparse_index_is_left_to_git(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    for rel in ("in/a", "out/b", "out/deep/c", "top"):
        repo.write(rel)
    repo.commit()
    repo.git("sparse-checkout", "set", "--cone", "--sparse-index", "in")
    assert b"sdir" in (repo.path / ".git" / "index").read_bytes()
    assert ls_files(repo.path) == b"in/a\0out/b\0out/deep/c\0top\0"  # git expands "out/"
    assert read_tracked(str(repo.path)) is None


DAMAGES = (
    "empty",
    "header only",
    "truncated in an entry",
    "truncated in the hash",
    "signature",
    "version 1",
    "version 5",
    "one entry more",
    "one entry less",
    "name length",
    "name end",
    "a NUL inside a name",
    "padding",
    "stray bytes before the hash",
    "unknown required extension",
)


def _damaged(data: bytes, damage: str) -> bytes:
    def at(offset: int, new: bytes) -> bytes:
        return data[:offset] + new + data[offset + len(new) :]

    def entry_size(start: int) -> int:  # version 2, names shorter than 256 bytes
        return (62 + data[start + 61] + 8) & ~7

    first = 12
    second = first + entry_size(first)
    count = int.from_bytes(data[8:12], "big")
    damaged = {
        "empty": lambda: b"",
        "header only": lambda: data[:12],
        "truncated in an entry": lambda: data[:100],
        "truncated in the hash": lambda: data[:-5],
        "signature": lambda: b"CRID" + data[4:],
        "version 1": lambda: at(4, (1).to_bytes(4, "big")),
        "version 5": lambda: at(4, (5).to_bytes(4, "big")),
        "one entry more": lambda: at(8, (count + 1).to_bytes(4, "big")),
        "one entry less": lambda: at(8, (count - 1).to_bytes(4, "big")),
        "name end": lambda: at(first + 62 + data[first + 61], b"x"),
        "a NUL inside a name": lambda: at(first + 62 + 2, b"\0"),
        # The second name is followed by five NULs: one more byte of name (a NUL) keeps the
        # entry's size, and a byte in the last NUL is not the one that ends the name.
        "name length": lambda: at(second + 61, bytes([data[second + 61] + 1])),
        "padding": lambda: at(second + entry_size(second) - 1, b"\x01"),
        "stray bytes before the hash": lambda: data[:-20] + b"TREE" + data[-20:],
        "unknown required extension": lambda: data[:-20] + b"zzzz" + bytes(4) + data[-20:],
    }
    return damaged[damage]()


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_index_is_left_to_git(plain, damage: str) -> None:  # type: ignore[no-untyped-def]
    index = plain.path / ".git" / "index"
    data = index.read_bytes()
    assert index_version(plain.path) == 2
    assert parse_index(data) == ls_files(plain.path)  # intact, it reads
    index.write_bytes(_damaged(data, damage))
    assert read_tracked(str(plain.path)) is None


def test_a_damaged_version_4_index_is_left_to_git(plain) -> None:  # type: ignore[no-untyped-def]
    plain.git("update-index", "--index-version", "4")
    data = (plain.path / ".git" / "index").read_bytes()
    assert parse_index(data) == ls_files(plain.path)
    first_name = 12 + 62
    assert data[first_name] == 0  # nothing to drop from the empty name before the first
    assert parse_index(data[:first_name] + b"\x05" + data[first_name + 1 :]) is None
    longer = bytes([data[12 + 61] + 1])  # the name length says one byte more than is there
    assert parse_index(data[: 12 + 61] + longer + data[12 + 62 :]) is None
    assert parse_index(data[:-30] + data[-20:]) is None


def _first_extended_entry(data: bytes) -> int:
    """Where the first entry with extended flags starts, in a version 3 index."""
    pos = 12
    while not data[pos + 60] & 0x40:
        pos += (62 + (data[pos + 60] << 8 | data[pos + 61]) % 0x1000 + 8) & ~7
    return pos


def test_extended_flags_git_does_not_know_are_left_to_git(plain) -> None:  # type: ignore[no-untyped-def]
    plain.git("update-index", "--skip-worktree", "src/pkg/b.py")
    index = plain.path / ".git" / "index"
    data = index.read_bytes()
    assert parse_index(data) == ls_files(plain.path)
    entry = _first_extended_entry(data)
    assert data[entry + 62] == 0x40  # skip-worktree
    index.write_bytes(data[: entry + 62] + b"\x50" + data[entry + 63 :])  # and a bit unknown
    assert subprocess.run(
        ["git", "-C", str(plain.path), "ls-files"], capture_output=True
    ).returncode
    assert read_tracked(str(plain.path)) is None
    # Extended flags in an index that says version 2: not what git writes.
    assert parse_index(data[:4] + (2).to_bytes(4, "big") + data[8:]) is None


def test_a_folder_named_git_that_is_no_repository(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    (broken / ".git").mkdir(parents=True)
    assert read_tracked(str(broken)) is None  # git looks further up, or fails: its call
    (broken / ".git" / "index").write_bytes(b"DIRC" + bytes(28))
    assert read_tracked(str(broken)) is None
    assert read_tracked(str(tmp_path / "missing")) is None


def test_head_as_git_judges_it(plain) -> None:  # type: ignore[no-untyped-def]
    plain.git("checkout", "-q", "--detach")
    assert (plain.path / ".git" / "HEAD").read_bytes()[:40].isalnum()
    same_as_git(plain.path)
    (plain.path / ".git" / "HEAD").write_text("not a ref\n", encoding="utf-8")
    # git no longer takes .git for a repository (it would look further up).
    assert subprocess.run(
        ["git", "-C", str(plain.path), "ls-files"], capture_output=True
    ).returncode
    assert read_tracked(str(plain.path)) is None


def test_a_git_file_that_points_nowhere(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / ".git").write_text("gitdir: ../nowhere\n", encoding="utf-8")
    assert read_tracked(str(work)) is None
    (work / ".git").write_text("not a gitfile\n", encoding="utf-8")
    assert read_tracked(str(work)) is None


@pytest.mark.parametrize(
    "config",
    [
        ("core.bare", "true"),
        ("core.worktree", "/elsewhere"),
        ("core.repositoryformatversion", "2"),
        ("extensions.somethingnew", "true"),
        ("include.path", "other.config"),
    ],
)
def test_a_repository_git_reads_another_way(plain, config: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    plain.git("config", *config)
    assert read_tracked(str(plain.path)) is None


def test_config_that_changes_nothing_still_reads(plain) -> None:  # type: ignore[no-untyped-def]
    plain.git("config", "core.bare", "false")
    plain.git("config", "core.repositoryformatversion", "1")
    plain.git("config", "extensions.worktreeConfig", "true")
    plain.git("config", "--worktree", "core.sparseCheckout", "false")
    plain.git("config", "alias.worktree", "status")  # not core.worktree
    same_as_git(plain.path)
    plain.git("config", "--worktree", "core.worktree", "/elsewhere")
    assert read_tracked(str(plain.path)) is None


@pytest.mark.parametrize(
    "broken",
    [
        b"[user]\n\tgarbage line here\n",  # a key must be followed by `=` or the line's end
        b"[user]\n\t1name = x\n",  # a key starts with a letter
        b"[user]\n\tn\xffme = x\n",
        b'[alias]\n\tco = "unterminated\n',
        b"[alias]\n\tco = an \\q escape git does not know\n",
        b"[user\n",
        b"\0\n",
    ],
)
def test_a_config_git_refuses_is_left_to_git(plain, broken: bytes) -> None:  # type: ignore[no-untyped-def]
    config = plain.path / ".git" / "config"
    config.write_bytes(config.read_bytes() + broken)
    done = subprocess.run(
        ["git", "-C", str(plain.path), "ls-files", "-z"], capture_output=True, env=git_env()
    )
    assert done.returncode != 0 and b"bad config" in done.stderr
    assert read_tracked(str(plain.path)) is None


@pytest.mark.parametrize(
    "valid",
    [
        b'[alias]\n\tco = "!git checkout" ; a comment "with a quote\n',
        b'[remote "origin"]\n\turl = /x\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n',
        b'[user]\n\tflag\n\tname = A \\"B\\" \\t C # comment\n',
        b"[alias] st = status\n",
        b"\t; a comment line\n# another\n\n",
    ],
)
def test_a_config_git_takes_still_reads(plain, valid: bytes) -> None:  # type: ignore[no-untyped-def]
    config = plain.path / ".git" / "config"
    config.write_bytes(config.read_bytes() + valid)
    same_as_git(plain.path)


def test_a_config_starting_with_a_byte_order_mark(plain) -> None:  # type: ignore[no-untyped-def]
    # git skips it, and then reads `[core]` as any other section header.
    config = plain.path / ".git" / "config"
    config.write_bytes(b"\xef\xbb\xbf" + config.read_bytes())
    same_as_git(plain.path)
    config.write_bytes(config.read_bytes() + b"[core]\n\tworktree = /elsewhere\n")
    assert read_tracked(str(plain.path)) is None


def test_sha256_objects_are_left_to_git(tmp_path: Path) -> None:
    repo = tmp_path / "sha256"
    subprocess.run(["git", "init", "-q", "--object-format=sha256", str(repo)], check=True)
    (repo / "a").write_text("x", encoding="utf-8")
    subprocess.run(["git", "-C", str(repo), "add", "a"], check=True)
    assert ls_files(repo) == b"a\0"
    assert read_tracked(str(repo)) is None


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the repository away")
def test_a_repository_of_another_owner_is_left_to_git(plain) -> None:  # type: ignore[no-untyped-def]
    os.chown(plain.path / ".git", 4242, 4242)
    # git refuses it (dubious ownership) unless safe.directory says otherwise: its call.
    assert read_tracked(str(plain.path)) is None


# -- the callers --


def test_tracked_among_without_a_prefetch_asks_no_git(
    plain, git_calls: Callable[[], list[str]]
) -> None:  # type: ignore[no-untyped-def]
    rels = ["src", "src/pkg", "src/pk", "docs/guide.md", "nothing", "staged.txt"]
    before = len(git_calls())
    held = tracked_among(str(plain.path), rels, None)
    assert git_calls()[before:] == []
    assert held == {"src", "src/pkg", "docs/guide.md", "staged.txt"}
    assert held == holding_tracked(str(plain.path), rels)
    plain.git("update-index", "--split-index")
    before = len(git_calls())
    assert tracked_among(str(plain.path), rels, None) == held
    assert Counter(c.split(" ")[2] for c in git_calls()[before:]) == Counter(
        {"--literal-pathspecs": 1}
    )


# -- any set of names, in any of the three versions --

_COMPONENT = st.binary(min_size=1, max_size=6).map(
    lambda b: b.replace(b"\0", b"_").replace(b"/", b"_")
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    files=st.lists(
        st.tuples(st.lists(_COMPONENT, max_size=3), _COMPONENT, st.sampled_from([0, 0, 0, 1])),
        max_size=40,
    ),
    version=st.sampled_from([2, 3, 4]),
)
def test_any_names_in_any_version(
    files: list[tuple[list[bytes], bytes, int]], version: int
) -> None:
    # Folders start with "d", files with "f": no name is also another's folder, none is ".git".
    entries = {
        b"/".join([*(b"d" + f for f in folders), b"f" + name]): c for folders, name, c in files
    }
    plain_names = [p for p, conflicted in entries.items() if not conflicted]
    conflicted = [p for p, conflicted in entries.items() if conflicted]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subprocess.run(["git", "init", "-q", tmp], check=True)
        add_entries(work, plain_names)
        for stage in (1, 2, 3):  # a conflict: the same name once per stage
            add_entries(work, conflicted, stage)
        if version == 3 and plain_names:  # git writes version 3 once an entry needs it
            subprocess.run(
                ["git", "-C", tmp, "update-index", "-z", "--skip-worktree", "--stdin"],
                input=b"\0".join(plain_names[::2]) + b"\0",
                check=True,
            )
        elif version != 3:
            subprocess.run(
                ["git", "-C", tmp, "update-index", "--index-version", str(version)], check=True
            )
        if version != 3 or plain_names:
            assert index_version(work) == version
        listing = ls_files(tmp)
        assert listing.count(b"\0") == len(plain_names) + 3 * len(conflicted)
        assert read_tracked(tmp) == listing


# -- the compiled loop for versions 2 and 3 against the Python one --


@pytest.mark.skipif(padded_listing is padded_listing_python, reason="built without a C compiler")
def test_the_compiled_index_loop_answers_as_the_python_one(long_names_index: bytes) -> None:
    """Every single byte of the first entries changed, the file cut at every length, the entry
    count off by one: the same names and end, or the same refusal, in both versions."""
    whole = long_names_index
    count = int.from_bytes(whole[8:12], "big")

    def same(data: bytes, entries: int = count) -> None:
        for version in (2, 3):
            for end in (len(data) - 20, len(data)):
                expected = padded_listing_python(data, entries, end, version)
                assert padded_listing(data, entries, end, version) == expected

    same(whole)
    for entries in (0, 1, count - 1, count + 1):
        same(whole, entries)
    for at in range(12, 400):  # the extended entry, a short one, the start of the long one
        for byte in (0x00, 0x01, 0x10, 0x20, 0x2F, 0x40, 0x60, 0x7F, 0x80, 0xFF):
            damaged = bytearray(whole)
            damaged[at] = byte
            same(bytes(damaged))
    for length in range(12, len(whole)):
        same(whole[:length])


@pytest.fixture
def long_names_index(make_repo) -> bytes:  # type: ignore[no-untyped-def]
    """A version 3 index: first an extended entry (intent to add), then short names, then a name
    of 4,095 bytes and more."""
    repo = make_repo("loop")
    repo.write("a.txt")
    repo.write("d/e/f.py")
    repo.commit()
    # Too long for the file system: an index entry only.
    add_entries(repo.path, [b"d/" + b"/".join([b"n" * 200] * 21)])
    repo.write("0.txt")
    repo.git("add", "-N", "0.txt")
    return (repo.path / ".git" / "index").read_bytes()
