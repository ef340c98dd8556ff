"""Machine-wide caches (`hygiene scan --system`): the tools' own stores.

Each cache is found where its tool puts it, honouring the tool's own variable first, then the
XDG variables, then the default under the home folder. Each comes with the tool's own clean
command: these stores have layouts and locks of their own, so hygiene never deletes inside them.
Also the disk usage of every filesystem the roots live on (psutil).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from hygiene.detectors import DetectContext, Detected
from hygiene.units import percent_used


@dataclass(frozen=True)
class SystemCache:
    kind: ClassVar[str] = "system-cache"
    path: str
    bytes: int
    disk_bytes: int
    tool: str
    files: int
    newest_mtime: float
    recreate: str  # the tool's own clean command


@dataclass(frozen=True)
class Filesystem:
    mountpoint: str
    roots: tuple[str, ...]
    total: int
    used: int
    free: int
    percent: float


Env = Mapping[str, str]


def _xdg_cache(env: Env, home: Path) -> Path:
    if sys.platform == "darwin":
        return Path(env.get("XDG_CACHE_HOME") or home / "Library" / "Caches")
    return Path(env.get("XDG_CACHE_HOME") or home / ".cache")


def _xdg_data(env: Env, home: Path) -> Path:
    return Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")


def _cargo(env: Env, home: Path) -> Path:
    return Path(env.get("CARGO_HOME") or home / ".cargo")


def _gopath(env: Env, home: Path) -> Path:
    return Path((env.get("GOPATH") or str(home / "go")).split(os.pathsep)[0])


def _hf_hub(env: Env, home: Path) -> Path:
    if env.get("HF_HUB_CACHE"):
        return Path(env["HF_HUB_CACHE"])
    if env.get("HF_HOME"):
        return Path(env["HF_HOME"]) / "hub"
    return _xdg_cache(env, home) / "huggingface" / "hub"


Locate = Callable[[Env, Path], Path]


@dataclass(frozen=True)
class KnownCache:
    tool: str
    locate: Locate
    recreate: str


# Variables these locations read, so tests (and users) know what moves them.
VARIABLES = (
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
    "PIP_CACHE_DIR",
    "UV_CACHE_DIR",
    "POETRY_CACHE_DIR",
    "PIPX_HOME",
    "npm_config_cache",
    "YARN_CACHE_FOLDER",
    "PNPM_HOME",
    "CARGO_HOME",
    "GOCACHE",
    "GOMODCACHE",
    "GOPATH",
    "GRADLE_USER_HOME",
    "PRE_COMMIT_HOME",
    "HF_HOME",
    "HF_HUB_CACHE",
    "PLAYWRIGHT_BROWSERS_PATH",
)

KNOWN: tuple[KnownCache, ...] = (
    KnownCache(
        "pip",
        lambda e, h: Path(e.get("PIP_CACHE_DIR") or _xdg_cache(e, h) / "pip"),
        "pip cache purge",
    ),
    KnownCache(
        "uv", lambda e, h: Path(e.get("UV_CACHE_DIR") or _xdg_cache(e, h) / "uv"), "uv cache clean"
    ),
    KnownCache(
        "poetry",
        lambda e, h: Path(e.get("POETRY_CACHE_DIR") or _xdg_cache(e, h) / "pypoetry"),
        "poetry cache clear --all PyPI",
    ),
    KnownCache(
        "pipx",
        lambda e, h: (
            (Path(e["PIPX_HOME"]) / ".cache") if e.get("PIPX_HOME") else _xdg_cache(e, h) / "pipx"
        ),
        "pipx reinstall-all (its cache is rebuilt on the next pipx run)",
    ),
    KnownCache(
        "npm",
        lambda e, h: Path(e.get("npm_config_cache") or h / ".npm") / "_cacache",
        "npm cache clean --force",
    ),
    KnownCache(
        "yarn",
        lambda e, h: Path(e.get("YARN_CACHE_FOLDER") or _xdg_cache(e, h) / "yarn"),
        "yarn cache clean",
    ),
    KnownCache("pnpm", lambda e, h: _xdg_data(e, h) / "pnpm" / "store", "pnpm store prune"),
    KnownCache(
        "cargo registry",
        lambda e, h: _cargo(e, h) / "registry",
        "cargo cache --autoclean (cargo install cargo-cache)",
    ),
    KnownCache(
        "cargo git checkouts",
        lambda e, h: _cargo(e, h) / "git",
        "cargo cache --autoclean (cargo install cargo-cache)",
    ),
    KnownCache(
        "go build",
        lambda e, h: Path(e.get("GOCACHE") or _xdg_cache(e, h) / "go-build"),
        "go clean -cache",
    ),
    KnownCache(
        "go modules",
        lambda e, h: Path(e.get("GOMODCACHE") or _gopath(e, h) / "pkg" / "mod"),
        "go clean -modcache",
    ),
    KnownCache(
        "gradle",
        lambda e, h: Path(e.get("GRADLE_USER_HOME") or h / ".gradle") / "caches",
        "gradle --stop, then delete it; the next build downloads again",
    ),
    KnownCache(
        "maven",
        lambda e, h: h / ".m2" / "repository",
        "mvn dependency:purge-local-repository",
    ),
    KnownCache(
        "pre-commit",
        lambda e, h: Path(e.get("PRE_COMMIT_HOME") or _xdg_cache(e, h) / "pre-commit"),
        "pre-commit clean",
    ),
    KnownCache("hugging face", _hf_hub, "hf cache delete (huggingface-cli delete-cache)"),
    KnownCache(
        "playwright",
        lambda e, h: Path(e.get("PLAYWRIGHT_BROWSERS_PATH") or _xdg_cache(e, h) / "ms-playwright"),
        "npx playwright uninstall --all",
    ),
    KnownCache("docker buildx", lambda e, h: h / ".docker" / "buildx", "docker buildx prune"),
    KnownCache(
        "docker build cache",
        lambda e, h: Path("/var/lib/docker/buildkit"),
        "docker builder prune",
    ),
)


def _measure(path: Path) -> tuple[int, int, int, float] | None:
    """Bytes, disk bytes, files and newest mtime; None if absent or unreadable."""
    size = disk = files = 0
    newest = 0.0
    seen: set[tuple[int, int]] = set()
    try:
        os.lstat(path)
    except OSError:
        return None
    for dirpath, _dirs, names in os.walk(path):
        for name in names:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if st.st_nlink > 1:
                if (st.st_dev, st.st_ino) in seen:
                    continue
                seen.add((st.st_dev, st.st_ino))
            files += 1
            size += st.st_size
            disk += st.st_blocks * 512
            newest = max(newest, st.st_mtime)
    return size, disk, files, newest


def system_caches(env: Env, home: Path) -> list[SystemCache]:
    found: list[SystemCache] = []
    places: set[str] = set()
    for known in KNOWN:
        path = known.locate(env, home)
        key = os.path.realpath(path)
        if key in places or not os.path.isdir(path) or not os.access(path, os.R_OK | os.X_OK):
            continue
        places.add(key)
        measured = _measure(path)
        if measured is None:
            continue
        size, disk, files, newest = measured
        found.append(SystemCache(str(path), size, disk, known.tool, files, newest, known.recreate))
    found.sort(key=lambda c: (-c.bytes, c.tool))
    return found


def _mountpoint(path: str) -> str:
    current = os.path.realpath(path)
    while not os.path.ismount(current):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return current


def filesystems(roots: tuple[str, ...]) -> list[Filesystem]:
    import psutil

    by_mount: dict[str, list[str]] = {}
    for root in roots:
        by_mount.setdefault(_mountpoint(root), []).append(root)
    out: list[Filesystem] = []
    for mount, under in sorted(by_mount.items()):
        usage = psutil.disk_usage(mount)
        # df's definition, the one every hygiene report uses (issue 18, item 9).
        percent = float(percent_used(usage.used, usage.free))
        out.append(Filesystem(mount, tuple(under), usage.total, usage.used, usage.free, percent))
    return out


def detect(ctx: DetectContext) -> Detected:
    home = Path(os.environ.get("HOME") or Path.home())
    caches = system_caches(os.environ, home)
    return Detected(findings=tuple(caches), extra={"filesystems": filesystems(ctx.roots)})
