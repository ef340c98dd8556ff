"""`git ls-files -z` without a git process: the tracked listing read from the index file.

A scan asks every work tree for its tracked paths; starting git for that costs 1 to 2 ms a
repository, more than reading and parsing the index itself. `read_tracked` answers only when it
is sure to print exactly what `git -C worktree ls-files -z` would, and otherwise returns None
so that the caller asks git, which then also reports whatever is wrong.

What makes it unsure (None): a `.git` that git would not take for a repository (git would then
look further up, or fail), a repository git would refuse or read differently (another owner:
"dubious ownership"; `core.bare`, `core.worktree`, config includes, a repository format or
extension other than the plain ones, SHA-256 objects), an index in a format other than versions
2 to 4, a split index (`link`) or sparse index (`sdir`, or any directory entry), any other
extension git requires to understand, and any inconsistency in the file.

The trailing SHA-1 is not verified: git itself checks it only in `git fsck` (and writes zeros
with `index.skipHash`), so a wrong checksum does not change what `ls-files` prints. The index is
replaced by a rename, never rewritten in place, so one read sees one whole file; a torn or
damaged file shows as a structural inconsistency and falls back to git.

The format is git's Documentation/gitformat-index.txt: a 12-byte header ("DIRC", version, entry
count), the entries in index order, optional extensions, then the checksum.
"""

from __future__ import annotations

import os
import re
import stat
import struct
from typing import NamedTuple

from hygiene.scan.speed.native import compiled

_HASH_BYTES = 20  # SHA-1; repositories using SHA-256 are left to git
_HEADER = 12
# Each entry: ctime, mtime, dev, ino, mode, uid, gid, size (40 bytes), the object id (20), the
# flags (2: assume-valid, extended, stage, name length), in version 3 and later the extended
# flags when "extended" is set (2: skip-worktree, intent-to-add; git refuses any other), then
# the name. A name length of 0xFFF means "this long or longer": the NUL says where it ends.
# Repository extensions that change nothing in how the index or the work tree is found.
_PLAIN_EXTENSIONS = frozenset({b"noop", b"preciousobjects", b"partialclone", b"worktreeconfig"})
_FALSE = frozenset({b"false", b"no", b"off", b"0"})
_SMALL_FILE = 1 << 16  # more than a `.git` file, HEAD or a config of a plain repository holds

_PADS = tuple(b"\0" * n for n in range(9))
_u32 = struct.Struct(">I").unpack_from


