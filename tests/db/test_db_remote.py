"""The remote-host guard judges every host the driver will use (issue 15, item 3).

The address used for "remote" is this machine's own non-loopback address, with a listening
socket on it: had hygiene connected, the socket would hold the connection. Its backlog is
read after the refusal, so "no connection was attempted" is checked, not timed.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def _non_loopback_ipv4() -> str | None:
    try:
        out = subprocess.run(
            ["ip", "-4", "-o", "addr"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    for line in out.splitlines():
        address = line.split()[3].split("/")[0]
        if not address.startswith("127."):
            return address
    return None


@pytest.fixture
def listener() -> Iterator[tuple[str, int, socket.socket]]:
    """A TCP listener on a non-loopback address of this machine: (address, port, socket)."""
    address = _non_loopback_ipv4()
    if address is None:
        pytest.skip("no non-loopback IPv4 address here to listen on")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((address, 0))
    sock.listen(8)
    sock.setblocking(False)
    yield address, sock.getsockname()[1], sock
    sock.close()


def _no_connection(sock: socket.socket) -> None:
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return
    conn.close()
    raise AssertionError("hygiene connected to the remote address")


def _refused(cli: Any, url: str, address: str) -> None:
    result = cli("db", "inspect", url)
    assert result.code == 2, result.err
    assert "not local" in result.err, result.err
    assert address in result.err, result.err
    assert "--allow-remote" in result.err
    assert len(result.err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "form",
    [
        "postgresql://postgres@127.0.0.1:{port}/x?hostaddr={ip}",
        "postgresql://postgres@localhost:{port}/x?host={ip}",
        "postgresql://postgres@/x?host=127.0.0.1,{ip}&port={port},{port}",
        "postgresql://postgres@/x?host=localhost:{port}&host={ip}:{port}",
        "postgresql://postgres@127.0.0.1:{port}/x?hostaddr=127.0.0.1,{ip}&host=a,b",
        "postgresql+psycopg://postgres@127.0.0.1:{port}/x?hostaddr={ip}",
        "mysql://root@127.0.0.1:{port}/x?host={ip}",
        "mariadb://root@localhost:{port}/x?host={ip}",
        "mysql+pymysql://root@127.0.0.1:{port}/x?host={ip}",
    ],
)
def test_query_parameters_cannot_bypass_the_guard(
    cli: Any, listener: tuple[str, int, socket.socket], form: str
) -> None:
    ip, port, sock = listener
    _refused(cli, form.format(ip=ip, port=port), ip)
    _no_connection(sock)


@pytest.mark.parametrize("variable", ["PGHOSTADDR", "PGHOST"])
def test_libpq_environment_is_judged(
    cli: Any,
    listener: tuple[str, int, socket.socket],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    """PGHOSTADDR applies even when the URL names a host (libpq connects to hostaddr);
    PGHOST applies when the URL names none."""
    ip, port, sock = listener
    monkeypatch.setenv(variable, ip)
    monkeypatch.setenv("PGPORT", str(port))
    url = (
        "postgresql://postgres@/x" if variable == "PGHOST" else "postgresql://postgres@127.0.0.1/x"
    )
    _refused(cli, url, ip)
    _no_connection(sock)


@pytest.mark.parametrize("how", ["query", "PGSERVICE", "home"])
@pytest.mark.parametrize("key", ["host", "hostaddr"])
def test_libpq_service_file_is_judged(
    cli: Any,
    listener: tuple[str, int, socket.socket],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    how: str,
    key: str,
) -> None:
    ip, port, sock = listener
    entry = f"[prod]\n{key}={ip}\nport={port}\n"
    if how == "home":
        home = tmp_path / "home"
        home.mkdir()
        (home / ".pg_service.conf").write_text(entry, encoding="utf-8")
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.delenv("PGSERVICEFILE", raising=False)
    else:
        service_file = tmp_path / "pg_service.conf"
        service_file.write_text(entry, encoding="utf-8")
        monkeypatch.setenv("PGSERVICEFILE", str(service_file))
    if how == "PGSERVICE":
        monkeypatch.setenv("PGSERVICE", "prod")
        url = "postgresql://postgres@/x" if key == "host" else "postgresql://postgres@localhost/x"
    else:
        url = "postgresql://postgres@/x?service=prod"
    _refused(cli, url, ip)
    _no_connection(sock)


def test_mysql_option_file_is_judged(
    cli: Any, listener: tuple[str, int, socket.socket], tmp_path: Path
) -> None:
    """PyMySQL reads `host` from `read_default_file` when the URL names none."""
    ip, port, sock = listener
    option_file = tmp_path / "my.cnf"
    option_file.write_text(f"[client]\nhost={ip}\nport={port}\n", encoding="utf-8")
    _refused(cli, f"mysql://root@/x?read_default_file={option_file}", ip)
    _no_connection(sock)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@[::ffff:127.0.0.1]/x",
        "postgresql://postgres@127.0.0.1/x?hostaddr=127.0.0.1",
        "postgresql://postgres@/x?host=/var/run/postgresql",
        "postgresql://postgres@/x?host=localhost,127.0.0.2,::1",
        "mysql://root@[::ffff:127.0.0.1]/x",
        "mysql://root@/x?unix_socket=/run/mysqld/mysqld.sock",
        # PyMySQL uses the socket whenever one is given, whatever the host says.
        "mysql://root@10.1.2.3/x?unix_socket=/run/mysqld/mysqld.sock",
    ],
)
def test_local_forms_are_accepted(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from hygiene.db.url import parse_target

    for variable in ("PGHOST", "PGHOSTADDR", "PGSERVICE", "PGSERVICEFILE"):
        monkeypatch.delenv(variable, raising=False)
    assert parse_target(url).engine in ("postgresql", "mysql")


def test_the_guard_runs_before_any_engine_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    """`parse_target` refuses on its own: it is what every db command calls first, and it
    builds no engine (open_engine is only ever given the Target it returns)."""
    from hygiene.db.url import parse_target
    from hygiene.errors import UsageError

    monkeypatch.setenv("PGHOSTADDR", "10.1.2.3")
    with pytest.raises(UsageError, match=r"10\.1\.2\.3"):
        parse_target("postgresql://postgres@127.0.0.1/x")
    assert parse_target("postgresql://postgres@127.0.0.1/x", allow_remote=True).engine


@pytest.mark.postgres
def test_a_local_postgres_url_still_connects(cli: Any, postgres_url: str) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url).update_query_dict({"hostaddr": "127.0.0.1"})
    result = cli("db", "inspect", url.render_as_string(hide_password=False))
    assert result.code == 0, result.err


@pytest.mark.mysql
def test_a_local_mysql_url_still_connects(cli: Any, mysql_url: str) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(mysql_url).update_query_dict({"host": "127.0.0.1"})
    result = cli("db", "inspect", url.render_as_string(hide_password=False))
    assert result.code == 0, result.err
