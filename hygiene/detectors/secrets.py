"""Tracked secrets (issue 18, item 3): secrets and keys git tracks, or once committed.

An untracked `.env` is an ignore gap; a tracked one has already left the machine with every
push, and `git rm` does not take it back: it stays in every clone's history until the history
is rewritten, so the remedy always says to rotate it. What counts is the precious secret class
of the rule table (`.env*` but not templates such as `.env.example`, `*.pem`/`*.key` holding a
private key, `*.p12`/`*.pfx`, `id_*` keys, `.pypirc`, ...), any small file that begins like a
private key, and cloud credential files. The secret's value is never read beyond the first
bytes a key's header needs, and never kept or printed.

History is read only when `--git-stats` reads it anyway: one `git log --all` per repository
lists every path ever added, by name.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
from dataclasses import dataclass
from typing import ClassVar

from hygiene.detectors import DetectContext, Detected
from hygiene.git.prefetch import Prefetch
from hygiene.git.repo import LIST_TRACKED, GitError, additions, git
from hygiene.model import ScanIssue
from hygiene.rules import Rule, default_index


@dataclass(frozen=True)
class TrackedSecret:
    kind: ClassVar[str] = "tracked-secret"
    path: str  # absolute; for a secret only in history, where it was in the work tree
    bytes: int
    disk_bytes: int
    repo: str
    rel: str
    rule: str  # the rule-table id, or `secret.private-key` / `secret.cloud-credentials`
    secret: str  # what it is, in words: `dotenv`, `private key`, `key store`, ...
    tracked: bool  # in the index now
    in_head: bool  # in the commit checked out
    commit: str | None  # the oldest commit that added it (history only)
    suggestion: str  # the .gitignore line that keeps it out once untracked
    remedy: str


_KEY_HEADER = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
# Names whose first bytes are read for a private key's header: keys have no fixed name.
_HEADER_SUFFIXES = ("", ".key", ".pem", ".priv", ".private", ".txt", ".asc", ".rsa", ".sec")
_HEAD = 4096
_SMALL = 64 * 1024  # a key file is a few kilobytes; bigger files are not opened
# Cloud credential files, by their place (`*/` allows any folder above).
_CLOUD = (
    ".aws/credentials",
    ".azure/accessTokens.json",
    ".config/gcloud/application_default_credentials.json",
    "application_default_credentials.json",
    ".git-credentials",
    ".netrc",
    "_netrc",
    ".pgpass",
    ".s3cfg",
    ".boto",
)
# Google service-account keys are JSON holding `"private_key"`; named by whoever saved them.
_JSON_KEYS = ("*credentials*.json", "*service*account*.json", "*-key.json", "*_key.json")
_WHAT = {
    "secret.dotenv": "dotenv",
    "secret.keys": "private key",
    "secret.pypirc": "package index token",
    "secret.streamlit": "app secrets",
    "secret.local-settings": "local settings",
    "secret.rails-master-key": "rails master key",
}
_KEY_STORES = ("*.p12", "*.pfx")
_NEEDS_HEADER = ("*.pem", "*.key")
# Every tracked path of every repository meets these: one regular expression each, not a loop
# of fnmatch calls (100,000 paths: 0.2 s of a 0.6 s scan).
_CLOUD_AT_END = re.compile("(?:^|/)(" + "|".join(map(re.escape, _CLOUD)) + r")\Z")
_JSON_KEY_NAME = re.compile("|".join(fnmatch.translate(p) for p in _JSON_KEYS))


def _secret_rules() -> list[Rule]:
    return [r for r in default_index().rules if r.category == "secret"]


def _by_name(rel: str, rules: list[Rule]) -> tuple[str, str, str] | None:
    """(rule id, what, .gitignore line) for a path whose name alone says secret; None else.
    `*.pem` and `*.key` need a key's header (a certificate is public), asked by the caller."""
    name = rel.rsplit("/", 1)[-1]
    cloud = _CLOUD_AT_END.search(rel)
    if cloud is not None:
        return "secret.cloud-credentials", "cloud credentials", cloud[1]
    index = default_index()
    if not index.may_match_file(name):
        return None
    for rule in index.candidates(name, folder=False):
        if rule not in rules or any(fnmatch.fnmatchcase(name, p) for p in rule.unless):
            continue
        what = _WHAT.get(rule.id, "secret")
        if any(fnmatch.fnmatchcase(name, p) for p in _KEY_STORES):
            what = "key store"
        line = rule.gitignore_line(name)
        if rule.ignore_line == "" and any(fnmatch.fnmatchcase(name, p) for p in rule.names):
            line = next(p for p in rule.names if fnmatch.fnmatchcase(name, p))
        return rule.id, what, line
    return None


