"""The erasure audit record: JSON Lines under HYGIENE_HOME/audit/, outside the database.

It proves an erasure without keeping the personal data: tables and counts, the time, the tool
version, the post-check result, and the subject key as an HMAC-SHA256 under a secret kept in
`audit/erase.key` (mode 0600). A bare salted hash stored beside its salt would be no protection
for small integer ids (anyone could try 1, 2, 3...); with the key, whoever holds it can still
answer "was subject users/42 erased?" by recomputing the hash.

The record is written to `audit/pending/` before the COMMIT. It is removed only when the
COMMIT was never sent; once sent, it is appended to the log whatever happens ("done", or
"outcome unknown" when no answer came), and a run killed in between leaves it for the next run
to log as "outcome unknown".
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from hygiene import __version__
from hygiene.db.url import Target
from hygiene.paths import hygiene_home

LOG_NAME = "db-erase.jsonl"
KEY_NAME = "erase.key"
PENDING_DIR = "pending"


def audit_dir() -> Path:
    from hygiene.private import private_dir

    return private_dir(hygiene_home() / "audit")


def _secret(folder: Path) -> bytes:
    path = folder / KEY_NAME
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another run created it first
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    return key


def subject_hash(table: str, subject_id: str, *, folder: Path | None = None) -> str:
    key = _secret(folder or audit_dir())
    digest = hmac.new(key, f"{table}\x00{subject_id}".encode(), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{digest}"


def subject_key(value: object) -> str:
    """The subject's key as the database holds it, so one subject always gets one hash.

    `--id 03` once erased user 3 but hashed "03". The value hashed is the one read back from
    the subject's row (an int, a UUID, a string in the column's own case), never the text typed.
    """
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def _record(
    *,
    target: Target,
    table: str,
    key: str,
    deleted: dict[str, int],
    nulled: dict[str, int],
    remaining: dict[str, int] | None,
    commit: str,
    folder: Path,
) -> dict[str, object]:
    return {
        "schema": 1,
        "event": "db.erase",
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "tool": "hygiene",
        "version": __version__,
        "target": target.masked,
        "engine": target.engine,
        "subject": {"table": table, "key": subject_hash(table, key, folder=folder)},
        "commit": commit,
        "deleted": deleted,
        "nulled": nulled,
        "archive": "none (an archive of erased rows would defeat the erasure)",
        "post_check": None
        if remaining is None
        else {"remaining": sum(remaining.values()), "ok": not any(remaining.values())},
    }


def _append(folder: Path, record: dict[str, object]) -> Path:
    path = folder / LOG_NAME
    from hygiene.private import open_private

    # 0600: the record names the target and the tables.
    fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return path


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Pending:
    """An erasure's record written before its COMMIT, held under an exclusive lock
    for as long as its run lives, so a concurrent run never settles it."""

    path: Path
    fd: int
    record: dict[str, object]

    def discard(self) -> None:
        """The COMMIT was never sent: nothing was erased, so nothing stays recorded."""
        self.path.unlink(missing_ok=True)
        os.close(self.fd)

    def settle(self, *, commit: str, remaining: dict[str, int] | None = None) -> Path:
        """Append the final record, then drop the pending file (a crash between the two
        leaves a duplicate, never a gap)."""
        record = dict(self.record, commit=commit)
        if remaining is not None:
            record["post_check"] = {
                "remaining": sum(remaining.values()),
                "ok": not any(remaining.values()),
            }
        path = _append(self.path.parent.parent, record)
        self.path.unlink(missing_ok=True)
        os.close(self.fd)
        return path


def write_pending(
    *,
    target: Target,
    table: str,
    key: str,
    deleted: dict[str, int],
    nulled: dict[str, int],
) -> Pending:
    """Write the record of an erasure about to be committed, fsynced, before the COMMIT."""
    folder = audit_dir()
    pending_dir = folder / PENDING_DIR
    pending_dir.mkdir(exist_ok=True, mode=0o700)
    record = _record(
        target=target,
        table=table,
        key=key,
        deleted=deleted,
        nulled=nulled,
        remaining=None,
        commit="pending",
        folder=folder,
    )
    path = pending_dir / f"{uuid.uuid4().hex}.json"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, json.dumps(record, sort_keys=True).encode())
        os.fsync(fd)
        _fsync_dir(pending_dir)
    except BaseException:
        path.unlink(missing_ok=True)
        os.close(fd)
        raise
    return Pending(path, fd, record)


def settle_leftovers() -> int:
    """Move the records of runs that died after sending their COMMIT into the log, as
    "commit outcome unknown"; a record another live run still holds is left alone."""
    folder = audit_dir()
    settled = 0
    for path in sorted((folder / PENDING_DIR).glob("*.json")):
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its run is alive
            if not path.exists():
                continue  # settled by its own run meanwhile
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:  # killed while writing it: before its COMMIT was sent
                path.unlink(missing_ok=True)
                continue
            record["commit"] = "outcome unknown"
            record["note"] = "the run ended after sending its COMMIT, before learning the outcome"
            _append(folder, record)
            path.unlink(missing_ok=True)
            settled += 1
        finally:
            os.close(fd)
    return settled


def record_erasure(
    *,
    target: Target,
    table: str,
    key: str,
    deleted: dict[str, int],
    nulled: dict[str, int],
    remaining: dict[str, int] | None,
    commit: str = "done",
) -> Path:
    folder = audit_dir()
    record = _record(
        target=target,
        table=table,
        key=key,
        deleted=deleted,
        nulled=nulled,
        remaining=remaining,
        commit=commit,
        folder=folder,
    )
    return _append(folder, record)
