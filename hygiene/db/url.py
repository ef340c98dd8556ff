"""TARGET: a SQLAlchemy URL or a SQLite path, checked to be local and masked for printing.

Issue 6, safety: `hygiene db` is for dev databases, so a URL whose host is not localhost,
127.0.0.0/8, ::1 or a Unix socket is refused unless `--allow-remote`: a `.env` pointing at
production must not get its sessions table emptied. Credentials never reach output: every
message uses `Target.masked`.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path

from hygiene.errors import UsageError
from hygiene.paths import display

# Plain scheme -> the driver hygiene ships with (psycopg v3 and PyMySQL are dependencies).
_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}
_ENGINES = {"sqlite": "sqlite", "postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql"}
_PASSWORD_RE = re.compile(r"(://[^:/@]*:)[^/?#]*@")


@dataclass(frozen=True)
class Target:
    url: str  # with credentials: never print it
    masked: str
    engine: str  # "sqlite" | "postgresql" | "mysql"
    path: Path | None = None  # the SQLite file
    database: str = ""  # the database name, or the SQLite file's stem (names archive folders)


def mask(text: str) -> str:
    """`postgresql://u:secret@h/db` -> `postgresql://u:***@h/db`, for text that may not parse."""
    return _PASSWORD_RE.sub(r"\1***@", text)


def is_local_host(host: str | None) -> bool:
    if not host or host.startswith("/"):
        return True  # no host: the default Unix socket; a path: an explicit socket
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def sqlite_target(path: Path) -> Target:
    path = path.absolute()
    return Target(
        url=f"sqlite:///{path}",
        masked=display(path),
        engine="sqlite",
        path=path,
        database=path.stem,
    )


def parse_url(text: str, *, allow_remote: bool) -> Target:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise UsageError(f"TARGET {mask(text)!r}: not a database URL or an existing path") from None
    backend = url.get_backend_name()
    if backend not in _ENGINES:
        raise UsageError(
            f"TARGET {url.render_as_string(hide_password=True)!r}: unsupported database "
            f"{backend!r} (expected sqlite, postgresql, mysql or mariadb)"
        )
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise UsageError("TARGET: a SQLite URL needs a file path (sqlite:///path/to/app.db)")
        return sqlite_file(Path(url.database))
    if "+" not in url.drivername:
        url = url.set(drivername=_DRIVERS[backend])
    masked = url.render_as_string(hide_password=True)
    socket = url.query.get("host") or url.query.get("unix_socket")
    host = url.host or (socket if isinstance(socket, str) else None)
    if not allow_remote and not is_local_host(host):
        raise UsageError(
            f"TARGET {masked}: host {host!r} is not local (localhost, 127.0.0.0/8, ::1 or a "
            "Unix socket); hygiene db is for dev databases; pass --allow-remote if you mean it"
        )
    return Target(
        url=url.render_as_string(hide_password=False),
        masked=masked,
        engine=_ENGINES[backend],
        database=url.database or "",
    )


def sqlite_file(path: Path) -> Target:
    if not path.exists():
        raise UsageError(f"TARGET {display(path)!r}: no such file")
    if not path.is_file():
        raise UsageError(f"TARGET {display(path)!r}: expected a SQLite file")
    from hygiene.db.sqlite import is_sqlite_file

    if not is_sqlite_file(path):
        raise UsageError(f"TARGET {display(path)!r}: not a SQLite database (no SQLite header)")
    return sqlite_target(path)


def parse_target(text: str, *, allow_remote: bool = False) -> Target:
    """One database: a URL, or a path to a SQLite file. Raises UsageError (exit 2)."""
    if "://" in text:
        return parse_url(text, allow_remote=allow_remote)
    path = Path(os.path.expanduser(text))
    if path.is_dir():
        raise UsageError(
            f"TARGET {display(path)!r} is a folder; this command needs one database "
            "(hygiene db inspect FOLDER lists the SQLite databases in it)"
        )
    return sqlite_file(path)


def expand_targets(text: str, *, allow_remote: bool = False) -> list[Target]:
    """Like `parse_target`, but a folder means every SQLite database found under it."""
    if "://" not in text:
        path = Path(os.path.expanduser(text))
        if path.is_dir():
            from hygiene.db.sqlite import find_sqlite_files

            return [sqlite_target(p) for p in find_sqlite_files(path)]
    return [parse_target(text, allow_remote=allow_remote)]
