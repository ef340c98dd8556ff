"""Configuration: `hygiene.toml`, `[tool.hygiene]` in `pyproject.toml`, a user file, `--config`.

Precedence, stated once: command-line flag > project file > user file > defaults. The project
file is `--config PATH` when given, else `hygiene.toml` in the root, else `[tool.hygiene]` in the
root's `pyproject.toml`. Scalars from a higher layer replace lower ones; `protect` lists add up
(protection is never taken away by another file); `[[db.rules]]` and `[[jobs]]` add up, a project
entry replacing a user entry of the same name. Every value remembers where it came from.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hygiene.config.settings import Table
from hygiene.db.settings import DbSettings, merge_db, parse_db
from hygiene.errors import UsageError
from hygiene.paths import user_config_file

if TYPE_CHECKING:
    # Imported where a file has jobs: the schedule's settings pull in zoneinfo and the cron
    # parser, which every other command's start-up would pay for.
    from hygiene.schedule.settings import JobSpec, NotifySettings

DEFAULT_LARGE = 50_000_000
DEFAULT_MIN_AGE = 3600.0
DEFAULT_RETENTION = 7 * 86400.0


@dataclass(frozen=True)
class Config:
    protect: tuple[str, ...] = ()
    large: int = DEFAULT_LARGE
    cross_mounts: bool = False
    min_age: float = DEFAULT_MIN_AGE
    quarantine_retention: float = DEFAULT_RETENTION
    db: DbSettings = field(default_factory=DbSettings)
    jobs: tuple[JobSpec, ...] = ()
    notify: NotifySettings | None = None
    # dotted key -> "default" | file path | "flag"; for `--verbose` and error messages.
    sources: Mapping[str, str] = field(default_factory=dict)
    project_file: Path | None = None

    def source_of(self, key: str) -> str:
        return self.sources.get(key, "default")

    def with_flags(self, **values: Any) -> Config:
        """Apply command-line values (None means "not given") on top of the files."""
        given = {k: v for k, v in values.items() if v is not None}
        sources = dict(self.sources)
        sources.update(dict.fromkeys(given, "flag"))
        return replace(self, sources=sources, **given)


_SCALARS = ("large", "cross_mounts", "min_age", "quarantine_retention")


def _parse(data: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Validate one file into the typed values it sets (absent keys are left out)."""
    top = Table(data, source)
    top.expect("protect", *_SCALARS, "db", "jobs", "notify")
    values: dict[str, Any] = {}
    if top.has("protect"):
        values["protect"] = top.string_list("protect")
    if top.has("large"):
        values["large"] = top.size("large", DEFAULT_LARGE)
    if top.has("cross_mounts"):
        values["cross_mounts"] = top.boolean("cross_mounts", False)
    if top.has("min_age"):
        values["min_age"] = top.duration("min_age", DEFAULT_MIN_AGE)
    if top.has("quarantine_retention"):
        values["quarantine_retention"] = top.duration("quarantine_retention", DEFAULT_RETENTION)
    db = top.table("db")
    if db is not None:
        values["db"] = parse_db(db)
    if top.has("jobs"):
        from hygiene.schedule.settings import parse_jobs

        values["jobs"] = parse_jobs(top.tables("jobs"))
    notify = top.table("notify")
    if notify is not None:
        from hygiene.schedule.settings import parse_notify

        values["notify"] = parse_notify(notify)
    top.done()
    return values


def _read_toml(path: Path) -> dict[str, Any]:
    # Imported here: most scans read no config file, and the parser costs ~3 ms of start-up.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
            return data
    except FileNotFoundError:
        raise UsageError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: expected a TOML file, found a folder") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        # A database or any binary file given by mistake (issue 18, item 8).
        raise UsageError(f"{path}: not a TOML file (it is not UTF-8 text)") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None


def _project_layer(root: Path | None, explicit: Path | None) -> tuple[Path | None, dict[str, Any]]:
    if explicit is not None:
        data = _read_toml(explicit)
        if explicit.name == "pyproject.toml":
            data = data.get("tool", {}).get("hygiene", {})
            return explicit, _parse(data, f"{explicit} [tool.hygiene]")
        return explicit, _parse(data, str(explicit))
    if root is None:
        return None, {}
    candidate = root / "hygiene.toml"
    if candidate.is_file():
        return candidate, _parse(_read_toml(candidate), str(candidate))
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        tool = _read_toml(pyproject).get("tool", {})
        section = tool.get("hygiene") if isinstance(tool, dict) else None
        if isinstance(section, dict):
            return pyproject, _parse(section, f"{pyproject} [tool.hygiene]")
    return None, {}


def load_config(root: Path | None = None, explicit: Path | None = None) -> Config:
    """Read and validate every layer; raise `ConfigError` (exit 2) on the first bad value."""
    layers: list[tuple[str, dict[str, Any]]] = []
    user = user_config_file()
    if user.is_file():
        layers.append((str(user), _parse(_read_toml(user), str(user))))
    project_file, project = _project_layer(root, explicit)
    if project_file is not None:
        layers.append((str(project_file), project))

    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for source, values in layers:
        for key, value in values.items():
            if key == "protect":
                merged[key] = (*merged.get(key, ()), *value)
            elif key == "db":
                merged[key] = merge_db(merged.get(key), value)
            elif key == "jobs":
                from hygiene.schedule.settings import merge_jobs

                merged[key] = merge_jobs(merged.get(key, ()), value)
            else:
                merged[key] = value
            sources[key] = source
    return Config(**merged, sources=sources, project_file=project_file)
