"""`hygiene hook install`: add the hooks to `.pre-commit-config.yaml`, disturbing nothing else.

Text editing, not a YAML round trip: a dump re-indents the whole file and loses comments in
places (pre-commit's own `autoupdate` edits `rev:` lines as text for the same reason). The new
entry goes at the end of the `repos:` list, indented the way the file already indents its
entries. The edit is then checked: the new text must parse to the old document plus the new
entry, or nothing is written and the block to paste is shown instead.

The default entry is the repository form (`repo:` + `rev:`), which pre-commit clones and installs
into an environment of its own, so a commit from a shell without hygiene on PATH still runs the
hooks (issue 17). It needs hygiene's own repository, and only the install knows it truthfully:
PEP 610's `direct_url.json` (a git URL at a commit, or the checkout it was installed from, at
its HEAD), else the distribution's Project-URL at the version's tag. Where none says, the entry
is `repo: local` with `language: python`, and the install line says why.
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hygiene.errors import ConfigError, UsageError
from hygiene.hooks import HOOKS, OPTIONS

if TYPE_CHECKING:
    from importlib.metadata import Distribution

CONFIG_NAME = ".pre-commit-config.yaml"
# pre-commit's sample-config style: `-   repo:` with the hooks list one level in.
_DEFAULT_STYLE = (0, 4, 0, 4)
_REPOS_KEY = re.compile(r"^repos:[ \t]*(?:#.*)?$")
_REPOS_EMPTY_FLOW = re.compile(r"^repos:[ \t]*\[[ \t]*\][ \t]*(?:#.*)?$")
_ITEM = re.compile(r"^( *)-( +)\S")
_HOOKS_KEY = re.compile(r"^( *)hooks:[ \t]*(?:#.*)?$")


@dataclass(frozen=True)
class InstallPlan:
    path: Path
    text: str  # the whole new file (unchanged when nothing is added)
    added: tuple[str, ...]
    present: tuple[str, ...]
    created: bool


@dataclass(frozen=True)
class RepoSource:
    """hygiene's own repository for the repository form: where, at which rev, and how we know."""

    repo: str
    rev: str
    origin: str  # for the install line: "from this hygiene's install (...)"
    note: str | None = None  # one more line to print: uncommitted changes `rev` lacks


@dataclass(frozen=True)
class Form:
    """The entry to write (`repo`/`rev` None: a `repo: local` form) and the lines that say so."""

    repo: str | None
    rev: str | None
    said: tuple[str, ...]


MANIFEST = ".pre-commit-hooks.yaml"
# Hosts whose `https://host/owner/name` is a git repository; elsewhere only a URL ending `.git`.
_GIT_HOSTS = ("github.com", "gitlab.com", "codeberg.org", "bitbucket.org")
# Project-URL labels that name the source (PEP 753's normalised forms).
_SOURCE_LABELS = ("source", "sourcecode", "repository", "homepage")
_SYSTEM_FORM = (
    "wrote the system form (repo: local, language: system): the `hygiene` on PATH at commit "
    "time runs them"
)


def _repository_form(repo: str, rev: str | None, origin: str) -> str:
    return (
        f"wrote the repository form (repo: {repo}, rev: {rev}) {origin}: pre-commit clones it "
        "and installs hygiene from it in its own environment"
    )