def _head(path: str) -> bytes:
    """The first bytes of a small regular file, never through a link; b"" when not one."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return b""
    try:
        st = os.fstat(fd)
        if not (st.st_mode & 0o170000 == 0o100000 and st.st_size <= _SMALL):
            return b""
        return os.read(fd, _HEAD)
    except OSError:
        return b""
    finally:
        os.close(fd)


def _judge(rel: str, rules: list[Rule], head: bytes | None) -> tuple[str, str, str] | None:
    """Whether the file at `rel` (its first bytes `head`, None when they cannot be had) is a
    secret: (rule id, what, .gitignore line)."""
    name = rel.rsplit("/", 1)[-1]
    named = _by_name(rel, rules)
    if named is not None and not any(fnmatch.fnmatchcase(name, p) for p in _NEEDS_HEADER):
        return named
    if head is None:
        return None
    if _KEY_HEADER.search(head):
        if named is not None:
            return named
        return "secret.private-key", "private key", f"/{rel}"
    if any(fnmatch.fnmatchcase(name, p) for p in _JSON_KEYS) and b'"private_key"' in head:
        return "secret.cloud-credentials", "cloud credentials", f"/{rel}"
    return None


def _may_hold_key(name: str) -> bool:
    if name.endswith(".pub"):
        return False
    # os.path.splitext's suffix (leading dots are part of the name), without its call cost:
    # every tracked path of every repository comes here.
    bare = name.lstrip(".")
    dot = bare.rfind(".")
    suffix = bare[dot:].lower() if dot != -1 else ""
    return suffix in _HEADER_SUFFIXES or _JSON_KEY_NAME.match(name) is not None


def _remedy(rel: str, line: str, *, tracked: bool, in_history: bool) -> str:
    quoted = shlex.quote(rel)
    steps = []
    if tracked:
        steps.append(f"git rm --cached -q -- {quoted}")
    steps.append(f"add {line!r} to .gitignore")
    if in_history:
        steps.append(
            "rotate the secret: it is in every clone's history even after git rm "
            f"(rewrite with git filter-repo --path {quoted} --invert-paths)"
        )
    else:
        steps.append("not committed yet: rotate it if it was shared")
    return "; ".join(steps)


def _in_head(repo: str, rels: list[str]) -> set[str]:
    if not rels:
        return set()
    out = git(repo, "ls-tree", "-r", "-z", "--name-only", "--full-tree", "HEAD", check=False)
    names = {os.fsdecode(p) for p in out.split(b"\0") if p}
    return names & set(rels)


def _tracked(repo: str, listing: bytes, rules: list[Rule]) -> list[TrackedSecret]:
    hits: list[tuple[str, tuple[str, str, str]]] = []
    for rel in (p for p in os.fsdecode(listing).split("\0") if p):
        name = rel.rsplit("/", 1)[-1]
        named = _by_name(rel, rules)
        wants_head = (named is None and _may_hold_key(name)) or (
            named is not None and any(fnmatch.fnmatchcase(name, p) for p in _NEEDS_HEADER)
        )
        if named is None and not wants_head:
            continue
        head = _head(os.path.join(repo, rel)) if wants_head else None
        verdict = _judge(rel, rules, head)
        if verdict is not None:
            hits.append((rel, verdict))
    committed = _in_head(repo, [rel for rel, _ in hits])
    out: list[TrackedSecret] = []
    for rel, verdict in hits:
        size = disk = 0
        try:
            st = os.lstat(os.path.join(repo, rel))
            size, disk = st.st_size, st.st_blocks * 512
        except OSError:
            pass  # deleted in the work tree, still in the index
        out.append(
            _finding(repo, rel, verdict, (size, disk), tracked=True, in_head=rel in committed)
        )
    return out


def _finding(
    repo: str,
    rel: str,
    verdict: tuple[str, str, str],
    sizes: tuple[int, int],
    *,
    tracked: bool,
    in_head: bool,
    commit: str | None = None,
) -> TrackedSecret:
    """A tracked secret, or one only in the history (added by `commit`, when known)."""
    rule, what, line = verdict
    return TrackedSecret(
        path=os.path.join(repo, *rel.split("/")),
        bytes=sizes[0],
        disk_bytes=sizes[1],
        repo=repo,
        rel=rel,
        rule=rule,
        secret=what,
        tracked=tracked,
        in_head=in_head,
        commit=commit,
        suggestion=line,
        remedy=_remedy(rel, line, tracked=tracked, in_history=in_head if tracked else True),
    )


def _history(repo: str, tracked: set[str], rules: list[Rule]) -> list[TrackedSecret]:
    """Secrets added by any commit of any ref and no longer tracked, by name (and, for the few
    whose name needs it, by the blob's first bytes)."""
    added: dict[str, tuple[str, str]] = {}  # rel -> (oldest commit, blob)
    for commit, oid, rel in additions(repo):
        if rel not in tracked and _by_name(rel, rules) is not None:
            added[rel] = (commit, oid)  # newest first: the last one is the oldest
    if not added:
        return []
    sizes = _blob_sizes(repo, [oid for _, oid in added.values()])
    committed = _in_head(repo, list(added))
    found: list[TrackedSecret] = []
    for rel, (first, oid) in sorted(added.items()):
        name = rel.rsplit("/", 1)[-1]
        head = None
        if any(fnmatch.fnmatchcase(name, p) for p in _NEEDS_HEADER):
            head = git(repo, "cat-file", "blob", oid, check=False)[:_HEAD]
        verdict = _judge(rel, rules, head)
        if verdict is None:
            continue
        found.append(
            _finding(
                repo,
                rel,
                verdict,
                sizes.get(oid, (0, 0)),
                tracked=False,
                in_head=rel in committed,
                commit=first or None,
            )
        )
    return found


def _blob_sizes(repo: str, oids: list[str]) -> dict[str, tuple[int, int]]:
    payload = "".join(f"{oid}\n" for oid in oids).encode()
    out = git(
        repo,
        "cat-file",
        "--batch-check=%(objectname) %(objectsize) %(objectsize:disk)",
        input=payload,
        check=False,
    )
    sizes: dict[str, tuple[int, int]] = {}
    for line in out.decode(errors="replace").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit():
            sizes[parts[0]] = (int(parts[1]), int(parts[2]))
    return sizes


def _one(
    repo: str, prefetched: Prefetch | None, *, history: bool, rules: list[Rule]
) -> list[TrackedSecret] | ScanIssue:
    try:
        listing = prefetched.listing(repo) if prefetched is not None else None
        if listing is None:
            listing = git(repo, *LIST_TRACKED)
        found = _tracked(repo, listing, rules)
        if history:
            tracked = {p for p in os.fsdecode(listing).split("\0") if p}
            found.extend(_history(repo, tracked, rules))
        return found
    except GitError as exc:
        return ScanIssue(repo, f"{exc}; its tracked secrets are left out")


def detect(ctx: DetectContext) -> Detected:
    rules = _secret_rules()
    findings: list[TrackedSecret] = []
    errors: list[ScanIssue] = []
    for repo in sorted(r for r, bare in ctx.repos.items() if not bare):
        got = _one(repo, ctx.git, history=ctx.git_stats, rules=rules)
        if isinstance(got, ScanIssue):
            errors.append(got)
        else:
            findings.extend(got)
    return Detected(findings=tuple(findings), errors=tuple(errors))
