"""TARGET: a SQLAlchemy URL or a SQLite path, checked to be local and masked for printing.

Safety: `hygiene db` is for dev databases, so a URL whose host is not localhost,
127.0.0.0/8, ::1 or a Unix socket is refused unless `--allow-remote`: a `.env` pointing at
production must not get its sessions table emptied.

The hosts judged are the ones the driver will use, read the driver's own way before
any engine exists: SQLAlchemy's dialect turns the URL into the driver's arguments (a `?host=`
overrides the URL's host), then libpq's defaults fill what they leave out (PGHOST,
PGHOSTADDR, a service from `service=` or PGSERVICE in PGSERVICEFILE or ~/.pg_service.conf),
and PyMySQL reads its option file and socket. Every host of a libpq list (`host=a,b`) and every
`hostaddr` must be local: libpq connects to `hostaddr` when it is given.

Credentials never reach output: `mask` is the one function every message, log, audit record,
crash log and schedule export passes a URL, conninfo or command line through.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hygiene.errors import UsageError
from hygiene.paths import display

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

# Plain scheme -> the driver hygiene ships with (psycopg v3 and PyMySQL are dependencies).
_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}
_ENGINES = {"sqlite": "sqlite", "postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql"}
# `password=...` in a URL query or a libpq conninfo (quoted: 'a b\'c', libpq's own quoting);
# PyMySQL also takes `passwd`, ODBC-style strings `pwd`.
# A key naming a password (`password=`, `PGPASSWORD=`, `MYSQL_PWD=`, `password:`, JSON's
# `"password": "..."`) and its value, quoted or up to a separator.
_KEY_PASSWORD_RE = re.compile(
    r"""(?i)(\b[\w.-]*(?:password|passwd|pwd)[\w.-]*["']?\s*[=:]\s*)"""
    r"""('(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|[^\s&#;,}]*)"""
)
_URL_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)(\S*)")
_MASK = "***"


def _mask_userinfo(match: re.Match[str]) -> str:
    """`user:secret@host...` -> `user:***@host...`.

    The userinfo ends at the last `@` (a password may hold `@`, `/`, `:` and `?`), unless that
    `@` sits in a query that follows an earlier `@`. Masking too much is harmless; libpq and
    SQLAlchemy disagree on where an unencoded `@` or `/` ends the password, so the widest
    reading wins."""
    scheme, rest = match.group(1), match.group(2)
    at = rest.rfind("@")
    if at < 0:
        return match.group(0)
    query = rest.find("?")
    if 0 <= query < at and "@" in rest[:query]:
        at = rest.rfind("@", 0, query)
    colon = rest.find(":", 0, at)
    if colon < 0:
        return match.group(0)
    return f"{scheme}{rest[:colon]}:{_MASK}{rest[at:]}"


def mask(text: str) -> str:
    """Any text with the passwords of the URLs and conninfo strings in it replaced by `***`.

    `postgresql://u:s@cr/t@h/db` -> `postgresql://u:***@h/db`; `...?password=s` ->
    `...?password=***`; `host=h password='s s'` -> `host=h password=***`. Text that does not
    parse as a URL (a port that is not a number) is masked all the same. Idempotent."""
    text = _KEY_PASSWORD_RE.sub(lambda m: m.group(1) + _MASK, text)
    return _URL_RE.sub(_mask_userinfo, text)


@dataclass(frozen=True)
class Target:
    url: str  # with credentials: never print it
    masked: str
    engine: str  # "sqlite" | "postgresql" | "mysql"
    path: Path | None = None  # the SQLite file
    database: str = ""  # the database name, or the SQLite file's stem (names archive folders)


def is_local_host(host: str | None) -> bool:
    if not host or host.startswith(("/", "@")):
        return True  # no host: the default Unix socket; a path (or Linux `@abstract`): a socket
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback  # ::ffff:127.0.0.1 is 127.0.0.1
    return address.is_loopback


