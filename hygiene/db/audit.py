"""The erasure audit record: JSON Lines under HYGIENE_HOME/audit/, outside the database.

It proves an erasure without keeping the personal data: tables and counts, the time, the tool
version, the post-check result, and the subject key as an HMAC-SHA256 under a secret kept in
`audit/erase.key` (mode 0600). A bare salted hash stored beside its salt would be no protection
for small integer ids (anyone could try 1, 2, 3...); with the key, whoever holds it can still
answer "was subject users/42 erased?" by recomputing the hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from hygiene import __version__
from hygiene.db.url import Target
from hygiene.paths import hygiene_home

LOG_NAME = "db-erase.jsonl"
KEY_NAME = "erase.key"


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


def record_erasure(
    *,
    target: Target,
    table: str,
    subject_id: str,
    deleted: dict[str, int],
    nulled: dict[str, int],
    remaining: dict[str, int],
) -> Path:
    folder = audit_dir()
    record = {
        "schema": 1,
        "event": "db.erase",
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "tool": "hygiene",
        "version": __version__,
        "target": target.masked,
        "engine": target.engine,
        "subject": {"table": table, "key": subject_hash(table, subject_id, folder=folder)},
        "deleted": deleted,
        "nulled": nulled,
        "archive": "none (an archive of erased rows would defeat the erasure)",
        "post_check": {"remaining": sum(remaining.values()), "ok": not any(remaining.values())},
    }
    path = folder / LOG_NAME
    from hygiene.private import open_private

    # 0600: the record names the target and the tables (issue 15).
    fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return path
