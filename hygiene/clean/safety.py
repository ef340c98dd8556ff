"""The safety checks `clean` runs on every item: each a small named function returning why not.

A check returns None when the item may go, or a short reason to keep it. `Guard` gathers the
facts the checks need (roots, hygiene's own state, running processes, git's answers) and runs
them: once to build the plan, and again right before each item is moved
(npkill #9 and #81, BleachBit #1889, kondo #97 show what happens without them).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hygiene.clean.quarantine import STORE_PREFIX
from hygiene.clean.treeops import Inspection, inspect
from hygiene.config.layers import Config
from hygiene.git.repo import GitError, git, holding_tracked
from hygiene.model import Artifact
from hygiene.paths import is_quarantine
from hygiene.scan.mounts import mount_inside, mount_points
from hygiene.scan.protect import ProtectSet

if TYPE_CHECKING:
    import psutil


def _real(path: str) -> str:
    """The real path of `path` itself: its folder resolved, the last name kept (links too)."""
    return os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))


def _under(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)


def _inside_or_same(path: str, folder: str) -> bool:
    return path == folder or _under(path, folder)


# --- the checks -----------------------------------------------------------------------------


def outside_roots(real: str, roots: Iterable[str]) -> str | None:
    """Nothing outside the roots, judged on real paths so a swapped-in link cannot lead out."""
    if any(_under(real, root) for root in roots):
        return None
    return "outside the folders given to clean"


def root_or_above(real: str, roots: Iterable[str]) -> str | None:
    if any(_inside_or_same(root, real) for root in roots):
        return "is a root given to clean, or holds one"
    return None


def hygiene_state(
    real: str, keep_out: Iterable[str], in_tagged: Callable[[str], bool] | None = None
) -> str | None:
    """Never the quarantine, the audit log or anything holding them."""
    if f"{os.sep}{STORE_PREFIX}" in real:
        return "inside a hygiene quarantine store"
    for folder in keep_out:
        if _inside_or_same(real, folder) or _under(folder, real):
            return "holds hygiene's own quarantine or log"
    if (in_tagged or _in_tagged)(real):
        return "inside a hygiene quarantine (another home's, maybe)"
    return None


def _in_tagged(real: str) -> bool:
    """`real` or a folder above it holds a quarantine tag (`hygiene.paths.QUARANTINE_TAG`)."""
    probe = real
    while True:
        if is_quarantine(probe):
            return True
        parent = os.path.dirname(probe)
        if parent == probe:
            return False
        probe = parent


def active_virtualenv(real: str, envs: Iterable[str]) -> str | None:
    """Not the virtualenv this process runs in (`sys.prefix`) or the one `$VIRTUAL_ENV` names."""
    for env in envs:
        if _inside_or_same(env, real):
            return "is the active virtualenv"
    return None


def holds_a_mount(real: str, mounts: frozenset[str] | None = None) -> str | None:
    """Never a mount point or a folder holding one, bind mounts included (the table read
    fresh unless `mounts` is given)."""
    mount = mount_inside(real, mount_points() if mounts is None else mounts)
    return None if mount is None else f"holds a mount point ({mount})"


def below_a_mount(
    real: str, roots: Iterable[str], mounts: frozenset[str] | None = None
) -> str | None:
    """Nothing below a mount point inside a root (the table read fresh unless `mounts` is
    given): a bind mount brings another folder in on the same filesystem, same `st_dev`, so
    neither the walk's device test nor the real path shows that what lies below it is outside
    the roots."""
    if mounts is None:
        mounts = mount_points()
    for root in roots:
        if not _under(real, root):
            continue
        for mount in mounts:
            if _under(mount, root) and _inside_or_same(real, mount):
                return f"below a mount point inside the roots ({mount}): not the folders given"
    return None


def protected(path: str, folder: bool, protect: ProtectSet) -> str | None:
    if protect.covers(path, folder=folder):
        return "matched by .hygieneignore or protect"
    return None


@dataclass
class ProcessUsage:
    """Paths running processes hold open, run from or use as working folder (psutil)."""

    holders: dict[str, str] = field(default_factory=dict)  # a path or any ancestor -> who
    taken: float = 0.0

    @classmethod
    def snapshot(cls, ours: Iterable[int] = ()) -> ProcessUsage:
        """Every process but this one and `ours` (the acting command's other processes)."""
        import psutil

        usage = cls(taken=time.monotonic())
        me = {os.getpid(), *ours}
        for proc in psutil.process_iter(["pid", "name"]):
            if proc.pid in me:
                continue
            who = f"{proc.info.get('name') or '?'} (pid {proc.pid})"
            for used in _used_paths(proc):
                if used:
                    usage._add(used, who)
        return usage

    def _add(self, path: str, who: str) -> None:
        while True:
            if path in self.holders:
                return
            self.holders[path] = who
            parent = os.path.dirname(path)
            if parent == path:
                return
            path = parent


def _used_paths(proc: psutil.Process) -> list[str]:
    import psutil

    paths: list[str] = []
    cwd = ""
    # Processes of other users are unreadable without privileges; they are skipped.
    with contextlib.suppress(psutil.Error, OSError):
        cwd = proc.cwd()
        paths.append(cwd)
    with contextlib.suppress(psutil.Error, OSError):
        paths.append(proc.exe())
    with contextlib.suppress(psutil.Error, OSError):
        paths.extend(f.path for f in proc.open_files())
    paths.extend(_mapped_files(proc.pid))
    with contextlib.suppress(psutil.Error, OSError):
        paths.extend(_named_paths(proc.cmdline(), cwd))
    with contextlib.suppress(psutil.Error, OSError):
        environ = proc.environ()
        # A shell that activated a virtualenv (or a conda env) holds nothing of it open.
        paths.extend(os.path.realpath(environ[k]) for k in _ENV_KEYS if environ.get(k))
    return paths


_ENV_KEYS = ("VIRTUAL_ENV", "CONDA_PREFIX")


def _named_paths(argv: list[str], cwd: str) -> list[str]:
    """The paths a command line names (its program and every argument holding a `/`), as the
    checks judge items: folder resolved, last name kept. A venv's `bin/python` is a link to
    the base interpreter, so neither `exe` nor the maps show the venv a job runs in; and a
    pure-Python program holds none of its files open once imported."""
    named: list[str] = []
    for arg in argv:
        if "/" not in arg:
            continue
        if not os.path.isabs(arg):
            if not cwd:
                continue
            arg = os.path.join(cwd, arg)
        named.append(_real(os.path.normpath(arg)))
    return named


def _mapped_files(pid: int) -> set[str]:
    """Files a process has mapped into memory: a native addon loaded from node_modules, a
    virtualenv's shared libraries. They hold no open file, yet removing them breaks the process.
    Read from /proc/PID/maps (Linux), which is cheap, rather than psutil's smaps walk."""
    found: set[str] = set()
    try:
        with open(f"/proc/{pid}/maps", encoding="utf-8", errors="surrogateescape") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                if len(fields) == 6 and fields[5].startswith("/"):
                    found.add(fields[5].rstrip("\n").removesuffix(" (deleted)"))
    except OSError:
        pass
    return found


def in_use(real: str, usage: ProcessUsage) -> str | None:
    who = usage.holders.get(real)
    return None if who is None else f"in use by {who}"


def changed_since_scan(artifact: Artifact, since: float = 0.0, *, walk: bool = True) -> str | None:
    """Same inode, same type, nothing newer inside, no repository or mount point inside, and
    (given `since`, when the scan began) nothing inside or the item itself changed after it.

    `mv` keeps a file's mtime, so a file moved in while the prompt waited looks old.
    Any change to a folder's entries sets that folder's ctime, and every write, rename
    or chmod sets the entry's own; ctime cannot be set back (utime sets it to now), so one ctime
    after `since` anywhere at any level means the item is no longer what was planned.

    Without `walk`, a folder's inside is left to `changed_aside`: `clean --incinerate` reads
    the folder once, after it is set aside, rather than here and again there.
    """
    if not artifact.inode:
        return "the scan recorded no identity for it"
    try:
        st = os.lstat(artifact.path)
    except FileNotFoundError:
        return "gone since the scan"
    if (st.st_dev, st.st_ino) != (artifact.device, artifact.inode):
        return "replaced since the scan"
    if stat.S_ISDIR(st.st_mode) != artifact.folder:
        return "changed type since the scan"
    if not artifact.folder:
        if st.st_mtime > artifact.newest_mtime:
            return "modified since the scan"
        return _changed(st.st_ctime, since)
    if not walk:
        return None
    seen = _inside(artifact, artifact.path, st.st_dev)
    if isinstance(seen, str):
        return seen
    return _changed(max(st.st_ctime, seen.newest_ctime), since)


def changed_aside(artifact: Artifact, aside: str, top: os.stat_result, since: float) -> str | None:
    """`changed_since_scan`'s walk and verdict for an item set aside at `aside`, read once
    right before it is deleted, with the plan's count: why it must go back, or None.

    `top` is the item's own lstat from before the rename, which sets its ctime (its entries'
    own ctimes stay). What the re-check would refuse is refused in its words; entries added
    or removed show in the count too, which the reason then gives as well.
    """
    seen = _inside(artifact, aside, top.st_dev)
    if isinstance(seen, str):
        return seen
    # A bind mount made inside since the re-check keeps the item's `st_dev`, so the walk's
    # device test cannot see it, nor the count when it covers a folder of the same count: the
    # mount table, read fresh once the walk is over, does (a mount moves with the rename).
    mounted = holds_a_mount(aside)
    if mounted is not None:
        return mounted
    why = _changed(max(top.st_ctime, seen.newest_ctime), since)
    if (seen.files, seen.bytes) == (artifact.files, artifact.bytes):
        return why
    mismatch = (
        f"does not match the plan: {seen.files} files, {seen.bytes} bytes now against "
        f"{artifact.files} files, {artifact.bytes} bytes planned"
    )
    return f"{why}; {mismatch}" if why else f"{mismatch}; left in place"


def _changed(ctime: float, since: float) -> str | None:
    if since and ctime > since:
        return "changed since the scan (an entry was added, moved in or out, or altered)"
    return None


def _inside(artifact: Artifact, folder: str, device: int) -> Inspection | str:
    """One walk of `folder` (the item, or the item set aside), or why it must stay: a
    repository or a mount point inside, a newer entry, or a walk that failed."""
    try:
        seen = inspect(folder, device=device)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if seen.stop == "git":
        return "holds a git repository"
    if seen.stop == "mount":
        # Deleting would descend into a mounted filesystem; never.
        return "holds a mount point"
    if seen.newest_mtime > artifact.newest_mtime:
        return "modified since the scan"
    return seen


def _climb(found: bytes, wanted: Mapping[bytes, str]) -> str | None:
    probe = found
    while probe:
        if probe in wanted:
            return wanted[probe]
        cut = probe.rfind(b"/")
        probe = probe[:cut] if cut > 0 else b""
    return None


def uncommitted(repo: str, relpaths: list[str]) -> set[str]:
    """Those of `relpaths` holding staged or unstaged changes to tracked content."""
    wanted = {os.fsencode(p): p for p in relpaths}
    out = git(
        repo,
        "--literal-pathspecs",
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=no",
        "--",
        *relpaths,
    )
    held: set[str] = set()
    for token in out.split(b"\0"):
        # "XY path", and after a rename or copy the bare source path as its own token.
        name = token[3:] if len(token) > 3 and token[2:3] == b" " else token
        hit = _climb(name, wanted) if name else None
        if hit is not None:
            held.add(hit)
    return held


def git_vetoes(artifacts: Iterable[Artifact]) -> dict[str, str]:
    """Ask git once per repository: tracked content inside, or uncommitted changes."""
    by_repo: dict[str, list[Artifact]] = {}
    for artifact in artifacts:
        if artifact.repo is not None:
            by_repo.setdefault(artifact.repo, []).append(artifact)
    vetoes: dict[str, str] = {}
    for repo, items in by_repo.items():
        rel = {os.path.relpath(a.path, repo): a.path for a in items}
        try:
            for name in uncommitted(repo, list(rel)):
                vetoes[rel[name]] = "holds uncommitted changes"
            for name in holding_tracked(repo, list(rel)):
                vetoes[rel[name]] = "holds files git tracks"
        except GitError as exc:
            for path in rel.values():
                vetoes[path] = f"git could not answer ({exc})"
    return vetoes


@dataclass
class Glance:
    """What the plan reads once for all its items, where each item's own read cost the plan of
    a 200,000-file workspace 0.2 s of its 0.25 s (issue 20): the mount table, which folders
    hold a quarantine tag, and each folder's real path (items share their ancestors). Only for
    making the plan: the re-check before each item moves reads all three fresh."""

    mounts: frozenset[str] = field(default_factory=mount_points)
    _tagged: dict[str, bool] = field(default_factory=dict)  # a folder -> it or one above is
    _inside: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)
    _real: dict[str, str] = field(default_factory=dict)  # a folder -> its real path

    def real(self, path: str) -> str:
        """`_real(path)`, each folder above it resolved once: `os.path.realpath` reads every
        folder of every item's path, the same ancestors over and over."""
        if not path.startswith(os.sep) or path.startswith("//") or os.path.normpath(path) != path:
            # Relative, "//" (kept by normpath), "." or "..": left to realpath, which knows.
            return _real(path)
        return os.path.join(self.real_folder(os.path.dirname(path)), os.path.basename(path))

    def real_folder(self, folder: str) -> str:
        pending: list[str] = []
        probe = folder
        while probe not in self._real:
            parent = os.path.dirname(probe)
            if parent == probe:
                self._real[probe] = probe
                break
            try:
                link = stat.S_ISLNK(os.lstat(probe).st_mode)
            except OSError:
                link = True  # gone or unreadable: left to realpath, as without the glance
            if link:
                self._real[probe] = os.path.realpath(probe)
                break
            pending.append(probe)
            probe = parent
        for seen in reversed(pending):  # from the top down: each one's parent is known
            self._real[seen] = os.path.join(
                self._real[os.path.dirname(seen)], os.path.basename(seen)
            )
        return self._real[folder]

    def in_tagged(self, folder: str) -> bool:
        """`_in_tagged`, each folder read once: climbing stops at a folder already known."""
        pending: list[str] = []
        probe = folder
        while True:
            known = self._tagged.get(probe)
            if known is not None:
                break
            if is_quarantine(probe):
                known = True
                break
            pending.append(probe)
            parent = os.path.dirname(probe)
            if parent == probe:
                known = False
                break
            probe = parent
        self._tagged[probe] = known
        for seen in pending:
            self._tagged[seen] = known
        return known

    def mounts_inside(self, roots: tuple[str, ...]) -> frozenset[str]:
        """The mount points below the roots: the only ones `below_a_mount` can find."""
        inside = self._inside.get(roots)
        if inside is None:
            inside = self._inside[roots] = frozenset(
                m for m in self.mounts if any(_under(m, root) for root in roots)
            )
        return inside