def _libpq_defaults(explicit: dict[str, Any]) -> dict[str, str]:
    """What libpq fills in for the keys a conninfo leaves out: the service's entries, then the
    PG* environment, then its compiled defaults (PQconndefaults, read by libpq itself).

    PQconndefaults reads the service named by PGSERVICE from PGSERVICEFILE or
    ~/.pg_service.conf (and the system file); a conninfo's own `service`/`servicefile` are
    put there for the call, as libpq would read them
    (https://www.postgresql.org/docs/current/libpq-pgservice.html)."""
    from psycopg import pq

    overrides = {"PGSERVICE": explicit.get("service"), "PGSERVICEFILE": explicit.get("servicefile")}
    saved = {name: os.environ.get(name) for name in overrides}
    try:
        for name, value in overrides.items():
            if value:
                os.environ[name] = str(value)
        options = pq.Conninfo.get_defaults()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return {o.keyword.decode(): o.val.decode() for o in options if o.val is not None}


def _libpq_hosts(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(host, where it came from) for every host and hostaddr libpq will try."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    explicit = conninfo_to_dict(make_conninfo("", **params))
    defaults = _libpq_defaults(explicit)
    found: list[tuple[str, str]] = []
    for key, variable in (("host", "PGHOST"), ("hostaddr", "PGHOSTADDR")):
        value = explicit.get(key)
        where = f"the URL's {key}"
        if value is None or value == "":
            value = defaults.get(key, "")
            where = variable if os.environ.get(variable) == value else "the libpq service file"
        found.extend((item.strip(), where) for item in str(value or "").split(","))
    return found


def _pymysql_hosts(params: dict[str, Any]) -> list[tuple[str, str]]:
    """PyMySQL's own reading: its option file (`read_default_file`) fills a missing host or
    socket, and a socket, when there is one, is used whatever the host says."""
    import warnings

    from pymysql.connections import Connection

    with warnings.catch_warnings():  # its warnings (`passwd`) are the connection's to give
        warnings.simplefilter("ignore")
        reading = Connection(**params, defer_connect=True)
    socket = getattr(reading, "unix_socket", None)
    if socket:
        return [(str(socket), "the Unix socket")]
    host = getattr(reading, "host", None)
    if not isinstance(host, str):
        return [(repr(host), "the URL")]
    return [(host, "the URL" if "read_default_file" not in params else "the URL or option file")]


def driver_hosts(url: URL) -> list[tuple[str, str]]:
    """Every host the driver will connect to, read as the driver reads `url` (no connection)."""
    dialect = url.get_dialect()()
    _args, params = dialect.create_connect_args(url)
    if url.get_backend_name() == "postgresql":
        return _libpq_hosts(dict(params))
    return _pymysql_hosts(dict(params))


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
            f"TARGET {mask(url.render_as_string(hide_password=True))!r}: unsupported database "
            f"{backend!r} (expected sqlite, postgresql, mysql or mariadb)"
        )
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise UsageError("TARGET: a SQLite URL needs a file path (sqlite:///path/to/app.db)")
        return sqlite_file(Path(url.database))
    if "+" not in url.drivername:
        url = url.set(drivername=_DRIVERS[backend])
    masked = mask(url.render_as_string(hide_password=True))
    if not allow_remote:
        try:
            hosts = driver_hosts(url)
        except Exception as exc:  # the driver could not read its own arguments: nor connect
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise UsageError(
                f"TARGET {masked}: cannot read the connection parameters: {mask(first)}"
            ) from None
        for host, where in hosts:
            if "@" in host and not host.startswith("@"):
                # `user:pa@ss@host`: the driver would take `ss@host` for the host. Its first
                # part is part of the password, so it is neither printed nor guessed at.
                raise UsageError(
                    f"TARGET {masked}: the host from {where} holds an '@'; write an '@' in a "
                    "password as %40"
                )
            if not is_local_host(host):
                raise UsageError(
                    f"TARGET {masked}: host {mask(host)!r} from {where} is not local (localhost, "
                    "127.0.0.0/8, ::1 or a Unix socket); hygiene db is for dev databases; pass "
                    "--allow-remote if you mean it"
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
