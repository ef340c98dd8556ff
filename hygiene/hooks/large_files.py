"""`hygiene-large-files`: no staged blob larger than `--max-size`.

Unlike pre-commit-hooks' `check-added-large-files`, the size is the staged blob's (what the
commit stores, not the working-tree file), and a modified file that grew past the limit fails
too, not only an added one (pre-commit-hooks #518). Git LFS files pass: their staged blob is a
pointer. A file that `.gitattributes` sends to LFS but that was staged as a full blob (git-lfs
not installed) is reported as such, since that blob would enter the history all the same.

This is the hook on the benchmark (`benchmarks/bench_hook.py`): with nothing to report it costs
two git processes (`ls-files --debug`, `check-attr`), as the reference does, and imports only
the standard library (`typing` included, which the reference loads too).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

from hygiene.git.run import concurrently
from hygiene.git.staged import (
    attributes,
    blob_sizes,
    recorded_sizes,
    staged_changes,
    tracked_blobs,
)

DEFAULT_MAX_SIZE = 500_000  # "500KB", the reference's default (it counts KiB: 512,000 bytes)
# The LFS specification: "the pointer file must be less than 1024 bytes".
LFS_POINTER_MAX = 1024
UNSET = "unspecified"
UNSET_VALUES = (UNSET, "unset")

# Executables without a suffix, told by their first bytes (in the work tree, for naming only).
BINARY_MAGIC = (
    (b"\x7fELF", "ELF executable or library"),
    (b"\xcf\xfa\xed\xfe", "Mach-O executable or library"),
    (b"\xce\xfa\xed\xfe", "Mach-O executable or library"),
    (b"MZ", "Windows executable"),
    (b"\x00asm", "WebAssembly module"),
)


class OversizedBlob(NamedTuple):
    path: str  # root-relative
    size: int  # bytes of the staged blob
    lfs_unapplied: bool  # .gitattributes says filter=lfs, yet the blob is the full content
    product: str  # "" or what kind of build product it is


def find_large_files(
    *,
    root: str,
    paths: Sequence[str] | None,
    max_size: int = DEFAULT_MAX_SIZE,
    enforce_all: bool = False,
) -> list[OversizedBlob]:
    """Staged blobs of `paths` (None: everything staged) above `max_size` bytes.

    By default only what this commit adds or changes counts; `enforce_all` counts every tracked
    file among `paths`. Every blob that could be over the limit is measured exactly (one
    `git cat-file --batch-check`); the others are cleared by the size the index recorded for
    them, which bounds the blob from above unless a clean filter or `working-tree-encoding`
    can make the blob bigger than the file (CRLF to LF and `ident` only shrink it), so those
    files are always measured.
    """
    if paths is None:
        paths = sorted(tracked_blobs(root) if enforce_all else staged_changes(root))
    wanted = list(paths)
    # Two git questions in threads; the work-tree sizes are read meanwhile (os.lstat and the
    # git processes all let go of the GIL).
    huge, (index_sizes, attrs) = concurrently(
        lambda: _huge(root, wanted),
        lambda: concurrently(
            lambda: recorded_sizes(root, wanted),
            lambda: attributes(root, ("filter", "working-tree-encoding"), wanted),
        ),
    )
    if index_sizes is None:  # unreadable stat data: measure every blob
        index = tracked_blobs(root)
        entries: dict[str, tuple[str, int | None]] = {
            p: (index[p], None) for p in wanted if p in index
        }
    else:
        entries = index_sizes
    suspects: dict[str, str] = {}
    for path, (blob, recorded) in entries.items():
        found_attrs = attrs.get(path, {})
        if (
            recorded is None
            or recorded > max_size
            or found_attrs.get("filter", UNSET) not in UNSET_VALUES
            or found_attrs.get("working-tree-encoding", UNSET) not in UNSET_VALUES
            or path in huge
        ):
            suspects[path] = blob
    sizes = blob_sizes(root, suspects.values())
    over = sorted(p for p, blob in suspects.items() if sizes.get(blob, 0) > max_size)
    if over and not enforce_all:
        changed = staged_changes(root)
        over = [p for p in over if p in changed]
    found: list[OversizedBlob] = []
    for path in over:
        size = sizes[suspects[path]]
        lfs = attrs.get(path, {}).get("filter") == "lfs"
        if lfs and size < LFS_POINTER_MAX:
            continue
        found.append(OversizedBlob(path, size, lfs, "" if lfs else build_product(root, path)))
    return found


def _huge(root: str, paths: Sequence[str]) -> set[str]:
    """Work-tree files of 4 GiB or more: the index records sizes modulo 2**32, so theirs may
    have wrapped round to something small."""
    return {path for path in paths if _size(os.path.join(root, path)) >= 2**32}


def _size(path: str) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:  # gone since it was staged: the index entry stands on its own
        return 0


def build_product(root: str, path: str) -> str:
    """What kind of binary build product `path` is, or "" when it does not look like one."""
    # Imported here: only a file over the limit is named, and the hook's clean path stays on
    # the standard library.
    from hygiene.hooks.judge import StagedTree
    from hygiene.rules.products import product_of

    product = product_of(path.rpartition("/")[2])
    if product is not None and product.built:
        return product.kind

    verdict = StagedTree(root, [path]).verdict(path)
    if verdict is not None and verdict.folder:
        rule = verdict.match.rule
        return f"inside {verdict.path}/, a {rule.category} folder ({rule.id})"
    try:
        with open(os.path.join(root, *path.split("/")), "rb") as handle:
            head = handle.read(4)
    except OSError:
        return ""
    return next((kind for magic, kind in BINARY_MAGIC if head.startswith(magic)), "")


def describe(found: Sequence[OversizedBlob], *, max_size: int) -> list[str]:
    import shlex

    from hygiene.units import format_bytes

    limit = format_bytes(max_size)
    lines: list[str] = []
    for item in found:
        quoted = shlex.quote(item.path)
        size = format_bytes(item.size)
        if item.lfs_unapplied:
            lines.append(
                f"{item.path}: {size} staged as a full blob, though .gitattributes sends it "
                "to Git LFS (filter=lfs): is git-lfs installed?"
            )
            lines.append(f"  fix: git lfs install && git add --renormalize -- {quoted}")
            continue
        lines.append(f"{item.path}: {size} staged, over the {limit} limit")
        if item.product:
            lines.append(f"  a binary build product ({item.product}): build it, do not commit it")
            lines.append(f"  unstage: git rm --cached -- {quoted}")
        else:
            lines.append(f"  unstage: git rm --cached -- {quoted}")
            lines.append(f"  or keep it in Git LFS: git lfs track {quoted}")
    return lines
