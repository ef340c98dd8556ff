"""ignorescope: the prefilter in front of `git check-ignore` never rules out a path git ignores.

A path the scope rules out is never asked of git, so the scan takes it as not ignored: a path
git does ignore would then be a false ignore gap, or tracked junk left unreported. Every case
is therefore judged by the real git (`check-ignore --no-index`, as the scan asks it), with the
ignore files git reads: each folder's `.gitignore`, `info/exclude` and `core.excludesFile`.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from hygiene.detectors import DEFAULT_KINDS
from hygiene.detectors.tracked import tracked_junk
from hygiene.git import ignorescope
from hygiene.git.ignorescope import (
    OUTSIDE_EXCLUDES,
    IgnoreScope,
    OutsideExcludes,
    dirs_holding_python,
    ignore_scope,
    outside_excludes,
    pattern_literal,
)
from hygiene.git.repo import CHECK_IGNORE, as_pathspecs, git_env
from hygiene.scan.engine import ScanRequest, scan
from tests.scan.helpers import python_without_root_reads

try:
    from hygiene.scan.speed._measure import dirs_holding as compiled_dirs_holding
except ImportError:  # pragma: no cover - an install without the compiled loop
    compiled_dirs_holding = None

native = pytest.mark.skipif(
    compiled_dirs_holding is None and os.environ.get("CI") != "true",
    reason="hygiene.scan.speed._measure is not built here (no C compiler at install)",
)

SCAN_KINDS = frozenset({"artifact", *DEFAULT_KINDS})


# -- git's own answers, in the environment hygiene gives git --


def run_git(
    repo: Path | str,
    *args: str,
    stdin: bytes | None = None,
    ok: tuple[int, ...] = (0,),
    env: dict[str, str] | None = None,
) -> bytes:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        input=stdin,
        capture_output=True,
        env=git_env() if env is None else env,
    )
    assert done.returncode in ok, done.stderr
    return done.stdout


def git_ignores(
    repo: Path | str, paths: Iterable[bytes], env: dict[str, str] | None = None
) -> set[bytes]:
    """The reference: those of `paths` git's ignore rules exclude, asked as the scan asks."""
    out = run_git(repo, *CHECK_IGNORE, stdin=as_pathspecs(paths), ok=(0, 1), env=env)
    return {p.removeprefix(b"./") for p in out.split(b"\0") if p}


def outside_of(repo: Path | str, env: dict[str, str] | None = None) -> OutsideExcludes | None:
    """`core.excludesFile` outside the repository, learned as the scan learns it."""
    return outside_excludes(run_git(repo, *OUTSIDE_EXCLUDES, ok=(0, 1), env=env))


def listing_of(repo: Path | str) -> bytes:
    return run_git(repo, "ls-files", "-z")


def entries(listing: bytes) -> list[bytes]:
    return [entry for entry in listing.split(b"\0") if entry]


def scope_of(repo: Path | str, paths: Iterable[bytes]) -> IgnoreScope | None:
    joined = b"".join(p + b"\0" for p in paths)
    return ignore_scope(str(repo), joined, outside_of(repo))


def assert_keeps(scope: IgnoreScope, listing: bytes, ignored_tracked: set[bytes]) -> None:
    """`among` keeps whole entries of the listing, in its order, and every one git ignores."""
    kept = scope.among(listing)
    assert kept == b"" or kept.endswith(b"\0")
    kept_entries = entries(kept)
    listed = entries(listing)
    assert len(kept_entries) == len(set(kept_entries))
    at = 0
    for entry in kept_entries:  # a subsequence of the listing: the same entries, in order
        at = listed.index(entry, at) + 1
    assert ignored_tracked <= set(kept_entries)


# -- the key property: against real git, any rules, any paths --

# Names chosen to meet the patterns below: cases, dots, blanks, and characters that are
# wildcards, escapes, comments or negations in a pattern.
NAMES = (
    "a",
    "b",
    "A",
    "ab",
    "x.py",
    "X.PY",
    "y.pyc",
    "build",
    "Build",
    "node_modules",
    "1",
    "12",
    "!n",
    "#c",
    "*",
    "t ",
    "s p",
    "[ab]",
    "é",
    "a\\b",
)
PATTERNS = (
    b"a",
    b"B",
    b"x.py",
    b"build",
    b"node_modules",
    b"1",
    b"\xc3\xa9",
    b"s p",
    b"*.py",
    b"*.PYC",
    b"*.pyc",
    b"y.py[co]",
    b"x.p[yY]",
    b"build/",
    b"A/",
    b"/a",
    b"/build/",
    b"/ab",
    b"a/**/b",
    b"**/1",
    b"a/**",
    b"a/b",
    b"b/*",
    b"*/1",
    b"[ab]",
    b"[!a]",
    b"[^b]b",
    b"[]a]b",
    b"[a-b]",
    b"[[:digit:]]",
    b"[[:digit:]]2",
    b"\\[ab]",
    b"\\*",
    b"\\!n",
    b"\\#c",
    b"!n",
    b"#c",
    b"t\\ ",
    b"t ",
    b"a\\\\b",
    b"!a",
    b"!*.py",
    b"!build/",
    b"*",
    b"?",
    b"",
    b"   ",
    b"1\x00z",  # git reads a pattern up to a NUL: this is "1"
)


