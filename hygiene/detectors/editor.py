"""Editor excludes: big artifact folders VS Code would still watch or search.

Only for repositories that have a `.vscode/settings.json` (they chose to configure VS Code; we do
not create one). VS Code's own defaults count, as of VS Code 1.9x:
- `files.watcherExclude` covers only VCS internals; ignore files do not stop the watcher;
- search skips `search.exclude` (`node_modules`, `bower_components`) and `files.exclude`, and
  with `search.useIgnoreFiles` (default on) what `.gitignore` files exclude; the global excludes
  file only with `search.useGlobalIgnoreFiles` (default off), so git is asked with and without.
The user's own settings count too (VS Code, Insiders and VSCodium, issue 18 item 10), merged as
VS Code merges object settings: defaults, then the user's, then the workspace's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from hygiene.detectors import DetectContext, Detected, rule_by_id
from hygiene.detectors.ignore_gaps import ignored_paths
from hygiene.fix.jsonc import JsoncError, loads
from hygiene.git.repo import GitError
from hygiene.model import Artifact, ScanIssue
from hygiene.paths import read_control_file

SETTINGS = os.path.join(".vscode", "settings.json")
# Products whose user settings count: each one a user may run on these repositories.
USER_PRODUCTS = ("Code", "Code - Insiders", "VSCodium")
WATCHER_KEY = "files.watcherExclude"
SEARCH_KEY = "search.exclude"
# Big enough to slow a watcher or a search: either many files or many bytes.
MIN_FILES = 1000
MIN_BYTES = 10_000_000

DEFAULT_WATCHER_EXCLUDE = ("**/.git/objects/**", "**/.git/subtree-cache/**", "**/.hg/store/**")
DEFAULT_FILES_EXCLUDE = ("**/.git", "**/.svn", "**/.hg", "**/CVS", "**/.DS_Store", "**/Thumbs.db")
DEFAULT_SEARCH_EXCLUDE = ("**/node_modules", "**/bower_components", "**/*.code-search")


@dataclass(frozen=True)
class EditorExclude:
    kind: ClassVar[str] = "editor-exclude"
    path: str
    bytes: int
    disk_bytes: int
    repo: str
    rel: str
    files: int
    settings: str
    # The entries to add (each with the value `true`), or None when already excluded there.
    watcher_exclude: str | None
    search_exclude: str | None


def glob_regex(pattern: str) -> re.Pattern[str]:
    """VS Code's glob syntax (`**`, `*`, `?`, `{a,b}`, `[...]`) as a regex on "/" paths."""
    out: list[str] = []
    i, n = 0, len(pattern)
    depth = 0
    while i < n:
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == n:
            out.append("(?:/.*)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            ch = pattern[i]
            i += 1
            if ch == "*":
                out.append("[^/]*")
            elif ch == "?":
                out.append("[^/]")
            elif ch == "{":
                depth += 1
                out.append("(?:")
            elif ch == "}" and depth:
                depth -= 1
                out.append(")")
            elif ch == "," and depth:
                out.append("|")
            elif ch == "[":
                end = pattern.find("]", i)
                if end < 0:
                    out.append(re.escape(ch))
                else:
                    out.append(f"[{pattern[i:end]}]")
                    i = end + 1
            else:
                out.append(re.escape(ch))
    return re.compile("".join(out) + r"\Z")


def _enabled(table: Any) -> list[str]:
    if not isinstance(table, Mapping):
        return []
    return [k for k, v in table.items() if v is True]


def covered(patterns: Iterable[str], rel: str) -> bool:
    """True if a pattern matches the folder, a folder above it, or everything inside it."""
    probes = [rel, f"{rel}/x"]
    parts = rel.split("/")
    probes.extend("/".join(parts[:i]) for i in range(1, len(parts)))
    regexes = [glob_regex(p.lstrip("./")) for p in patterns]
    return any(r.match(p) for r in regexes for p in probes)


def entries_for(artifact: Artifact, rel: str) -> tuple[str, str]:
    """(watcher entry, search entry): by name when the name proves itself, else anchored."""
    rule = rule_by_id(artifact.rule)
    name = rel.rsplit("/", 1)[-1]
    if rule.names and not rule.beside and not rule.inside:
        return f"**/{name}/**", f"**/{name}"
    return f"{rel}/**", rel


def _read_settings(path: str) -> Mapping[str, Any]:
    # utf-8-sig: VS Code keeps a byte order mark it finds; the file is still its settings.
    settings = loads(read_control_file(path).decode("utf-8-sig"))
    if not isinstance(settings, Mapping):
        raise JsoncError("expected an object at the top")
    return settings


def user_settings_paths() -> list[str]:
    """The user-level settings.json of VS Code, VS Code Insiders and VSCodium (issue 18, item
    10), where platformdirs puts each product's config folder ($XDG_CONFIG_HOME/Code on Linux,
    ~/Library/Application Support/Code on macOS, %APPDATA%\\Code on Windows)."""
    import platformdirs

    return [
        os.path.join(
            platformdirs.user_config_dir(product, appauthor=False), "User", "settings.json"
        )
        for product in USER_PRODUCTS
    ]


def user_settings() -> list[Mapping[str, Any]]:
    """Every product's user settings that exist and read; an unreadable one counts as absent
    (it is the user's, not the repository's, so it is no scan error)."""
    found = []
    for path in user_settings_paths():
        try:
            found.append(_read_settings(path))
        except (OSError, UnicodeDecodeError, JsoncError):
            continue
    return found


def _merged(key: str, defaults: Iterable[str], layers: list[Mapping[str, Any]]) -> list[str]:
    """VS Code merges object settings: defaults, then the user's, then the workspace's, a later
    layer's `false` turning an earlier `true` off."""
    table: dict[str, Any] = dict.fromkeys(defaults, True)
    for layer in layers:
        value = layer.get(key)
        if isinstance(value, Mapping):
            table.update(value)
    return _enabled(table)


def excludes_for_repo(
    repo: str, artifacts: list[Artifact], user: list[Mapping[str, Any]] | None = None
) -> list[EditorExclude]:
    settings_path = os.path.join(repo, SETTINGS)
    workspace = _read_settings(settings_path)
    layers = [*(user_settings() if user is None else user), workspace]
    watcher = _merged(WATCHER_KEY, DEFAULT_WATCHER_EXCLUDE, layers)
    search = [
        *_merged(SEARCH_KEY, DEFAULT_SEARCH_EXCLUDE, layers),
        *_merged("files.exclude", DEFAULT_FILES_EXCLUDE, layers),
    ]
    settings: dict[str, Any] = {}
    for layer in layers:
        settings.update(layer)
    big = [a for a in artifacts if a.folder and (a.files >= MIN_FILES or a.bytes >= MIN_BYTES)]
    rels = {a.path: os.path.relpath(a.path, repo).replace(os.sep, "/") for a in big}
    ignored: set[str] = set()
    if settings.get("search.useIgnoreFiles", True) is not False:
        glob = settings.get("search.useGlobalIgnoreFiles", False) is True
        # Without the global excludes file unless search is told to use it.
        args = () if glob else ("-c", f"core.excludesFile={os.devnull}")
        ignored = ignored_paths(repo, list(rels.values()), git_args=args)
    found: list[EditorExclude] = []
    for artifact in big:
        rel = rels[artifact.path]
        watch_entry, search_entry = entries_for(artifact, rel)
        watched = not covered(watcher, rel)
        searched = rel not in ignored and not covered(search, rel)
        if watched or searched:
            found.append(
                EditorExclude(
                    path=artifact.path,
                    bytes=artifact.bytes,
                    disk_bytes=artifact.disk_bytes,
                    repo=repo,
                    rel=rel,
                    files=artifact.files,
                    settings=settings_path,
                    watcher_exclude=watch_entry if watched else None,
                    search_exclude=search_entry if searched else None,
                )
            )
    return found


def _one(
    repo: str, artifacts: list[Artifact], user: list[Mapping[str, Any]]
) -> list[EditorExclude] | ScanIssue:
    try:
        return excludes_for_repo(repo, artifacts, user)
    except (OSError, UnicodeDecodeError) as exc:
        return ScanIssue(os.path.join(repo, SETTINGS), f"cannot read: {exc}")
    except JsoncError as exc:
        return ScanIssue(os.path.join(repo, SETTINGS), f"not valid JSON with comments: {exc}")
    except GitError as exc:
        return ScanIssue(repo, f"{exc}; its editor excludes are left out")


def detect(ctx: DetectContext) -> Detected:
    by_repo: dict[str, list[Artifact]] = {}
    for artifact in ctx.artifacts:
        if artifact.repo is not None:
            by_repo.setdefault(artifact.repo, []).append(artifact)
    findings: list[EditorExclude] = []
    errors: list[ScanIssue] = []
    user: list[Mapping[str, Any]] | None = None
    for repo in sorted(by_repo):
        if not os.path.isfile(os.path.join(repo, SETTINGS)):
            continue
        if user is None:
            user = user_settings()  # once per scan, and only when a repository needs it
        got = _one(repo, by_repo[repo], user)
        if isinstance(got, ScanIssue):
            errors.append(got)
        else:
            findings.extend(got)
    return Detected(findings=tuple(findings), errors=tuple(errors))