def _local_folder(url: str) -> Path | None:
    """The folder a `file:` URL names (percent-decoded), else None."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    if os.name == "nt":
        from nturl2path import url2pathname

        return Path(url2pathname(parts.path))
    return Path(unquote(parts.path))


def repository_from_checkout(folder: Path, *, editable: bool = True) -> RepoSource | str:
    """`folder` at its HEAD commit, if it is the top of a git work tree whose HEAD holds the
    hooks manifest; else why not. Uncommitted changes there are not in that commit: a note."""
    from hygiene.git.run import GitError, git

    where = f"this hygiene was installed from {folder}"
    try:
        top = git(str(folder), "rev-parse", "--show-toplevel").decode().strip()
    except GitError as exc:
        said = str(exc).split(f"failed in {folder}: ", 1)[-1]
        return f"{where}: not a git work tree ({said})"
    if Path(top).resolve() != folder.resolve():
        return f"{where}: not the top of its git work tree ({top})"
    try:  # `--`: both must be revisions (HEAD, the manifest's blob in it), never file names
        rev = git(str(folder), "rev-parse", "HEAD", f"HEAD:{MANIFEST}", "--").split()[0].decode()
    except GitError:
        return f"{where}: it has no HEAD commit holding {MANIFEST}"
    note = None
    if git(str(folder), "status", "--porcelain", "-z"):
        note = (
            f"{folder} has uncommitted changes, which rev {rev[:12]} does not contain: "
            "commit them and move `rev:` to that commit for pre-commit to run them"
        )
    how = "editable, from that checkout" if editable else "built from that checkout"
    return RepoSource(str(folder), rev, f"from this hygiene's install ({how})", note)


def _from_vcs(url: str, vcs: Mapping[str, Any], subdirectory: object) -> RepoSource | str:
    kind = vcs.get("vcs")
    commit = vcs.get("commit_id")
    if kind != "git":
        return f"this hygiene was installed from {kind} ({url}), and pre-commit clones only git"
    if subdirectory:
        return f"this hygiene was installed from {subdirectory} inside {url}, not from its top"
    if not isinstance(commit, str) or not commit:
        return f"pip recorded no commit for this hygiene's install from {url}"
    return RepoSource(
        url.removeprefix("git+"), commit, "from this hygiene's install (pip's record of the commit)"
    )


def repository_from_direct_url(data: Mapping[str, Any]) -> RepoSource | str:
    """PEP 610's record of an install (https://packaging.python.org/en/latest/specifications/
    direct-url-data-structure/) as the repository form, or why it gives none."""
    url = str(data.get("url", ""))
    vcs = data.get("vcs_info")
    if isinstance(vcs, Mapping):
        return _from_vcs(url, vcs, data.get("subdirectory"))
    info = data.get("dir_info")
    if isinstance(info, Mapping):
        folder = _local_folder(url)
        if folder is None:
            return f"this hygiene was installed from {url}, not a local folder"
        return repository_from_checkout(folder, editable=bool(info.get("editable")))
    if "archive_info" in data:
        return f"this hygiene was installed from an archive ({url}), which names no repository"
    return f"pip's record of this hygiene's install ({url}) names no repository"


def _git_hosting(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path.strip("/")
    if parts.scheme not in ("https", "http", "ssh", "git") or not path:
        return False
    if path.endswith(".git"):
        return True
    segments = path.split("/")
    return parts.hostname in _GIT_HOSTS and len(segments) == 2 and all(segments)


def repository_from_project_urls(urls: Sequence[str], version: str) -> RepoSource | str:
    """The first Source/Repository/Homepage Project-URL that is a git repository, at the tag
    `v{version}`; else why not. `urls` as the metadata has them: `Label, URL`."""
    from hygiene.relaunch import DISTRIBUTION

    for line in urls:
        label, _, url = line.partition(",")
        url = url.strip()
        key = "".join(c for c in label.lower() if c.isalnum())
        if key in _SOURCE_LABELS and _git_hosting(url):
            origin = f"from {DISTRIBUTION}'s Project-URL metadata ({label.strip()})"
            return RepoSource(url.rstrip("/"), f"v{version}", origin)
    return f"{DISTRIBUTION}'s metadata names no git repository (Project-URL Source or Homepage)"


def _describes(dist: Distribution, data: Mapping[str, Any] | None, package: Path) -> bool:
    """Whether `dist` is the install of the running hygiene package (`package`, its folder)."""
    info = data.get("dir_info") if data is not None else None
    if data is not None and isinstance(info, Mapping) and info.get("editable"):
        folder = _local_folder(str(data.get("url", "")))
        return folder is not None and package.is_relative_to(folder.resolve())
    return Path(str(dist.locate_file("hygiene"))).resolve() == package


def own_repository() -> RepoSource | str:
    """hygiene's own repository as the install of the running hygiene records it, or why it
    cannot be told. Only a record of this very copy counts: a `hygiene_cli.egg-info` beside a
    checkout, or another install on sys.path, describes some other hygiene."""
    import importlib.metadata
    import json

    import hygiene
    from hygiene.relaunch import DISTRIBUTION

    package = Path(hygiene.__file__).resolve().parent
    mine: list[tuple[importlib.metadata.Distribution, dict[str, Any] | None]] = []
    for dist in importlib.metadata.distributions(name=DISTRIBUTION):
        try:
            data = json.loads(dist.read_text("direct_url.json") or "null")
        except ValueError:
            data = None
        data = data if isinstance(data, dict) else None
        if _describes(dist, data, package):
            mine.append((dist, data))
    if not mine:
        return f"no installed {DISTRIBUTION} is the hygiene running here ({package})"
    dist, data = next(((d, u) for d, u in mine if u is not None), mine[0])
    reasons: list[str] = []
    if data is not None:
        found = repository_from_direct_url(data)
        if isinstance(found, RepoSource):
            return found
        reasons.append(found)
    urls = list(dist.metadata.get_all("Project-URL") or [])
    urls += [f"Homepage, {home}" for home in dist.metadata.get_all("Home-page") or []]
    found = repository_from_project_urls(urls, dist.version)
    if isinstance(found, RepoSource):
        return found
    return "; ".join([*reasons, found])


def choose_form(*, repo: str | None, rev: str | None, local: bool, install: str | None) -> Form:
    """What `hook install` writes, and the lines that say which form and where it came from."""
    if repo is not None:
        return Form(repo, rev, (_repository_form(repo, rev, "from --repo/--rev"),))
    if local:
        return Form(None, None, (_SYSTEM_FORM,))
    python_form = (
        f"wrote the local form (repo: local, language: python): pre-commit installs "
        f"{install or default_install()} in its own environment, from the index pip is set up for"
    )
    if install is not None:
        return Form(None, None, (python_form,))
    found = own_repository()
    if isinstance(found, str):
        why = (
            f"not the repository form: {found}; `hygiene hook install --repo URL --rev REV` "
            "writes it (docs/pre-commit.md)"
        )
        return Form(None, None, (python_form, why))
    said = _repository_form(found.repo, found.rev, found.origin)
    return Form(found.repo, found.rev, (said, *((found.note,) if found.note else ())))


def default_install() -> str:
    """What pre-commit installs into its own environment: our distribution, this version."""
    from hygiene import __version__
    from hygiene.relaunch import DISTRIBUTION

    return f"{DISTRIBUTION}=={__version__}"


def entry(
    hook_ids: Sequence[str],
    *,
    repo: str | None,
    rev: str | None,
    local: bool = False,
    install: str | None = None,
) -> dict[str, Any]:
    """The `repos:` item to add: a repository at a rev (`choose_form` picks them: `--repo/--rev`
    or hygiene's own), the installed hygiene (`--local`: `language: system`), or hygiene
    installed by pre-commit into its own environment (`language: python` with our pinned
    distribution, or `install`)."""
    if repo is None:
        if local:
            language: dict[str, Any] = {"language": "system"}
        else:
            language = {
                "language": "python",
                "additional_dependencies": [install or default_install()],
            }
        hooks: list[dict[str, Any]] = [
            {"id": h, "name": h, "entry": f"hygiene hook {h}", **language, **OPTIONS[h]}
            for h in hook_ids
        ]
        return {"repo": "local", "hooks": hooks}
    if not rev:
        raise UsageError("--repo needs --rev (a tag or commit of that repository)")
    return {"repo": repo, "rev": rev, "hooks": [{"id": h} for h in hook_ids]}


def _scalar(value: str | bool | list[str]) -> str:
    """`value` as a YAML scalar: plain when that reads back the same, else double-quoted; a
    list in flow style (`[a, b]`), as pre-commit's own docs write additional_dependencies."""
    import json

    import yaml

    if isinstance(value, list):
        items = [
            json.dumps(v) if any(c in v for c in ",[]{}#&*!|>'\"%@`") else _scalar(v) for v in value
        ]
        return "[" + ", ".join(items) + "]"

    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        if yaml.safe_load(f"k: {value}") == {"k": value}:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value)