@dataclass(frozen=True)
class IgnoreText:
    lines: tuple[bytes, ...]
    eol: bytes
    bom: bool
    last_eol: bool

    def render(self) -> bytes:
        text = self.eol.join(self.lines) + (self.eol if self.last_eol and self.lines else b"")
        return (b"\xef\xbb\xbf" if self.bom else b"") + text


ignore_texts = st.builds(
    IgnoreText,
    st.lists(st.sampled_from(PATTERNS), max_size=4).map(tuple),
    st.sampled_from([b"\n", b"\r\n"]),
    st.booleans(),
    st.booleans(),
)


@dataclass(frozen=True)
class Example:
    files: tuple[str, ...]
    tracked: frozenset[str]
    folders: tuple[str, ...]
    top: IgnoreText
    nested: dict[str, IgnoreText]
    exclude: IgnoreText
    excludes_file: IgnoreText
    named_in_config: bool  # else git's default, $XDG_CONFIG_HOME/git/ignore
    ignorecase: bool


def as_tree(paths: list[str]) -> list[str]:
    """The paths that can all be files: none is a folder of another."""
    files: list[str] = []
    folders: set[str] = set()
    for path in sorted(set(paths), key=lambda p: (p.count("/"), p)):
        parts = path.split("/")
        above = {"/".join(parts[:k]) for k in range(1, len(parts))}
        if path in folders or above & set(files):
            continue
        files.append(path)
        folders |= above
    return sorted(files)


@st.composite
def examples(draw: st.DrawFn) -> Example:
    raw = draw(
        st.lists(
            st.lists(st.sampled_from(NAMES), min_size=1, max_size=3).map("/".join),
            min_size=1,
            max_size=10,
        )
    )
    files = as_tree(raw)
    folders = sorted(
        {"/".join(f.split("/")[:k]) for f in files for k in range(1, f.count("/") + 1)}
    )
    tracked = frozenset(f for f in files if draw(st.booleans()))
    nested = (
        draw(st.dictionaries(st.sampled_from(folders), ignore_texts, max_size=2)) if folders else {}
    )
    return Example(
        tuple(files),
        tracked,
        tuple(folders),
        draw(ignore_texts),
        nested,
        draw(ignore_texts),
        draw(ignore_texts),
        draw(st.booleans()),
        draw(st.booleans()),
    )


def clear_work_tree(repo: Path) -> None:
    for entry in os.scandir(repo):
        if entry.name == ".git":
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
    (repo / ".git" / "index").unlink(missing_ok=True)


