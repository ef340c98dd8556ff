"""Dev databases: SQLite files found by header, read without being created, written or locked."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from hygiene.detectors.databases import Database, inspect
from hygiene.scan.engine import ScanRequest, scan


def make_db(path: Path, rows: int = 2000, *, wal: bool = False) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    conn.executemany("INSERT INTO t (body) VALUES (?)", [("x" * 200,)] * rows)
    conn.commit()
    return conn


def databases(root: Path) -> dict[str, Database]:
    result = scan(ScanRequest(roots=(root,), kinds=frozenset({"database"})))
    return {os.path.relpath(f.path, root): f for f in result.findings if isinstance(f, Database)}


def snapshot(root: Path) -> dict[str, tuple[int, float]]:
    return {
        os.path.relpath(os.path.join(d, n), root): (
            os.lstat(os.path.join(d, n)).st_size,
            os.lstat(os.path.join(d, n)).st_mtime,
        )
        for d, _, names in os.walk(root)
        for n in names
    }


def test_found_by_header_whatever_the_name_and_text_named_db_is_not(tmp_path: Path) -> None:
    make_db(tmp_path / "app" / "cache.data").close()
    (tmp_path / "notes.db").write_text("shopping list\n" * 512, encoding="utf-8")
    (tmp_path / "odd.bin").write_bytes(b"\1" * 4096)
    found = databases(tmp_path)
    assert set(found) == {os.path.join("app", "cache.data")}
    db = found[os.path.join("app", "cache.data")]
    assert db.engine == "sqlite"
    assert db.error is None
    assert db.page_size == 4096
    assert db.page_count * db.page_size == db.bytes  # type: ignore[operator]
    assert db.journal_mode == "rollback"


def test_scanning_creates_and_changes_nothing(tmp_path: Path) -> None:
    make_db(tmp_path / "dev.sqlite3").close()
    before = snapshot(tmp_path)
    assert databases(tmp_path)
    assert snapshot(tmp_path) == before  # no -journal, -wal or -shm appeared; nothing touched


def test_free_pages_are_exact_and_slack_is_counted(tmp_path: Path) -> None:
    path = tmp_path / "dev.db"
    conn = make_db(path, rows=6000)
    conn.execute("DELETE FROM t WHERE id > 4000")  # a tail: whole pages go to the freelist
    conn.execute("DELETE FROM t WHERE id % 2 = 0")  # scattered: pages stay, half empty
    conn.commit()
    conn.close()
    db = inspect(str(path))
    assert db is not None
    assert db.error is None
    check = sqlite3.connect(path)
    free = check.execute("PRAGMA freelist_count").fetchone()[0]
    check.close()
    assert free > 0
    assert db.freelist_count == free
    assert db.free_bytes == free * db.page_size  # type: ignore[operator]
    assert db.slack_measured
    assert db.reclaimable_bytes > db.free_bytes  # type: ignore[operator]
    # Compare with what VACUUM really gives back, on a copy.
    copy = tmp_path / "copy.db"
    shutil.copy(path, copy)
    size_before = copy.stat().st_size
    vac = sqlite3.connect(copy)
    vac.execute("VACUUM")
    vac.close()
    freed = size_before - copy.stat().st_size
    assert freed * 0.7 <= db.reclaimable_bytes <= freed * 1.1  # type: ignore[operator]


def test_a_wal_database_held_open_by_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "live.sqlite"
    writer = make_db(path, rows=500, wal=True)
    writer.execute("INSERT INTO t (body) VALUES ('fresh')")
    writer.commit()
    reader = sqlite3.connect(path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()  # an open read transaction too
    try:
        db = databases(tmp_path)["live.sqlite"]
        assert db.error is None
        assert db.journal_mode == "wal"
        wal = os.path.getsize(f"{path}-wal") + os.path.getsize(f"{path}-shm")
        assert db.bytes == path.stat().st_size + wal
        # The scan held no lock: the writer goes on.
        writer.execute("INSERT INTO t (body) VALUES ('after the scan')")
        writer.commit()
    finally:
        reader.rollback()
        reader.close()
        writer.close()


def test_corrupt_and_encrypted_files_are_error_entries(tmp_path: Path) -> None:
    good = tmp_path / "broken.sqlite"
    make_db(good).close()
    data = bytearray(good.read_bytes())
    data[100:4096] = os.urandom(3996)  # the schema page: the header survives, the rest is noise
    good.write_bytes(bytes(data))
    (tmp_path / "vault.db").write_bytes(os.urandom(8192))  # what SQLCipher leaves: no header
    found = databases(tmp_path)
    assert set(found) == {"broken.sqlite", "vault.db"}
    assert found["broken.sqlite"].error is not None
    assert found["vault.db"].error is not None
    assert "encrypted" in found["vault.db"].error
    assert found["vault.db"].bytes == 8192


def test_databases_inside_precious_folders_are_found(make_repo) -> None:
    repo = make_repo()
    repo.write("app.py", "app = 1\n")
    make_db(repo.path / "instance" / "app.sqlite").close()
    assert set(databases(repo.path)) == {os.path.join("instance", "app.sqlite")}


def test_a_rollback_database_locked_by_a_writer_is_read_without_waiting(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    make_db(path, rows=300).close()
    writer = sqlite3.connect(path, isolation_level=None, timeout=0)
    writer.execute("BEGIN EXCLUSIVE")  # what a writer holds while it commits
    writer.execute("INSERT INTO t (body) VALUES ('mid-commit')")
    try:
        db = databases(tmp_path)["busy.db"]
        assert db.error is None
        assert db.page_count is not None
        writer.execute("COMMIT")  # and the scan left no lock behind
    finally:
        writer.close()


def test_one_reader_counts_every_sidecar_the_same_way_for_scan_and_db(tmp_path: Path) -> None:
    """https://www.sqlite.org/tempfiles.html: `-wal` and `-shm` in WAL mode, `-journal` in
    rollback mode (kept between transactions under PERSIST, left hot by a crash). The scan's
    finding and `db inspect` report the same bytes and the same VACUUM estimate."""
    from hygiene.db.inspect import inspect_database
    from hygiene.db.sqlite import file_bytes, footprint
    from hygiene.db.url import sqlite_target

    path = tmp_path / "persist.db"
    conn = make_db(path, rows=3000)
    assert conn.execute("PRAGMA journal_mode=PERSIST").fetchone()[0] == "persist"
    conn.execute("DELETE FROM t WHERE id % 3 = 0")
    conn.commit()
    conn.close()
    journal = Path(f"{path}-journal")
    assert journal.stat().st_size > 0  # PERSIST keeps it after the commit
    expected = path.stat().st_size + journal.stat().st_size
    assert file_bytes(path) == expected
    assert footprint(path)[0] == expected
    found = databases(tmp_path)["persist.db"]
    assert found.bytes == expected
    stats = inspect_database(target=sqlite_target(path))
    assert stats.bytes == expected
    assert stats.reclaimable == found.reclaimable_bytes


def test_a_symlinked_sidecar_is_not_counted(tmp_path: Path) -> None:
    from hygiene.db.sqlite import file_bytes

    path = tmp_path / "app.db"
    make_db(path, rows=10).close()
    big = tmp_path / "elsewhere"
    big.write_bytes(b"\0" * 65536)
    os.symlink(big, f"{path}-wal")
    assert file_bytes(path) == path.stat().st_size