def _style(lines: list[str], start: int, end: int) -> tuple[int, int, int, int]:
    """(dash column, key column) of the repos items and, relative to `hooks:`, of hook items."""
    outer: tuple[int, int] | None = None
    inner: tuple[int, int] | None = None
    for i in range(start, end):
        item = _ITEM.match(lines[i])
        if outer is None and item:
            outer = (len(item.group(1)), len(item.group(1)) + 1 + len(item.group(2)))
        key = _HOOKS_KEY.match(lines[i])
        if inner is None and key:
            for follow in lines[i + 1 : end]:
                if not follow.strip() or follow.lstrip().startswith("#"):
                    continue
                hook = _ITEM.match(follow)
                if hook:
                    base = len(key.group(1))
                    dash = len(hook.group(1)) - base
                    inner = (dash, dash + 1 + len(hook.group(2)))
                break
    d = _DEFAULT_STYLE
    outer = outer or (d[0], d[1])
    inner = inner or (d[2], d[3])
    return (*outer, *inner)


def render(item: dict[str, Any], style: tuple[int, int, int, int]) -> list[str]:
    dash, key, hdash, hkey = style
    pad, hpad = " " * key, " " * (key + hkey)
    out: list[str] = []
    first = True
    for name, value in item.items():
        if name == "hooks":
            out.append(f"{pad}hooks:")
            for hook in value:
                lead = f"{' ' * (key + hdash)}-{' ' * (hkey - hdash - 1)}"
                for j, (hname, hvalue) in enumerate(hook.items()):
                    out.append(f"{lead if j == 0 else hpad}{hname}: {_scalar(hvalue)}")
            continue
        lead = f"{' ' * dash}-{' ' * (key - dash - 1)}" if first else pad
        out.append(f"{lead}{name}: {_scalar(value)}")
        first = False
    return out


