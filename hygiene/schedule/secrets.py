"""`${NAME}` in a job's `run`, read when the job runs (issue 17).

A database URL with its password belongs in a secret store, not in hygiene.toml, an export or a
log. Each scheduler has its own store, and every export maps a job's variables to it: a
Kubernetes Secret, a GitHub `secrets.` reference, the Celery worker's environment, a systemd
`EnvironmentFile=`. Under cron and launchd (the tick) and for a run by hand, a variable missing
from the environment is read from `HYGIENE_HOME/secrets.env`: the same `NAME=value` file the
systemd units name in `EnvironmentFile=`, kept 0600 by its owner.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from hygiene.paths import hygiene_home
from hygiene.schedule.settings import ENV_REF_RE

SECRETS_NAME = "secrets.env"


def secrets_file() -> Path:
    return hygiene_home() / SECRETS_NAME


class MissingVariable(Exception):
    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        listed = ", ".join(self.names)
        super().__init__(
            f"environment variable {listed} is not set (set it where the scheduler runs "
            f"hygiene, or in {secrets_file()})"
        )


def read_env_file(path: Path) -> dict[str, str]:
    """`NAME=value` lines as systemd's EnvironmentFile= reads them (comments, `export`, quotes)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        line = line.removeprefix("export ").strip()
        name, sep, value = line.partition("=")
        if not sep:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def expand(run: Sequence[str], environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """`run` with every `${NAME}` replaced; MissingVariable names what is set nowhere."""
    env = os.environ if environ is None else environ
    needed = {name for arg in run for name in ENV_REF_RE.findall(arg)}
    if not needed:
        return tuple(run)
    values = {name: env[name] for name in needed if name in env}
    if len(values) < len(needed):
        from_file = read_env_file(secrets_file())
        values |= {name: from_file[name] for name in needed - set(values) if name in from_file}
    missing = sorted(needed - set(values))
    if missing:
        raise MissingVariable(missing)
    return tuple(ENV_REF_RE.sub(lambda m: values[m.group(1)], arg) for arg in run)