# --- the guard ------------------------------------------------------------------------------


def _protect(roots: tuple[str, ...], items: list[Artifact], config: Config) -> ProtectSet:
    repos = {a.repo: False for a in items if a.repo is not None}
    return ProtectSet.build(roots, repos, config.protect)


def active_envs() -> tuple[str, ...]:
    envs = {os.path.realpath(sys.prefix)}
    if os.environ.get("VIRTUAL_ENV"):
        envs.add(os.path.realpath(os.environ["VIRTUAL_ENV"]))
    return tuple(sorted(envs))


@dataclass
class Guard:
    roots: tuple[str, ...]
    keep_out: tuple[str, ...]
    envs: tuple[str, ...]
    protect: ProtectSet
    usage: ProcessUsage
    git: dict[str, str]
    # How old a process snapshot may be when an item is re-checked right before it moves.
    fresh_for: float = 0.5
    # When the scan behind the plan began (time.time()): anything changed later is re-judged.
    since: float = 0.0
    # The config's `cross_mounts`: the user asked for what lies below mount points too.
    cross_mounts: bool = False

    @classmethod
    def build(
        cls,
        *,
        roots: Iterable[str],
        artifacts: Iterable[Artifact],
        config: Config,
        keep_out: Iterable[str],
        since: float = 0.0,
        ours: Iterable[int] = (),
    ) -> Guard:
        items = list(artifacts)
        # Real paths, as the scan reports them: a root given through a link is its target.
        real_roots = tuple(os.path.realpath(r) for r in roots)
        return cls(
            roots=real_roots,
            keep_out=tuple(os.path.realpath(k) for k in keep_out),
            envs=active_envs(),
            protect=_protect(real_roots, items, config),
            usage=ProcessUsage.snapshot(ours),
            git=git_vetoes(items),
            since=since,
            cross_mounts=config.cross_mounts,
        )

    def refresh(
        self, *, roots: Iterable[str], artifacts: Iterable[Artifact], config: Config
    ) -> None:
        """Ask git, read `.hygieneignore` and list the processes again: the user may have
        changed any of them while the plan waited for an answer. The plan's process snapshot
        shows nothing started since, so the re-check must not take it for a fresh one, however
        soon after the plan the items move (`clean --yes`, browse's plan from its scan)."""
        self.usage = ProcessUsage.snapshot()
        items = list(artifacts)
        self.protect = _protect(tuple(os.path.realpath(r) for r in roots), items, config)
        self.git = git_vetoes(items)

    def checks(
        self, artifact: Artifact, glance: Glance | None = None
    ) -> Iterable[Callable[[], str | None]]:
        real = _real(artifact.path) if glance is None else glance.real(artifact.path)
        in_tagged = None if glance is None else glance.in_tagged
        mounts = None if glance is None else glance.mounts
        below = None if glance is None else glance.mounts_inside(self.roots)
        yield lambda: root_or_above(real, self.roots)
        yield lambda: outside_roots(real, self.roots)
        yield lambda: hygiene_state(real, self.keep_out, in_tagged)
        yield lambda: active_virtualenv(real, self.envs)
        yield lambda: self.git.get(artifact.path)
        yield lambda: in_use(real, self.usage)
        yield lambda: protected(artifact.path, artifact.folder, self.protect)
        yield lambda: holds_a_mount(real, mounts)
        yield lambda: None if self.cross_mounts else below_a_mount(real, self.roots, below)

    def veto(self, artifact: Artifact, glance: Glance | None = None) -> str | None:
        """Why `artifact` must stay, judged on what is known now; None when it may go. With a
        `glance` (the plan judging every item at once), the mount table and quarantine tags are
        those it read; without one (the re-check right before an item moves), they are read
        fresh."""
        for check in self.checks(artifact, glance):
            reason = check()
            if reason is not None:
                return reason
        return None

    def recheck(self, artifact: Artifact, *, walk: bool = True) -> str | None:
        """The last word right before acting: fresh process list, then identity and age
        (a folder's inside only with `walk`; see `changed_since_scan`)."""
        if time.monotonic() - self.usage.taken > self.fresh_for:
            self.usage = ProcessUsage.snapshot()
        return self.veto(artifact) or changed_since_scan(artifact, self.since, walk=walk)