def read_tracked(worktree: str) -> bytes | None:
    """What `git -C worktree ls-files -z` prints, or None when that cannot be known for sure."""
    try:
        dirs = git_dirs(worktree)
        if dirs is None:
            return None
        try:
            with open(os.path.join(dirs.gitdir, "index"), "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return b""  # a valid repository without an index yet (`git init`): nothing tracked
    except OSError:
        return None
    return parse_index(data)


def parse_index(data: bytes) -> bytes | None:
    """The NUL-terminated names of the index file `data`, in index order, or None if unsure."""
    if len(data) < _HEADER + _HASH_BYTES or data[:4] != b"DIRC":
        return None
    version, count = struct.unpack_from(">II", data, 4)
    end = len(data) - _HASH_BYTES
    try:
        if version in (2, 3):
            parsed = padded_listing(data, count, end, version)
        elif version == 4:
            parsed = _joined(_entries_compressed(data, count, end))
        else:
            return None
    except IndexError:  # an entry runs past the end of the file
        return None
    if parsed is None:
        return None
    listing, pos = parsed
    if not _extensions_optional(data, pos, end):
        return None
    if not listing:
        return b""
    # Checked once over the whole listing rather than per entry: a NUL inside a name (its
    # length field lied), an empty name, or one ending in "/" (a sparse directory entry).
    if listing.count(b"\0") != count or listing[0] == 0 or b"\0\0" in listing or b"/\0" in listing:
        return None
    return listing


def _joined(parsed: tuple[list[bytes], int] | None) -> tuple[bytes, int] | None:
    if parsed is None:
        return None
    names, pos = parsed
    return (b"\0".join(names) + b"\0" if names else b""), pos


def padded_listing_python(
    data: bytes, count: int, end: int, version: int
) -> tuple[bytes, int] | None:
    """Versions 2 and 3: the names, each NUL-terminated, and where the entries end; None if
    the entries are inconsistent. The reference for the compiled loop."""
    try:
        return _joined(_entries_padded(data, count, end, version))
    except IndexError:
        return None


# The same loop in C: a tenth of the time, for the 20 to 30 ms a scan of 20 repositories
# otherwise spends here.
padded_listing = compiled("index_names", padded_listing_python)


# The two loops below spell that layout as literals (60: the flags, 62: the name or the
# extended flags, 0x4000: extended, 0xFFF: the name length, 0x6000: the extended flags git
# knows): a tenth faster than named constants, in the loops that run once per entry.


def _entries_padded(
    data: bytes, count: int, end: int, version: int
) -> tuple[list[bytes], int] | None:
    """Versions 2 and 3: whole names, each entry NUL-padded to a multiple of 8 bytes."""
    names: list[bytes] = []
    append = names.append
    pads = _PADS
    pos = _HEADER
    for _ in range(count):
        flags = data[pos + 60] << 8 | data[pos + 61]
        if flags & 0x4000:
            if version < 3 or (data[pos + 62] << 8 | data[pos + 63]) & ~0x6000:
                return None
            name_at = pos + 64
        else:
            name_at = pos + 62
        length = flags & 0xFFF
        if length == 0xFFF:
            name_end = data.find(b"\0", name_at, end)
            if name_end - name_at < 0xFFF:  # also when not found (-1)
                return None
        else:
            name_end = name_at + length
        # 1 to 8 NULs after the name, up to a multiple of 8 from the entry's start; the first
        # one ends the name.
        next_pos = pos + ((name_end - pos + 8) & ~7)
        if data[name_end:next_pos] != pads[next_pos - name_end]:
            return None
        append(data[name_at:name_end])
        pos = next_pos
    # Checked once: positions only grow, so an entry that ran into the hash leaves pos past it.
    return (names, pos) if pos <= end else None


def _entries_compressed(data: bytes, count: int, end: int) -> tuple[list[bytes], int] | None:
    """Version 4: each name drops some bytes of the previous one and adds a NUL-ended suffix."""
    names: list[bytes] = []
    append = names.append
    find = data.find
    previous = b""
    pos = _HEADER
    for _ in range(count):
        flags = data[pos + 60] << 8 | data[pos + 61]
        if flags & 0x4000:
            if (data[pos + 62] << 8 | data[pos + 63]) & ~0x6000:
                return None
            at = pos + 64
        else:
            at = pos + 62
        # How many bytes to drop from the previous name: git's offset varint (7 bits a byte,
        # high bit "more", each continuation adding one before shifting).
        drop = data[at]
        at += 1
        if drop & 0x80:
            drop &= 0x7F
            while True:
                byte = data[at]
                at += 1
                drop = ((drop + 1) << 7) | (byte & 0x7F)
                if not byte & 0x80:
                    break
        keep = len(previous) - drop
        if keep < 0:
            return None
        length = flags & 0xFFF
        if length == 0xFFF:
            name_end = find(b"\0", at, end)
            if name_end < 0 or keep + name_end - at < 0xFFF:
                return None
        else:
            name_end = at + length - keep
            if name_end < at or data[name_end] != 0:
                return None
        name = previous[:keep] + data[at:name_end] if keep else data[at:name_end]
        append(name)
        previous = name
        pos = name_end + 1
    return (names, pos) if pos <= end else None


def _extensions_optional(data: bytes, pos: int, end: int) -> bool:
    """True if what follows the entries is whole extensions that git may ignore, up to the hash.

    An extension whose signature starts with a capital letter is an optional cache (TREE, REUC,
    UNTR, FSMN, EOIE, IEOT); any other (`link`: split index, `sdir`: sparse index, or one newer
    than this code) changes what the entries mean.
    """
    while pos < end:
        if pos + 8 > end:
            return False
        if not 0x41 <= data[pos] <= 0x5A:
            return False
        (size,) = _u32(data, pos + 4)
        pos += 8 + size
    return pos == end


class GitDirs(NamedTuple):
    gitdir: str  # the work tree's own: its index, its HEAD
    common: str  # shared by the work trees of one repository: objects, refs, info/exclude
    # `core.excludesFile` as the repository's own configuration sets it; None: not there.
    excludes_file: bytes | None


def git_dirs(worktree: str) -> GitDirs | None:
    """The git directories git would use for `git -C worktree`, found at `worktree/.git`, or
    None. OSError if the file system would not say.

    Follows git's own test for a repository (a HEAD that names a ref or an object, `objects`
    and `refs` in the common directory) and its ownership check; None when git would look
    elsewhere, refuse, or read the repository in a way this module does not.
    """
    dotgit = os.path.join(worktree, ".git")
    owner = os.lstat(dotgit)
    gitfile = stat.S_ISREG(owner.st_mode)
    if gitfile:
        with open(dotgit, "rb") as handle:
            text = handle.read(_SMALL_FILE)
        if not text.startswith(b"gitdir: "):
            return None
        target = text[len(b"gitdir: ") :].rstrip(b"\r\n")
        if not target:
            return None
        gitdir = os.path.join(worktree, os.fsdecode(target))  # relative: to the .git file's folder
    elif stat.S_ISDIR(owner.st_mode):
        gitdir = dotgit
    else:
        return None  # a symlink or anything else: git's own reading of it decides
    if not _valid_head(os.path.join(gitdir, "HEAD")):
        return None
    common = gitdir
    try:
        with open(os.path.join(gitdir, "commondir"), "rb") as handle:
            shared = handle.read(_SMALL_FILE).rstrip(b"\r\n")
        common = os.path.join(gitdir, os.fsdecode(shared))
    except FileNotFoundError:
        pass
    if not (
        os.access(os.path.join(common, "objects"), os.X_OK)
        and os.access(os.path.join(common, "refs"), os.X_OK)
    ):
        return None
    if not all(_owned(st.st_uid) for st in (owner, os.stat(worktree), os.stat(gitdir))):
        return None
    config = _plain_config(os.path.join(common, "config"))
    if config is None:
        return None
    core_worktree, excludes_file = config.core_worktree, config.excludes_file
    if config.worktree_config:
        own = _plain_config(os.path.join(gitdir, "config.worktree"))
        if own is None:
            return None
        # The work tree's own file wins.
        core_worktree = own.core_worktree if own.core_worktree is not None else core_worktree
        excludes_file = own.excludes_file if own.excludes_file is not None else excludes_file
    if core_worktree is not None and not _same_worktree(gitdir, core_worktree, worktree):
        return None
    return GitDirs(gitdir, common, excludes_file)


def _same_worktree(gitdir: str, configured: bytes, worktree: str) -> bool:
    """True if `core.worktree` (relative to the git directory; submodules set it) is `worktree`
    itself; elsewhere, git would list paths relative to a work tree this module does not know."""
    if not configured or configured.startswith(b"~"):
        return False
    there = os.path.join(gitdir, os.fsdecode(configured))
    return os.path.realpath(there) == os.path.realpath(worktree)


def _valid_head(path: str) -> bool:
    """HEAD as git accepts it: a symlink into `refs/`, `ref: refs/...`, or an object name."""
    if os.path.islink(path):
        return os.readlink(path).startswith("refs/")
    try:
        with open(path, "rb") as handle:
            head = handle.read(256)
    except OSError:
        return False
    if head.startswith(b"ref:"):
        return head[4:].lstrip().startswith(b"refs/")
    name = head[: _HASH_BYTES * 2]
    return len(name) == _HASH_BYTES * 2 and not name.strip(b"0123456789abcdefABCDEF")


def _owned(uid: int) -> bool:
    """git's ownership test (`safe.directory`): owned by the effective user, or for root, by
    root or by the user `sudo` ran as. Anything else falls back to git and its configuration."""
    me = os.geteuid()
    if uid == me:
        return True
    if me == 0:
        sudo = os.environ.get("SUDO_UID", "")
        return sudo.isdigit() and int(sudo) == uid
    return False


# A section header, `[name]` or `[name "subsection"]`, and a key, as git's parser takes them.
_SECTION = re.compile(rb'\[([A-Za-z0-9.-]+)(?:[ \t]+"((?:[^"\\\n]|\\.)*)")?\]')
_KEY = re.compile(rb"[A-Za-z][A-Za-z0-9-]*")
_ESCAPES = {ord("t"): 9, ord("n"): 10, ord("b"): 8, ord("\\"): ord("\\"), ord('"'): ord('"')}


def _value(raw: bytes) -> bytes | None:
    """A config value as git reads it from the rest of its line (after `=`), or None where git
    would refuse it (an unknown escape, an open quote) or it goes on to the next line."""
    out = bytearray()
    quote = False
    spaces = 0
    at = 0
    while at < len(raw):
        c = raw[at]
        at += 1
        if not quote and c in b" \t\r":
            spaces += 1 if out else 0  # inner blanks are kept (as one each), outer ones dropped
            continue
        if not quote and c in b"#;":
            break  # the rest of the line is a comment
        out += b" " * spaces
        spaces = 0
        if c == 0x5C:  # a backslash
            if at == len(raw):
                return None  # continued on the next line
            escaped = _ESCAPES.get(raw[at])
            if escaped is None:
                return None
            out.append(escaped)
            at += 1
        elif c == 0x22:  # a double quote
            quote = not quote
        else:
            out.append(c)
    return None if quote else bytes(out)


class _Config(NamedTuple):
    worktree_config: bool  # `extensions.worktreeConfig`: a second file to look at
    core_worktree: bytes | None
    excludes_file: bytes | None


def _plain_config(path: str) -> _Config | None:
    """What the config at `path` says that matters here: whether it turns on
    `extensions.worktreeConfig`, its `core.worktree` and `core.excludesFile`, if any. None if
    it makes the repository one this module does not read as git would.

    Deliberately partial: only the keys that matter here are understood, and anything that
    would need a full config parser (includes, quoted, escaped or continued values in those
    keys) is treated as unsure. A missing file is a plain repository as far as these keys go.
    """
    try:
        with open(path, "rb") as handle:
            text = handle.read()
    except FileNotFoundError:
        return _Config(False, None, None)
    if b"\0" in text:
        return None
    config = _Config(False, None, None)
    section = b""
    # Line by line, as git's own parser would take the file: anything it would refuse (git
    # then fails, whatever the section) or that goes on over several lines is unsure.
    for raw in text.removeprefix(b"\xef\xbb\xbf").split(b"\n"):
        line = raw.strip(b" \t\r")  # git's whitespace; \v and \f are not
        if line.startswith(b"["):
            header = _section_header(line)
            if header is None:
                return None
            section, line = header
        if not line or line[:1] in b"#;":
            continue
        entry = _entry(line)
        if entry is None:
            return None
        key, rest, value = entry
        if section not in (b"core", b"extensions"):
            continue
        if b'"' in rest or b"\\" in rest:
            return None  # quoting or escapes in a key that matters: not worth the risk
        if section == b"core":
            updated = _core_key(config, key, rest, value)
        else:
            updated = _extensions_key(config, key, value)
        if updated is None:
            return None
        config = updated
    return config


def _section_header(line: bytes) -> tuple[bytes, bytes] | None:
    """The section a `[...]` line opens (b"" for a subsection) and what follows the header on
    its line; None if git would refuse the header or it includes config from elsewhere."""
    header = _SECTION.match(line)
    if header is None:
        return None
    name = header[1].lower()
    if name.startswith(b"include"):  # include, includeIf: config from elsewhere
        return None
    # `[core "x"]` or `[core.x]` is another section than `core`.
    section = name if header[2] is None else b""
    return section, line[header.end() :].lstrip(b" \t\r")  # `[core] bare = true` is allowed


def _entry(line: bytes) -> tuple[bytes, bytes, bytes] | None:
    """A `key = value` line as (lower-case key, the text after the key, the value as git reads
    it); None if git would refuse it or the value goes on to the next line."""
    key_at = _KEY.match(line)
    if key_at is None:
        return None
    key = key_at[0].lower()
    rest = line[key_at.end() :].lstrip(b" \t")
    if rest and rest[:1] != b"=":
        return None
    value = _value(rest[1:])
    if value is None:
        return None
    return key, rest, value


def _core_key(config: _Config, key: bytes, rest: bytes, value: bytes) -> _Config | None:
    """`config` with a `core` key applied; None if the key makes the repository unsure."""
    if key == b"worktree":
        return config._replace(core_worktree=value)
    if key == b"excludesfile":
        if not rest:
            return None  # no "=": git refuses a path with no value
        return config._replace(excludes_file=value)
    if (key == b"bare" and value.lower() not in _FALSE) or (
        key == b"repositoryformatversion" and value not in (b"0", b"1")
    ):
        return None  # no work tree; a format git 2.x may not read
    return config


def _extensions_key(config: _Config, key: bytes, value: bytes) -> _Config | None:
    """`config` with an `extensions` key applied; None for one that changes how git reads the
    repository (another object format, an extension this module does not know)."""
    if key == b"objectformat":
        return config if value.lower() == b"sha1" else None
    if key not in _PLAIN_EXTENSIONS:
        return None
    if key == b"worktreeconfig":
        return config._replace(worktree_config=value.lower() not in _FALSE)
    return config
