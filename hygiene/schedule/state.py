"""What the tick remembers between runs: per job, the time up to which its timetable is served.

One small JSON file per job under `HYGIENE_HOME/schedule/jobs/`, replaced atomically and only
written while that job's lock is held, so two ticks never clobber each other's record. The lock
is an OS file lock (`flock`/`msvcrt.locking`): the kernel drops it when a process dies, so a
crashed tick never leaves a job locked forever.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hygiene.paths import hygiene_home


def schedule_home() -> Path:
    return hygiene_home() / "schedule"


def _job_file(name: str) -> Path:
    return schedule_home() / "jobs" / f"{name}.json"


def read_served(name: str) -> dt.datetime | None:
    """The instant up to which the job's runs are done (or deliberately skipped), or None."""
    try:
        data = json.loads(_job_file(name).read_text(encoding="utf-8"))
        return dt.datetime.fromisoformat(data["served_until"])
    except (OSError, ValueError, KeyError, TypeError):
        # Missing or unreadable: treated as a job seen for the first time (no run is invented).
        return None


def write_served(name: str, when: dt.datetime) -> None:
    path = _job_file(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(
        json.dumps({"served_until": when.astimezone(dt.timezone.utc).isoformat()}),
        encoding="utf-8",
    )
    os.replace(tmp, path)


@contextmanager
def job_lock(name: str) -> Iterator[bool]:
    """Hold the job's lock without waiting; yields False when another process holds it."""
    path = schedule_home() / "locks" / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        acquired = _try_lock(fd)
        try:
            yield acquired
        finally:
            if acquired:
                _unlock(fd)
    finally:
        os.close(fd)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