def test_no_path_git_ignores_is_ruled_out(
    make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any ignore files, any paths: whatever check-ignore reports, the scope keeps.

    One repository for every example (a new one each would be far slower): its work tree,
    index and ignore files are rewritten each time.
    """
    repo = make_repo("prop").path
    global_config = Path(os.environ["GIT_CONFIG_GLOBAL"])
    base_config = global_config.read_text(encoding="utf-8")
    named = tmp_path / "named-excludes"
    xdg = tmp_path / "xdg"
    (xdg / "git").mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    seen: Counter[str] = Counter()

    @settings(
        max_examples=100,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(examples())
    def check(example: Example) -> None:
        clear_work_tree(repo)
        for rel in example.files:
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            (repo / rel).write_bytes(b"x")
        # Case-sensitive while adding: with ignorecase, git refuses "a" beside "A".
        run_git(repo, "config", "core.ignorecase", "false")
        if example.tracked:
            run_git(repo, "--literal-pathspecs", "add", "-f", "--", *sorted(example.tracked))
        (repo / ".gitignore").write_bytes(example.top.render())
        for folder, text in example.nested.items():
            (repo / folder / ".gitignore").write_bytes(text.render())
        (repo / ".git" / "info" / "exclude").write_bytes(example.exclude.render())
        excludes = named if example.named_in_config else xdg / "git" / "ignore"
        named.unlink(missing_ok=True)
        (xdg / "git" / "ignore").unlink(missing_ok=True)
        excludes.write_bytes(example.excludes_file.render())
        config = base_config
        if example.named_in_config:
            config += f"[core]\n\texcludesFile = {named}\n"
        global_config.write_text(config, encoding="utf-8")
        run_git(repo, "config", "core.ignorecase", str(example.ignorecase).lower())

        listing = listing_of(repo)
        candidates = [
            os.fsencode(p) for p in (*example.files, *example.folders) if p not in example.tracked
        ]
        scope = ignore_scope(
            str(repo), listing + b"".join(c + b"\0" for c in candidates), outside_of(repo)
        )
        truth = git_ignores(repo, [*entries(listing), *candidates])
        note(f"scope: {scope}; git ignores: {sorted(truth)}")
        if scope is None:
            seen["unsure"] += 1
            return
        seen["sure"] += 1
        ignored_tracked = truth & set(entries(listing))
        assert_keeps(scope, listing, ignored_tracked)
        for rel in candidates:
            if rel in truth:
                assert scope.may_ignore(rel), rel
        asked = {c for c in candidates if scope.may_ignore(c)} | set(entries(scope.among(listing)))
        seen["ignored"] += bool(truth)
        seen["ruled out"] += len(asked) < len(candidates) + len(entries(listing))

    check()
    # Not vacuous: the scope answered, git ignored paths, and the scope did rule some out.
    assert seen["sure"] >= 20, seen
    assert seen["ignored"] >= 10, seen
    assert seen["ruled out"] >= 10, seen


# -- pattern_literal and IgnoreScope on their own --


@pytest.mark.parametrize(
    ("line", "literal"),
    [
        (b"node_modules/", b"node_modules"),
        (b"*.py[co]", b".py"),
        (b"/build/out", b"build"),
        (b"a/**/bcd", b"bcd"),
        (b"[ab]cd", b"cd"),
        (b"[!x]yz", b"yz"),
        (b"[]]abc", b"abc"),  # a leading "]" is a member: the class ends after it
        (b"ab[c", b"ab"),  # never closed: nothing after it counts
        (b"x[[:digit:]]yz", b"x"),  # where a named class ends is left to git
        (b"foo\\*bar", b"foo"),
        (b"\\!important", b"important"),
        (b"\\#hash", b"hash"),
        (b"trail   ", b"trail"),
        (b"trail\\ ", b"trail"),
        (b"crlf\r", b"crlf"),
        (b"Upper.CASE", b"Upper.CASE"),
        (b"*", b""),
        (b"**/*", b""),
        (b"[abc]", b""),
        (b"", None),
        (b"   ", None),
        (b"\r", None),
        (b"# comment", None),
        (b"!negated", None),
        (b"abc\0def", b"abc"),  # git's pattern ends at a NUL
    ],
)
def test_pattern_literal(line: bytes, literal: bytes | None) -> None:
    assert pattern_literal(line) == literal


@pytest.mark.parametrize(
    ("line", "path"),
    [
        (b"[ab]cd", b"acd"),
        (b"[!x]yz", b"ayz"),
        (b"[]]abc", b"]abc"),
        (b"x[[:digit:]]yz", b"x1yz"),
        (b"foo\\*bar", b"foo*bar"),
        (b"\\!important", b"!important"),
        (b"trail\\ ", b"trail "),
        (b"abc\0def", b"abc"),
    ],
)
def test_each_literal_is_held_by_what_git_ignores(make_repo, line: bytes, path: bytes) -> None:
    """The table above, checked against git: the path git ignores holds the literal."""
    repo = make_repo()
    repo.write(".gitignore", line + b"\n")
    repo.write(os.fsdecode(path))
    assert git_ignores(repo.path, [path]) == {path}
    literal = pattern_literal(line)
    assert literal
    assert literal.lower() in path.lower()


def test_ignore_files_are_read_as_git_reads_them(make_repo) -> None:
    """A byte-order mark before the first pattern, CRLF line ends, trailing blanks, a NUL:
    each file git reads (with the scope's literals) rules in what git ignores."""
    repo = make_repo()
    repo.write(".gitignore", b"\xef\xbb\xbfbomfirst\r\ncrlf\r\nspaces   \r\n")
    repo.write(".git/info/exclude", b"\xef\xbb\xbfinfo\r\nnul\0ignored-rest\n")
    paths = [b"bomfirst", b"crlf", b"spaces", b"info", b"nul", b"other"]
    assert git_ignores(repo.path, paths) == set(paths[:-1])
    scope = scope_of(repo.path, paths)
    assert scope is not None
    assert [p for p in paths if scope.may_ignore(p)] == paths[:-1]


def test_a_literal_holding_a_shorter_one_is_left_out(make_repo) -> None:
    """A path holding "node_modules/x" holds "node_modules": one search is enough."""
    repo = make_repo()
    repo.write(".gitignore", "*.pyc\n*.py\nnode_modules/\n/node_modules/cache\nNODE_MODULES\n")
    scope = scope_of(repo.path, [b"a.py"])
    assert scope is not None
    assert scope.literals == (b".py", b"node_modules")


def test_may_ignore_compares_without_case() -> None:
    scope = IgnoreScope((b"node_modules", b".pyc"))
    assert scope.may_ignore(b"web/Node_Modules/x.js")
    assert scope.may_ignore(b"A.PYC")
    assert not scope.may_ignore(b"src/app.py")


LISTING_NAMES = st.lists(
    st.lists(st.sampled_from(["a", "B", "ab", "x.Py", "c/d", "é", "1"]), min_size=1, max_size=3)
    .map("".join)
    .map(os.fsencode),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(
    listing=LISTING_NAMES,
    literals=st.lists(
        st.sampled_from([b"a", b"b", b"ab", b".py", b"c/", b"\xc3", b"1", b"zz"]), max_size=3
    ),
    terminated=st.booleans(),
)
def test_among_keeps_exactly_the_entries_holding_a_literal(
    listing: list[bytes], literals: list[bytes], terminated: bool
) -> None:
    joined = b"\0".join(listing) + (b"\0" if terminated and listing else b"")
    scope = IgnoreScope(tuple(literals))
    want = [e for e in listing if e and any(lit in e.lower() for lit in literals)]
    assert scope.among(joined) == b"".join(e + b"\0" for e in want)
    assert [e for e in listing if e and scope.may_ignore(e)] == want


def test_among_keeps_everything_beyond_its_search_budget() -> None:
    """Past the budget the listing is given back whole: git is asked, never fewer paths."""
    literals = tuple(b"lit%04d" % i for i in range(1000))
    listing = b"".join(b"src/file%05d.txt\0" % i for i in range(5000))
    assert len(listing) * len(literals) > ignorescope._SEARCH_BUDGET
    assert IgnoreScope(literals).among(listing) == listing


# -- dirs_holding: the compiled loop gives what the Python one gives --

# How `.gitignore` may stand in a folder: a file, a folder, a symlink to a file or to nothing.
KINDS = ("file", "folder", "link", "dangling", "none")
PARTS = ("a", "b", "c", "d")


def make_entries(root: Path, kinds: dict[str, str]) -> None:
    for folder, kind in kinds.items():
        where = root / folder
        where.mkdir(parents=True, exist_ok=True)
        target = where / ".gitignore"
        if kind == "file":
            target.write_text("x\n", encoding="utf-8")
        elif kind == "folder":
            target.mkdir()
        elif kind == "link":
            (where / "real").write_text("x\n", encoding="utf-8")
            target.symlink_to("real")
        elif kind == "dangling":
            target.symlink_to("nowhere")


folder_names = st.lists(st.sampled_from(PARTS), max_size=3).map("/".join)
path_lists = st.lists(
    st.one_of(
        st.tuples(folder_names, st.sampled_from(["f", "g", ""])).map(
            lambda t: f"{t[0]}/{t[1]}" if t[0] else t[1]
        ),
        st.sampled_from(["", "f", "a/", "a//b/f", "/f", "zz/f", "a/b/c/d/e/f"]),
    ),
    max_size=12,
)


@native
@settings(max_examples=200, deadline=None)
@given(
    kinds=st.dictionaries(folder_names, st.sampled_from(KINDS), max_size=6),
    paths=path_lists,
    terminated=st.booleans(),
    order=st.sampled_from(["sorted", "drawn", "reversed"]),
)
def test_dirs_holding_compiled_equals_python(
    kinds: dict[str, str], paths: list[str], terminated: bool, order: str
) -> None:
    assert compiled_dirs_holding is not None
    if order == "sorted":
        paths = sorted(paths)
    elif order == "reversed":
        paths = sorted(paths, reverse=True)
    joined = b"\0".join(os.fsencode(p) for p in paths) + (b"\0" if terminated else b"")
    with tempfile.TemporaryDirectory(prefix="hyg-dirs-") as base:
        make_entries(Path(base), kinds)
        compiled = compiled_dirs_holding(base, joined, b".gitignore")
        python = dirs_holding_python(base, joined, b".gitignore")
        assert compiled == python
        # And the reference is right: each folder once, with the entry's own mode.
        assert len({folder for folder, _ in python}) == len(python)
        for folder, mode in python:
            there = os.path.join(base, os.fsdecode(folder), ".gitignore")
            assert mode == os.lstat(there).st_mode


@native
def test_dirs_holding_reports_the_root_and_each_kind_of_entry(tmp_path: Path) -> None:
    assert compiled_dirs_holding is not None
    make_entries(tmp_path, {"": "file", "a": "folder", "a/b": "link", "c": "dangling", "d": "none"})
    paths = b"top\0a/b/f\0c/f\0d/f\0e/f\0"
    want = [
        (b"", stat.S_IFREG),
        (b"a", stat.S_IFDIR),
        (b"a/b", stat.S_IFLNK),
        (b"c", stat.S_IFLNK),
    ]
    for found in (
        compiled_dirs_holding(str(tmp_path), paths, b".gitignore"),
        dirs_holding_python(str(tmp_path), paths, b".gitignore"),
    ):
        assert [(folder, stat.S_IFMT(mode)) for folder, mode in found] == want


@native
def test_dirs_holding_a_folder_that_cannot_be_searched_is_an_error_alike() -> None:
    """A folder that may be read but not searched: its `.gitignore` cannot be looked at."""
    base = Path(tempfile.mkdtemp(prefix="hyg-blind-"))
    try:
        make_entries(base, {"": "file", "blind": "file", "open": "file"})
        (base / "blind").chmod(0o444)
        code = (
            "import json; from hygiene.scan.speed._measure import dirs_holding as c; "
            "from hygiene.git.ignorescope import dirs_holding_python as p; "
            f"a=({str(base)!r}, b'blind/f\\0open/f\\0blind/deeper/f\\0', b'.gitignore'); "
            "print(json.dumps([[[f.decode(), m] for f, m in x(*a)] for x in (c, p)]))"
        )
        done = python_without_root_reads(code)
        assert done.returncode == 0, done.stderr
        compiled, python = json.loads(done.stdout)
        assert compiled == python
        assert python[1:] == [["blind", -13], ["open", python[0][1]], ["blind/deeper", -13]]
    finally:
        (base / "blind").chmod(0o755)
        shutil.rmtree(base)


# -- unsure: None, so that git is asked about every path --


def test_a_pattern_without_literal_text_is_unsure(make_repo) -> None:
    repo = make_repo()
    repo.write("src/a.py")
    repo.commit()
    repo.write("src/.gitignore", "*.log\n[[:digit:]]\n")
    assert scope_of(repo.path, [b"src/a.py"]) is None
    repo.write("src/.gitignore", "*.log\n")
    scope = scope_of(repo.path, [b"src/a.py"])
    assert scope is not None
    assert scope.literals == (b".log",)


@pytest.mark.parametrize("kind", ["link", "folder"])
def test_a_gitignore_that_is_not_a_file_is_unsure(make_repo, kind: str) -> None:
    """git does not follow a symlinked `.gitignore` (and says so); the scope cannot know."""
    repo = make_repo()
    repo.write("real-rules", "*.log\n")
    repo.write("sub/a.txt")
    if kind == "link":
        (repo.path / "sub" / ".gitignore").symlink_to("../real-rules")
    else:
        (repo.path / "sub" / ".gitignore").mkdir()
    assert scope_of(repo.path, [b"sub/a.txt"]) is None
    # Only the folders above the paths asked count: elsewhere it does not matter.
    assert scope_of(repo.path, [b"a.txt", b"other/b.txt"]) is not None


@pytest.mark.parametrize("which", [".gitignore", "sub/.gitignore", ".git/info/exclude", "excludes"])
def test_an_ignore_file_that_cannot_be_read_is_unsure(which: str) -> None:
    """Read as an unprivileged user would (root reads anything): a file git would warn about
    and skip, or read where the scope could not."""
    base = Path(tempfile.mkdtemp(prefix="hyg-unread-"))
    try:
        subprocess.run(["git", "init", "-q", str(base)], check=True, env=git_env())
        excludes = base / "excludes"
        for rel in (".gitignore", "sub/.gitignore", ".git/info/exclude", "excludes"):
            (base / rel).parent.mkdir(parents=True, exist_ok=True)
            (base / rel).write_text("*.log\n", encoding="utf-8")
        (base / which).chmod(0)
        code = (
            "from hygiene.git.ignorescope import ignore_scope, OutsideExcludes; "
            f"s=ignore_scope({str(base)!r}, b'sub/a.txt\\0', OutsideExcludes({os.fsencode(excludes)!r})); "
            "print(s)"
        )
        done = python_without_root_reads(code)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "None"
        (base / which).chmod(0o644)
        done = python_without_root_reads(code)
        assert done.stdout.strip().startswith("IgnoreScope(literals=(b'.log',), ")
    finally:
        shutil.rmtree(base)


def test_a_gitignore_git_skips_for_its_size_is_unsure(make_repo) -> None:
    """git from 2.46 skips a pattern file of 100 MiB or more (a warning, no pattern of it
    applies), earlier ones read it: its bare names must settle nothing."""
    repo = make_repo()
    repo.write("node_modules/a.js")
    repo.write(".gitignore", "node_modules/\n")
    scope = scope_of(repo.path, [b"node_modules/a.js"])
    assert scope is not None
    assert scope.surely_ignored(b"node_modules/a.js", folder=False)
    os.truncate(repo.path / ".gitignore", 100 << 20)  # sparse: the rest reads as NULs
    assert scope_of(repo.path, [b"node_modules/a.js"]) is None


def test_an_excludes_file_with_no_size_is_read_as_git_reads_it(make_repo) -> None:
    """git takes a file whose size is 0 as empty without reading it: `/dev/zero`, read to its
    end, would never end. Asked in a child with a deadline and little memory, to fail cleanly."""
    repo = make_repo()
    repo.write(".gitignore", "*.log\n")
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); "
        "from hygiene.git.ignorescope import ignore_scope, OutsideExcludes; "
        f"print(ignore_scope({str(repo.path)!r}, b'a.log\\0', OutsideExcludes(b'/dev/zero')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.startswith("IgnoreScope(literals=(b'.log',)"), done.stderr[-500:]


def test_a_repository_gitindex_would_not_read_is_unsure(make_repo, tmp_path: Path) -> None:
    repo = make_repo()
    repo.write("a.log")
    repo.write(".gitignore", "*.log\n")
    assert scope_of(repo.path, [b"a.log"]) is not None
    # A `.git` file naming a git directory whose config takes more from elsewhere.
    elsewhere = tmp_path / "separate.git"
    shutil.move(repo.path / ".git", elsewhere)
    (repo.path / ".git").write_text(f"gitdir: {elsewhere}\n", encoding="utf-8")
    assert scope_of(repo.path, [b"a.log"]) is not None  # a plain `.git` file is read
    with (elsewhere / "config").open("a", encoding="utf-8") as config:
        config.write(f"[include]\n\tpath = {tmp_path / 'more'}\n")
    assert ignore_scope(str(repo.path), b"a.log\0", OutsideExcludes()) is None
    # A `.git` file that is not one git reads as such.
    (repo.path / ".git").write_text(f"not-a-gitdir: {elsewhere}\n", encoding="utf-8")
    assert ignore_scope(str(repo.path), b"a.log\0", OutsideExcludes()) is None


def test_unknown_outside_excludes_are_unsure(make_repo) -> None:
    repo = make_repo()
    repo.write(".gitignore", "*.log\n")
    assert ignore_scope(str(repo.path), b"a.log\0", OutsideExcludes()) is not None
    assert ignore_scope(str(repo.path), b"a.log\0", None) is None


def test_info_exclude_of_a_separate_git_dir_and_of_a_linked_worktree(
    make_repo, tmp_path: Path
) -> None:
    """`info/exclude` is read where git reads it: the common directory of every work tree."""
    separate = tmp_path / "sep"
    separate.mkdir()
    run_git(separate, "init", "-q", f"--separate-git-dir={tmp_path / 'sep.git'}")
    (tmp_path / "sep.git" / "info" / "exclude").write_text("*.sep\n", encoding="utf-8")
    (separate / "x.sep").write_text("x", encoding="utf-8")
    assert git_ignores(separate, [b"x.sep"]) == {b"x.sep"}
    scope = scope_of(separate, [b"x.sep"])
    assert scope is not None
    assert scope.may_ignore(b"x.sep")

    repo = make_repo("main")
    repo.write("a.txt")
    repo.commit()
    repo.git("worktree", "add", "-q", str(tmp_path / "linked"))
    (repo.path / ".git" / "info" / "exclude").write_text("*.wt\n", encoding="utf-8")
    linked = tmp_path / "linked"
    (linked / "y.wt").write_text("y", encoding="utf-8")
    assert git_ignores(linked, [b"y.wt"]) == {b"y.wt"}
    scope = scope_of(linked, [b"y.wt"])
    assert scope is not None
    assert scope.may_ignore(b"y.wt")


# -- core.excludesFile: which one git reads --


def set_global_excludes(value: str | Path) -> None:
    """`core.excludesFile` in the git global config the autouse fixture set up."""
    path = Path(os.environ["GIT_CONFIG_GLOBAL"])
    with path.open("a", encoding="utf-8") as config:
        config.write(f"[core]\n\texcludesFile = {value}\n")


def rules(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_repository_excludes_file_beats_the_global_one(make_repo, tmp_path: Path) -> None:
    set_global_excludes(rules(tmp_path / "global", "*.glob\n"))
    repo = make_repo()
    repo.git("config", "core.excludesFile", str(rules(tmp_path / "local", "*.loc\n")))
    paths = [b"x.glob", b"x.loc", b"x.other"]
    assert git_ignores(repo.path, paths) == {b"x.loc"}
    scope = scope_of(repo.path, paths)
    assert scope is not None
    assert scope.literals == (b".loc",)


def test_the_command_line_excludes_file_beats_the_repository_one(make_repo, tmp_path: Path) -> None:
    """`git -c` or GIT_CONFIG_COUNT, as a parent git passes it on (the scan's own git runs
    without it: `git_env` drops it, for check-ignore and for the question alike)."""
    repo = make_repo()
    repo.git("config", "core.excludesFile", str(rules(tmp_path / "local", "*.loc\n")))
    env = {
        **os.environ,
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "core.excludesFile",
        "GIT_CONFIG_VALUE_0": str(rules(tmp_path / "cmd", "*.cmd\n")),
    }
    paths = [b"x.cmd", b"x.loc"]
    assert git_ignores(repo.path, paths, env=env) == {b"x.cmd"}
    outside = outside_of(repo.path, env=env)
    assert outside is not None
    assert outside.command == os.fsencode(tmp_path / "cmd")
    scope = ignore_scope(str(repo.path), b"x.cmd\0x.loc\0", outside)
    assert scope is not None
    assert scope.literals == (b".cmd",)


def test_a_work_tree_own_excludes_file_beats_the_repository_one(make_repo, tmp_path: Path) -> None:
    """With `extensions.worktreeConfig`, a linked work tree's `config.worktree` wins."""
    repo = make_repo("main")
    repo.write("a.txt")
    repo.commit()
    repo.git("config", "core.excludesFile", str(rules(tmp_path / "shared", "*.shared\n")))
    repo.git("worktree", "add", "-q", str(tmp_path / "linked"))
    linked = tmp_path / "linked"
    run_git(linked, "config", "extensions.worktreeConfig", "true")
    own = rules(tmp_path / "own", "*.own\n")
    run_git(linked, "config", "--worktree", "core.excludesFile", str(own))
    paths = [b"x.own", b"x.shared"]
    assert git_ignores(linked, paths) == {b"x.own"}
    assert git_ignores(repo.path, paths) == {b"x.shared"}
    for where, literal in ((linked, b".own"), (repo.path, b".shared")):
        scope = scope_of(where, paths)
        assert scope is not None
        assert scope.literals == (literal,)


def test_a_tilde_is_the_home_folder(
    make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    rules(home / "my-ignore", "*.tilde\n")
    monkeypatch.setenv("HOME", str(home))
    set_global_excludes("~/my-ignore")
    repo = make_repo()
    assert git_ignores(repo.path, [b"x.tilde"]) == {b"x.tilde"}
    scope = scope_of(repo.path, [b"x.tilde"])
    assert scope is not None
    assert scope.may_ignore(b"x.tilde")


@pytest.mark.parametrize("xdg", [True, False])
def test_git_default_excludes_file_when_none_is_set(
    make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xdg: bool
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    if xdg:
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
        rules(tmp_path / "xdg" / "git" / "ignore", "*.dflt\n")
        rules(home / ".config" / "git" / "ignore", "*.home\n")  # XDG_CONFIG_HOME wins
    else:
        monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
        rules(home / ".config" / "git" / "ignore", "*.dflt\n")
    repo = make_repo()
    assert git_ignores(repo.path, [b"x.dflt", b"x.home"]) == {b"x.dflt"}
    scope = scope_of(repo.path, [b"x.dflt", b"x.home"])
    assert scope is not None
    assert scope.literals == (b".dflt",)


@pytest.mark.parametrize("variable", ["XDG_CONFIG_HOME", "HOME"])
def test_git_default_excludes_file_below_a_relative_folder(
    make_repo, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """A relative `XDG_CONFIG_HOME` (or `HOME`) is taken by git from where it runs, the top of
    the work tree, not from where the scan runs."""
    repo = make_repo()
    below = "xdg" if variable == "XDG_CONFIG_HOME" else "home/.config"
    repo.write(f"{below}/git/ignore", "*.dflt\n")
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv(variable, below.split("/")[0])
    assert git_ignores(repo.path, [b"x.dflt"]) == {b"x.dflt"}
    scope = scope_of(repo.path, [b"x.dflt"])
    assert scope is not None
    assert scope.may_ignore(b"x.dflt")


def test_a_relative_excludes_file_is_read_from_the_top_of_the_work_tree(make_repo) -> None:
    repo = make_repo()
    repo.write("conf/ignore", "*.rel\n")
    repo.git("config", "core.excludesFile", "conf/ignore")
    assert git_ignores(repo.path, [b"sub/x.rel"]) == {b"sub/x.rel"}
    scope = scope_of(repo.path, [b"sub/x.rel"])
    assert scope is not None
    assert scope.may_ignore(b"sub/x.rel")


def test_an_excludes_file_relative_to_git_install_prefix_is_unsure(make_repo) -> None:
    """git reads `%(prefix)/...` below its own install prefix, not below the work tree."""
    repo = make_repo()
    repo.git("config", "core.excludesFile", "%(prefix)/share/hygiene-test-ignore")
    where = repo.git("config", "--type=path", "core.excludesFile").strip()
    assert os.path.isabs(where)
    assert not where.startswith(str(repo.path))
    assert scope_of(repo.path, [b"x.log"]) is None


@pytest.mark.parametrize("scope", ["repository", "global"])
def test_an_optional_excludes_file_is_unsure(make_repo, tmp_path: Path, scope: str) -> None:
    """Newer git reads `:(optional)PATH` as PATH, or as no value at all when PATH is
    missing (then its default file); earlier ones as a relative path. Either way, not the
    relative path alone."""
    repo = make_repo()
    rules(tmp_path / "opt-ignore", "*.opt\n")
    value = f":(optional){tmp_path / 'opt-ignore'}"
    if scope == "repository":
        repo.git("config", "core.excludesFile", value)
    else:
        set_global_excludes(value)
    assert scope_of(repo.path, [b"x.opt"]) is None


def _findings(result, kind: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.rel for f in result.findings if type(f).__name__ == kind}


def _found(result, kind: str) -> set[str]:  # type: ignore[no-untyped-def]
    """The findings of `kind`, as paths: the scan finds them in several repositories."""
    return {os.path.join(f.repo, f.rel) for f in result.findings if type(f).__name__ == kind}


def _one_and_two(make_repo) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """Two work trees alike: a tracked file and an untracked cache that only the excludes file
    set outside the repositories names; `two` sets its own (empty) excludes file."""
    made = []
    for name in ("one", "two"):
        repo = make_repo(f"ws/{name}")
        repo.write("notes.glob", "x")
        repo.write("src/app.py", "x = 1\n")
        repo.commit()
        repo.write(".gitignore", "*.other\n")
        repo.write("src/__pycache__/app.cpython-312.pyc", b"\0" * 10)
        made.append(repo)
    made[1].write(".git/empty-excludes", "")
    made[1].git("config", "core.excludesFile", str(made[1].path / ".git" / "empty-excludes"))
    return made[0].path, made[1].path


def test_the_scan_reads_the_global_excludes_file(make_repo, tmp_path: Path) -> None:
    set_global_excludes(rules(tmp_path / "global", "*.glob\n__pycache__/\n"))
    one, two = _one_and_two(make_repo)
    result = scan(ScanRequest(roots=(tmp_path / "ws",), kinds=SCAN_KINDS))
    assert not result.errors
    # Ignored by the global file alone: tracked junk, and no gap; `two` reads its own.
    assert _found(result, "TrackedArtifact") == {str(one / "notes.glob")}
    assert _found(result, "IgnoreGap") == {str(two / "src" / "__pycache__")}
    assert {t.rel for t in tracked_junk(str(one))} == {"notes.glob"}


def test_the_scan_reads_git_default_excludes_file(
    make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    rules(tmp_path / "xdg" / "git" / "ignore", "*.glob\n__pycache__/\n")
    one, two = _one_and_two(make_repo)
    result = scan(ScanRequest(roots=(tmp_path / "ws",), kinds=SCAN_KINDS))
    assert not result.errors
    assert _found(result, "TrackedArtifact") == {str(one / "notes.glob")}
    assert _found(result, "IgnoreGap") == {str(two / "src" / "__pycache__")}


def test_the_scan_agrees_with_git_under_a_command_line_excludes_file(
    make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever git makes of the command-line configuration the scan inherits, the scan's
    answer is git's own (`ls-files -ci --exclude-standard`, asked in the same environment)."""
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "core.excludesFile")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", str(rules(tmp_path / "cmd", "*.glob\n")))
    set_global_excludes(rules(tmp_path / "global", "*.py\n"))
    one, two = _one_and_two(make_repo)
    result = scan(ScanRequest(roots=(tmp_path / "ws",), kinds=SCAN_KINDS))
    assert not result.errors
    # git_env drops the command line for every git the scan starts: the global file counts.
    assert {t.rel for t in tracked_junk(str(one))} == {"src"}
    assert {t.rel for t in tracked_junk(str(two))} == set()
    assert _found(result, "TrackedArtifact") == {str(one / "src")}


def test_an_excludes_file_set_per_repository_by_the_global_config(
    make_repo, tmp_path: Path
) -> None:
    """`includeIf` in the global configuration: each repository reads its own excludes file,
    though the scan learns the outside one in a single repository. Whichever it asks first,
    the other one's file must not be taken for it."""
    one, two = make_repo("ws/one"), make_repo("ws/two")
    config = Path(os.environ["GIT_CONFIG_GLOBAL"])
    with config.open("a", encoding="utf-8") as handle:
        for repo in (one, two):
            name = repo.path.name
            excludes = rules(tmp_path / f"{name}.ignore", f"*.{name}\n")
            included = rules(
                tmp_path / f"{name}.gitconfig", f"[core]\n\texcludesFile = {excludes}\n"
            )
            handle.write(f'[includeIf "gitdir:{repo.path}/"]\n\tpath = {included}\n')
    for repo in (one, two):
        repo.write("x.one", "x")
        repo.write("x.two", "x")
        repo.write("src/app.py", "x = 1\n")
        repo.commit()
        repo.write(".gitignore", "*.other\n")
    assert outside_of(one.path) is None
    result = scan(ScanRequest(roots=(tmp_path / "ws",), kinds=SCAN_KINDS))
    assert not result.errors
    for repo in (one, two):
        direct = {t.rel for t in tracked_junk(str(repo.path))}
        assert direct == {f"x.{repo.path.name}"}
    assert _found(result, "TrackedArtifact") == {
        str(one.path / "x.one"),
        str(two.path / "x.two"),
    }


# -- the point of it all: git is not asked about what no rule can match --


@pytest.fixture
def check_ignore_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], list[bytes]]:
    """What every `check-ignore` hygiene starts reads on its stdin, saved by a wrapper `git`
    first on the PATH (it reads the input whole, then execs the real git on it)."""
    saved = tmp_path / "check-ignore-stdin"
    saved.mkdir()
    shim = tmp_path / "stdin-shim"
    shim.mkdir()
    real = shutil.which("git")
    assert real is not None
    (shim / "git").write_text(
        "#!/bin/sh\n"
        'case " $* " in\n'
        f'  *" check-ignore "*) f="{saved}/$$"; cat > "$f"; exec {real} "$@" < "$f" ;;\n'
        "esac\n"
        f'exec {real} "$@"\n',
        encoding="utf-8",
    )
    (shim / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}{os.pathsep}{os.environ['PATH']}")

    def inputs() -> list[bytes]:
        return [p.read_bytes() for p in sorted(saved.iterdir())]

    return inputs


def test_rules_that_match_nothing_start_no_check_ignore(
    make_repo, tmp_path: Path, git_calls: Callable[[], list[str]]
) -> None:
    repo = make_repo("ws/one")
    repo.write(".gitignore", "node_modules/\n*.log\n")
    repo.write("src/app.py", "x = 1\n")
    repo.write("docs/guide.md", "text\n")
    repo.commit()
    repo.write("src/__pycache__/app.cpython-312.pyc", b"\0" * 10)
    result = scan(ScanRequest(roots=(tmp_path / "ws",), kinds=SCAN_KINDS))
    assert not result.errors
    assert _findings(result, "IgnoreGap") == {"src/__pycache__"}
    calls = git_calls()
    assert calls  # the shim saw the scan's git
    assert not [call for call in calls if "check-ignore" in call], calls


def test_only_paths_a_rule_could_match_are_asked(
    make_repo, tmp_path: Path, check_ignore_inputs: Callable[[], list[bytes]]
) -> None:
    repo = make_repo("ws/one")
    repo.write(".gitignore", "*.log\n/src/__pycache__/\n")
    for rel in ("a.py", "b.log", "docs/c.LOG", "docs/x.md", "lib/m.py", "src/m.py"):
        repo.write(rel, "x")
    repo.commit()
    repo.write("src/__pycache__/m.cpython-312.pyc", b"\0")
    repo.write("lib/__pycache__/m.cpython-312.pyc", b"\0")
    result = scan(ScanRequest(roots=(tmp_path / "ws",), kinds=SCAN_KINDS))
    assert not result.errors
    # "docs/c.LOG" is asked (the scope compares without case) though git, case-sensitive
    # here, does not ignore it.
    assert _findings(result, "TrackedArtifact") == {"b.log"}
    assert _findings(result, "IgnoreGap") == {"lib/__pycache__"}
    (asked,) = check_ignore_inputs()
    assert sorted(asked.split(b"\0")[:-1]) == [
        b"./b.log",
        b"./docs/c.LOG",
        b"./lib/__pycache__",
        b"./src/__pycache__",
    ]
