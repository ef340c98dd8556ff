"""Where hygiene keeps its own state and looks for the user's config."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "hygiene"
# A quarantine store on another filesystem, made by the user (`hygiene/clean/quarantine.py`); the
# walker never enters one.
QUARANTINE_PREFIX = ".hygiene-quarantine-"


def hygiene_home() -> Path:
    """State (quarantine, audit log, run history): `$HYGIENE_HOME`, else the platform data dir."""
    override = os.environ.get("HYGIENE_HOME")
    if override:
        return Path(override).expanduser().absolute()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_config_file() -> Path:
    """`$HYGIENE_CONFIG_HOME/hygiene.toml` (for tests), else the platform config dir."""
    override = os.environ.get("HYGIENE_CONFIG_HOME")
    if override:
        return Path(override).expanduser() / "hygiene.toml"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "hygiene.toml"


def display(path: str | os.PathLike[str]) -> str:
    """A path safe to print: undecodable bytes (kept as surrogates by os) shown as U+FFFD."""
    return os.fspath(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
