"""Archive files (gzip JSON Lines, one complete file per batch) and loading them back.

A batch's rows are written to `NAME.part`, flushed and fsynced, renamed into place and
the folder fsynced, and only then deleted. So every deleted row is in a complete archive file;
a run killed after the archive and before the delete leaves an archive of rows that still exist,
which restore skips (it inserts only keys that are absent).

Line 1 is a header: {"hygiene_archive": 1, "table", "key", "columns", "rule", "engine",
"created"}; every other line is one row. Values JSON cannot hold are tagged: {"$datetime": iso},
{"$date"}, {"$time"}, {"$decimal": str}, {"$bytes": base64}, {"$uuid"}, {"$seconds"}.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import gzip
import json
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hygiene.errors import UsageError
from hygiene.paths import display, hygiene_home

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from hygiene.db.url import Target

FORMAT = 1
SUFFIX = ".jsonl.gz"


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


def write_archive(
    path: Path, *, header: dict[str, Any], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> Path:
    """Write one complete, fsynced archive file; return its final path."""
    from hygiene.private import open_private, private_dir

    # Archives hold whole rows: 0600 files in folders hygiene creates 0700.
    private_dir(path.parent, narrow=False)
    part = path.with_name(path.name + ".part")
    fd = open_private(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    with os.fdopen(fd, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1) as zipped:
            lines = [json.dumps({"hygiene_archive": FORMAT, **header, "columns": list(columns)})]
            lines.extend(
                json.dumps(
                    {c: encode(v) for c, v in zip(columns, row, strict=True)}, ensure_ascii=False
                )
                for row in rows
            )
            zipped.write(("\n".join(lines) + "\n").encode("utf-8"))
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
    skipped: int  # already present (a run killed between archive and delete)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def restore_archive(*, engine: Engine, target: Target, path: Path) -> RestoreResult:
    """Insert the archived rows whose key is absent; one transaction per file."""
    from sqlalchemy import bindparam, text, types

    from hygiene.db.connect import Schema, database_errors, quote

    archive = read_archive(path)
    table = str(archive.header.get("table"))
    key = str(archive.header.get("key"))
    what = f"{display(path)}"
    schema = Schema(engine)
    info = schema.table(table, what=what)
    columns = list(archive.header.get("columns", []))
    # A SQLite table without a primary key is archived with its rowid, restored with it too.
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
    key_sql = key if key == "rowid" else quote(engine, key)
    key_of = [r.get(key) for r in archive.rows]
    names = ", ".join(c if c == "rowid" else quote(engine, c) for c in columns)
    values = ", ".join(f":p{i}" for i in range(len(columns)))
    insert = text(f"INSERT INTO {table_sql} ({names}) VALUES ({values})")
    exists = text(f"SELECT {key_sql} FROM {table_sql} WHERE {key_sql} IN :keys").bindparams(
        bindparam("keys", expanding=True)
    )
    inserted = 0
    with database_errors(target, f"restoring {display(path)}"), engine.connect() as conn:
        conn = conn.execution_options(hygiene_write=True)
        with conn.begin():
            present: set[Any] = set()
            for chunk in _chunks(key_of, 500):
                present.update(conn.execute(exists, {"keys": chunk}).scalars())
            todo = [
                {f"p{i}": row[c] for i, c in enumerate(columns)}
                for row, k in zip(rows, key_of, strict=True)
                if k not in present
            ]
            for chunk in _chunks(todo, 1000):
                conn.execute(insert, chunk)
                inserted += len(chunk)
    return RestoreResult(
        file=display(path),
        table=table,
        rows=len(rows),
        inserted=inserted,
        skipped=len(rows) - inserted,
    )
