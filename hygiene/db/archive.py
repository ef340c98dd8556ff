"""Archive files (gzip JSON Lines, one complete file per batch) and loading them back.

A batch's rows are written to `NAME.part`, flushed and fsynced, renamed into place and
the folder fsynced, and only then deleted. So every deleted row is in a complete archive file;
a run killed after the archive and before the delete leaves an archive of rows that still exist,
which restore skips (it inserts only keys that are absent).

The guarantee is at-least-once (issue 15, item 7): every deleted row is in at least one archive
file, and a row can be in several (a run killed, or a COMMIT whose outcome is unknown, between
the archive and the delete; the next run archives those rows again). `restore_archive` inserts
each key once and counts the rest as already present or as duplicates.

A `.part` left by a killed run holds row data (issue 15, item 6): `settle_leftovers` removes it
only when it is whole and every one of its rows is still in the table, finishes it into a kept
archive otherwise, and leaves what it cannot read where it is. A `.part` is locked (flock) while
it is written, so a concurrent run's file in progress is never taken for a leftover.

Line 1 is a header: {"hygiene_archive": 1, "table", "key", "columns", "rule", "engine",
"created"}; every other line is one row. Values JSON cannot hold are tagged: {"$datetime": iso},
{"$date"}, {"$time"}, {"$decimal": str}, {"$bytes": base64}, {"$uuid"}, {"$seconds"}.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import decimal
import fcntl
import gzip
import json
import os
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hygiene.errors import UsageError
from hygiene.paths import display, hygiene_home

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from hygiene.db.url import Target

FORMAT = 1
SUFFIX = ".jsonl.gz"
PART = ".part"


def default_archive_dir() -> Path:
    return hygiene_home() / "db-archive"


def encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"$seconds": value.total_seconds()}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    return value


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$time": dt.time.fromisoformat,
    "$seconds": lambda v: dt.timedelta(seconds=v),
    "$decimal": decimal.Decimal,
    "$bytes": base64.b64decode,
    "$uuid": uuid.UUID,
}


def decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag in _DECODERS:
            return _DECODERS[tag](inner)
    return value


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _dump(header: dict[str, Any], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    lines = [json.dumps({"hygiene_archive": FORMAT, **header, "columns": list(columns)})]
    lines.extend(
        json.dumps({c: encode(v) for c, v in zip(columns, row, strict=True)}, ensure_ascii=False)
        for row in rows
    )
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_archive(
    path: Path, *, header: dict[str, Any], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> Path:
    """Write one complete, fsynced archive file; return its final path."""
    from hygiene.private import open_private, private_dir

    # Archives hold whole rows: 0600 files in folders hygiene creates 0700.
    private_dir(path.parent, narrow=False)
    part = path.with_name(path.name + PART)
    fd = open_private(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    with os.fdopen(fd, "wb") as raw:
        # Held until the rename: `settle_leftovers` in another run skips a locked .part.
        fcntl.flock(raw.fileno(), fcntl.LOCK_EX)
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1) as zipped:
            zipped.write(_dump(header, columns, rows))
        raw.flush()
        os.fsync(raw.fileno())
        os.replace(part, path)
    _fsync_dir(path.parent)
    return path


@dataclass(frozen=True)
class Archive:
    path: Path
    header: dict[str, Any]
    rows: list[dict[str, Any]]


def read_archive(path: Path) -> Archive:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise UsageError(f"{display(path)}: not a readable archive: {exc}") from None
    try:
        header = json.loads(lines[0]) if lines else {}
        rows = [{k: decode(v) for k, v in json.loads(line).items()} for line in lines[1:]]
    except (json.JSONDecodeError, AttributeError, ValueError) as exc:
        raise UsageError(f"{display(path)}: not a hygiene archive: {exc}") from None
    if not isinstance(header, dict) or header.get("hygiene_archive") != FORMAT:
        raise UsageError(f"{display(path)}: not a hygiene archive (no header line)")
    return Archive(path=path, header=header, rows=rows)


def archive_files(path: Path) -> list[Path]:
    """FILE, or every archive file in a folder, oldest name first."""
    if path.is_dir():
        files = sorted(p for p in path.rglob(f"*{SUFFIX}") if p.is_file())
        if not files:
            raise UsageError(f"{display(path)}: no {SUFFIX} archive files in this folder")
        return files
    if not path.is_file():
        raise UsageError(f"{display(path)}: no such archive file")
    return [path]


@dataclass(frozen=True)
class RestoreResult:
    file: str
    table: str
    rows: int
    inserted: int
    skipped: int  # not inserted: already in the table, or duplicates
    duplicates: int  # of the skipped, rows an earlier file (or line) of this restore also held


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _key_sql(engine: Engine, key: str) -> str:
    from hygiene.db.connect import quote

    # A SQLite table without a primary key is archived with its rowid, restored with it too.
    return key if key == "rowid" else quote(engine, key)


def _present(conn: Connection, engine: Engine, table: str, key: str, keys: list[Any]) -> set[Any]:
    """Which of `keys` the table holds now."""
    from sqlalchemy import bindparam, text

    from hygiene.db.connect import quote

    key_sql = _key_sql(engine, key)
    exists = text(
        f"SELECT {key_sql} FROM {quote(engine, table)} WHERE {key_sql} IN :keys"
    ).bindparams(bindparam("keys", expanding=True))
    present: set[Any] = set()
    for chunk in _chunks(keys, 500):
        present.update(conn.execute(exists, {"keys": chunk}).scalars())
    return present


def restore_archive(
    *, engine: Engine, target: Target, path: Path, seen: set[tuple[str, Any]] | None = None
) -> RestoreResult:
    """Insert the archived rows whose key is absent; one transaction per file.

    Archives are at-least-once, so a key can be in several files: `seen` carries the (table,
    key) pairs of the files restored before this one, and a row whose key is in it is a
    duplicate, skipped and counted as such; a row whose key the table already held is skipped
    as present."""
    from sqlalchemy import text, types

    from hygiene.db.connect import Schema, database_errors, quote

    seen = set() if seen is None else seen
    archive = read_archive(path)
    table = str(archive.header.get("table"))
    key = str(archive.header.get("key"))
    what = f"{display(path)}"
    schema = Schema(engine)
    info = schema.table(table, what=what)
    columns = list(archive.header.get("columns", []))
    missing = [c for c in columns if c not in info.columns and c != "rowid"]
    if missing:
        raise UsageError(f"{what}: table {table!r} has no column {missing[0]!r} any more")
    json_columns = {c for c in columns if isinstance(info.columns[c], types.JSON)}
    rows = [
        {
            c: json.dumps(r.get(c)) if c in json_columns and r.get(c) is not None else r.get(c)
            for c in columns
        }
        for r in archive.rows
    ]
    table_sql = quote(engine, table)
    key_of = [r.get(key) for r in archive.rows]
    names = ", ".join(c if c == "rowid" else quote(engine, c) for c in columns)
    values = ", ".join(f":p{i}" for i in range(len(columns)))
    insert = text(f"INSERT INTO {table_sql} ({names}) VALUES ({values})")
    inserted = duplicates = 0
    with database_errors(target, f"restoring {display(path)}"), engine.connect() as conn:
        conn = conn.execution_options(hygiene_write=True)
        with conn.begin():
            present = _present(conn, engine, table, key, key_of)
            todo = []
            for row, k in zip(rows, key_of, strict=True):
                if (table, k) in seen:
                    duplicates += 1
                elif k not in present:
                    todo.append({f"p{i}": row[c] for i, c in enumerate(columns)})
                seen.add((table, k))
            for chunk in _chunks(todo, 1000):
                conn.execute(insert, chunk)
                inserted += len(chunk)
    return RestoreResult(
        file=display(path),
        table=table,
        rows=len(rows),
        inserted=inserted,
        skipped=len(rows) - inserted,
        duplicates=duplicates,
    )


def _salvage(data: bytes) -> tuple[list[str], bool]:
    """The complete lines of a gzip stream that may end early, and whether it was whole."""
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        text = inflate.decompress(data)
        whole = inflate.eof and not inflate.unused_data
    except zlib.error:
        return [], False
    lines = text.decode("utf-8", errors="replace").split("\n")
    # The text after the last newline is a line cut short (or nothing, in a whole file).
    return lines[:-1], whole and lines[-1] == ""


def _unused_name(path: Path, *, recovered: bool = False) -> Path:
    """`path`, or `NAME-recoveredN.jsonl.gz` beside it, whichever is free first."""
    stem = path.name.removesuffix(SUFFIX)
    names = (path.with_name(f"{stem}-recovered{n}{SUFFIX}") for n in range(1, 1_000_000))
    for candidate in names if recovered else (path, *names):
        taken = candidate.exists() or (
            recovered and candidate.with_name(candidate.name + PART).exists()
        )
        if not taken:
            return candidate
    raise OSError(f"{display(path)}: no free name to finish it under")


def settle_leftovers(*, engine: Engine, folder: Path) -> list[str]:
    """Remove or finish the `.part` files killed runs left in `folder`; one note per file.

    A `.part` is removed only when it is whole and the table still holds every one of its rows
    (then each row is where it was, and the file is a copy of nothing lost). Otherwise, when
    any of its rows is gone from the table, it may be their only copy: it is finished into a
    kept archive (renamed, or rewritten from its complete lines if it was cut short). A file
    that cannot be read as an archive is left in place and said so."""
    try:
        parts = sorted(folder.glob(f"*{SUFFIX}{PART}"))
    except OSError:
        return []
    notes: list[str] = []
    for part in parts:
        with contextlib.suppress(FileNotFoundError):
            note = _settle(engine, part)
            if note:
                notes.append(note)
    return notes


def _settle(engine: Engine, part: Path) -> str | None:
    name = part.name
    with part.open("rb") as raw:
        try:
            fcntl.flock(raw.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # another run is writing it: not a leftover
        lines, whole = _salvage(raw.read())
        try:
            header = json.loads(lines[0]) if lines else None
            rows = [{k: decode(v) for k, v in json.loads(x).items()} for x in lines[1:] if x]
        except (json.JSONDecodeError, AttributeError, ValueError):
            header = None
        if not isinstance(header, dict) or header.get("hygiene_archive") != FORMAT:
            return (
                f"left {name} in place: a killed run's archive that cannot be read as one "
                "(it may hold rows; look at it before removing it)"
            )
        table, key = str(header.get("table")), str(header.get("key"))
        try:
            with engine.connect() as conn:
                present = _present(conn, engine, table, key, [r.get(key) for r in rows])
        except Exception as exc:  # the table or column changed since: keep the file
            from hygiene.db.connect import describe

            # describe(): the driver's first line, never the SQL and its keys (row data).
            return (
                f"left {name} in place: could not check its rows against {table!r} "
                f"({describe(exc)})"
            )
        gone = sum(1 for r in rows if r.get(key) not in present)
        if whole and not gone:
            part.unlink()
            _fsync_dir(part.parent)
            return (
                f"removed {name}, left by a killed run: all {len(rows)} of its rows are "
                "still in the table"
            )
        if whole:
            final = _unused_name(part.with_name(name.removesuffix(PART)))
            os.replace(part, final)
            _fsync_dir(part.parent)
            return (
                f"finished {name}, left by a killed run, into {final.name}: {gone} of its "
                f"{len(rows)} rows are no longer in the table, so it is kept as an archive"
            )
        # A new name: rewriting under the same one would write through this very .part.
        final = _unused_name(part.with_name(name.removesuffix(PART)), recovered=True)
        columns = list(header.get("columns", []))
        meta = {k: v for k, v in header.items() if k not in ("hygiene_archive", "columns")}
        kept = [[r.get(c) for c in columns] for r in rows]
        write_archive(final, header=meta, columns=columns, rows=kept)
        part.unlink()
        _fsync_dir(part.parent)
        return (
            f"finished {name}, left by a killed run and cut short, into {final.name} from its "
            f"{len(rows)} complete rows ({gone} of them no longer in the table); a file cut "
            "short is never removed, as what it held past them cannot be checked"
        )
