"""`hygiene hook install`: add the hooks to `.pre-commit-config.yaml`, disturbing nothing else.

Text editing, not a YAML round trip: a dump re-indents the whole file and loses comments in
places (pre-commit's own `autoupdate` edits `rev:` lines as text for the same reason). The new
entry goes at the end of the `repos:` list, indented the way the file already indents its
entries. The edit is then checked: the new text must parse to the old document plus the new
entry, or nothing is written and the block to paste is shown instead.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hygiene.errors import ConfigError, UsageError
from hygiene.hooks import HOOKS, OPTIONS

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
    """The `repos:` item to add: a pinned repository (`--repo/--rev`), the installed hygiene
    (`--local`: `language: system`), or by default hygiene installed by pre-commit into its own
    environment (`language: python` with our pinned distribution), so a commit from a shell
    without the venv on PATH still finds it (issue 17)."""
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


def write(plan: InstallPlan) -> None:
    """Write-then-rename, keeping the file's permissions: a crash leaves the old file whole."""
    if not plan.added:
        return
    tmp = plan.path.with_name(plan.path.name + ".hygiene-tmp")
    tmp.write_text(plan.text, encoding="utf-8", newline="")
    if not plan.created:
        shutil.copymode(plan.path, tmp)
    os.replace(tmp, plan.path)