def _configured(document: Any, source: str) -> set[str]:
    if document is None:
        return set()
    if not isinstance(document, dict):
        raise ConfigError(source, "(top level)", "expected a mapping with a `repos` list")
    repos = document.get("repos", [])
    if not isinstance(repos, list):
        raise ConfigError(source, "repos", "expected a list of repositories")
    ids: set[str] = set()
    for repo in repos:
        hooks = repo.get("hooks", []) if isinstance(repo, dict) else []
        ids.update(h["id"] for h in hooks if isinstance(h, dict) and isinstance(h.get("id"), str))
    return ids


def plan_install(
    *,
    path: Path,
    hook_ids: Sequence[str],
    repo: str | None = None,
    rev: str | None = None,
    local: bool = False,
    install: str | None = None,
) -> InstallPlan:
    import yaml

    unknown = [h for h in hook_ids if h not in HOOKS]
    if unknown:
        known = ", ".join(HOOKS)
        raise UsageError(f"--hook: unknown hook {unknown[0]!r} (expected one of {known})")
    _not_a_link(path)
    try:
        # Bytes, not read_text: universal newlines would turn a CRLF file into LF on write.
        text = path.read_bytes().decode("utf-8")
        created = False
    except FileNotFoundError:
        text, created = "", True
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None
    present = _configured(document, str(path))
    wanted = [h for h in hook_ids if h not in present]
    kept = tuple(h for h in hook_ids if h in present)
    if not wanted:
        return InstallPlan(path, text, (), kept, created)
    item = entry(wanted, repo=repo, rev=rev, local=local, install=install)

    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines()
    top = next((i for i, line in enumerate(lines) if _REPOS_KEY.match(line)), None)
    flow = next((i for i, line in enumerate(lines) if _REPOS_EMPTY_FLOW.match(line)), None)
    if top is None and flow is not None:
        lines[flow] = "repos:"
        top = flow
    if top is None:
        if isinstance(document, dict) and "repos" in document:
            raise UsageError(
                f"{path}: `repos` is not a plain block list; add this by hand:\n"
                + "\n".join(render(item, _DEFAULT_STYLE))
            )
        lines.append("repos:")
        top = len(lines) - 1
    end = next(
        (i for i in range(top + 1, len(lines)) if lines[i][:1] not in ("", " ", "-", "#", "\t")),
        len(lines),
    )
    # Insert after the list's last line; a column-0 comment just above the next key is its own.
    insert = top + 1
    for i in range(top + 1, end):
        if lines[i].strip() and not lines[i].startswith("#"):
            insert = i + 1
    new_lines = [*lines[:insert], *render(item, _style(lines, top + 1, end)), *lines[insert:]]
    new_text = newline.join(new_lines) + newline

    expected = copy.deepcopy(document) if isinstance(document, dict) else {}
    expected["repos"] = [*(expected.get("repos") or []), item]
    try:
        reread = yaml.safe_load(new_text)
    except yaml.YAMLError:
        reread = None
    if reread != expected:
        raise UsageError(
            f"{path}: cannot add the hooks without disturbing the file; add this by hand:\n"
            + "\n".join(render(item, _DEFAULT_STYLE))
        )
    return InstallPlan(path, new_text, tuple(wanted), kept, created)


def _not_a_link(path: Path) -> None:
    """Refuse a config that is a symlink: writing through it edits a file outside the
    repository, and replacing it drops the user's link."""
    if path.is_symlink():
        raise UsageError(
            f"{path} is a symlink (to {os.readlink(path)}); hygiene edits no file through a "
            "link nor replaces one: add the hooks to the file it points to by hand, or give it "
            "with --file"
        )


def write(plan: InstallPlan) -> None:
    """Write-then-rename, keeping the file's owner and mode: a crash leaves the old file whole.
    The temporary file is a new name made exclusively (never a symlink or file already there,
    which a repository can carry), and the config is never written through a link."""
    import secrets
    import stat

    if not plan.added:
        return
    _not_a_link(plan.path)
    old = None if plan.created else os.lstat(plan.path)
    tmp = plan.path.with_name(f"{plan.path.name}.{secrets.token_hex(6)}.hygiene-tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(plan.text.encode("utf-8"))
            if old is not None:
                os.fchmod(handle.fileno(), stat.S_IMODE(old.st_mode))
                if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
                    # Root editing a user's file: it stays theirs (else the owner can't).
                    with contextlib.suppress(PermissionError):
                        os.fchown(handle.fileno(), old.st_uid, old.st_gid)
        os.replace(tmp, plan.path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
