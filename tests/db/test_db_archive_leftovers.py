"""Issue 15, items 6 and 7: what killed archive runs leave behind.

- A run killed while a batch's archive is still `NAME.part` leaves row data in that file. The
  next run on the rule removes it only when every one of its rows is still in the table, and
  otherwise finishes it into a kept archive; either way it says so, in the summary and the audit.
- Archives are at-least-once: a run killed between an archive and its COMMIT leaves rows that the
  next run archives again. `db restore-archive` inserts each row once and says how many it
  skipped as duplicates.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from dbhelp import NOW_ISO, execute, rows_of, seed_daily_logs, write_config

ROWS = 30  # ids 8..29 are older than 7 days: batches of 5 hold 8..12, 13..17, ...
BATCH2 = list(range(13, 18))

CONFIG = """
[[db.rules]]
name = "old-logs"
table = "logs"
column = "at"
older_than = "7d"
action = "archive"
"""

# Dies (no cleanup, like kill -9) at the second batch: after its `.part` is fsynced and before
# it is renamed into place, or after the complete archive is written and before its DELETE.
KILLED_RUN = """
import os, sys
import hygiene.db.archive as archive
where = sys.argv[1]
calls = []
if where == "rename":
    real_replace = os.replace
    def replace(src, dst, *args, **kwargs):
        if str(src).endswith(".part"):
            calls.append(src)
            if len(calls) == 2:
                os._exit(9)
        return real_replace(src, dst, *args, **kwargs)
    os.replace = replace
else:
    real_write = archive.write_archive
    def write_archive(*args, **kwargs):
        path = real_write(*args, **kwargs)
        calls.append(path)
        if len(calls) == 2:
            os._exit(9)
        return path
    archive.write_archive = write_archive
from hygiene.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def _seed(target: str) -> list[tuple[Any, ...]]:
    return seed_daily_logs(target, ROWS)


def _args(db_url: str, config: Path, archive_dir: Path, *more: str) -> list[str]:
    return [
        "db", "clean", db_url, "--yes", "--config", str(config), "--now", NOW_ISO,
        "--archive-dir", str(archive_dir), *more,
    ]  # fmt: skip


def _killed_run(where: str, db_url: str, config: Path, archive_dir: Path) -> None:
    args = _args(db_url, config, archive_dir, "--batch-size", "5")
    done = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, where, *args], capture_output=True, text=True
    )
    assert done.returncode == 9, done.stderr


def _ids(db_url: str) -> list[int]:
    return [r[0] for r in rows_of(db_url, "logs")]


def _archived_ids(archive_dir: Path) -> list[int]:
    from hygiene.db.archive import read_archive

    return sorted(
        row["id"] for p in archive_dir.rglob("*.jsonl.gz") for row in read_archive(p).rows
    )


def _audit_notes() -> list[str]:
    path = Path(os.environ["HYGIENE_HOME"]) / "audit" / "db-clean.jsonl"
    assert path.is_file(), "no db clean audit record"
    return [
        note
        for line in path.read_text(encoding="utf-8").splitlines()
        for note in json.loads(line).get("notes", [])
    ]


def test_a_leftover_part_whose_rows_are_all_present_is_removed(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    _seed(db_url)
    config = write_config(tmp_path, CONFIG)
    archive_dir = tmp_path / "archive"
    _killed_run("rename", db_url, config, archive_dir)
    (part,) = archive_dir.rglob("*.part")
    assert _ids(db_url) == [i for i in range(ROWS) if not 8 <= i <= 12]

    result = cli(*_args(db_url, config, archive_dir), "--json")
    assert result.code == 0, result.err
    notes = json.loads(result.out)["notes"]
    assert any(part.name in n and "removed" in n for n in notes), notes
    assert any(part.name in n and "removed" in n for n in _audit_notes())
    assert not part.exists()
    assert list(archive_dir.rglob("*.part")) == []
    assert _ids(db_url) == list(range(8))
    assert _archived_ids(archive_dir) == list(range(8, ROWS))  # each row once

    human = cli(*_args(db_url, config, archive_dir))
    assert human.code == 0, human.err
    assert "removed" not in human.out  # said once, by the run that removed it


def test_a_leftover_part_whose_rows_are_gone_is_finished_and_kept(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    original = _seed(db_url)
    config = write_config(tmp_path, CONFIG)
    archive_dir = tmp_path / "archive"
    _killed_run("rename", db_url, config, archive_dir)
    (part,) = archive_dir.rglob("*.part")
    # Something else deleted two of the leftover's rows: the .part is now their only copy.
    execute(db_url, "DELETE FROM logs WHERE id IN (13, 14)")

    result = cli(*_args(db_url, config, archive_dir))
    assert result.code == 0, result.err
    assert part.name in result.out and "finished" in result.out, result.out
    assert any(part.name in n and "finished" in n for n in _audit_notes())
    assert list(archive_dir.rglob("*.part")) == []
    kept = part.with_name(part.name.removesuffix(".part"))
    assert kept.is_file()
    assert _ids(db_url) == list(range(8))
    restored = cli("db", "restore-archive", archive_dir, db_url)
    assert restored.code == 0, restored.err
    assert rows_of(db_url, "logs") == original


def test_a_truncated_leftover_part_is_never_removed(cli: Any, db_url: str, tmp_path: Path) -> None:
    _seed(db_url)
    config = write_config(tmp_path, CONFIG)
    archive_dir = tmp_path / "archive"
    _killed_run("rename", db_url, config, archive_dir)
    (part,) = archive_dir.rglob("*.part")
    data = part.read_bytes()
    part.write_bytes(data[: len(data) - 12])  # the deflate end and the gzip trailer are gone

    result = cli(*_args(db_url, config, archive_dir))
    assert result.code == 0, result.err
    assert part.name in result.out, result.out
    stem = part.name.removesuffix(".jsonl.gz.part")
    kept = [p for p in part.parent.glob(f"{stem}*.jsonl.gz") if p.is_file()]
    assert part.exists() or kept  # finished from what it holds, or left for a look
    assert any(part.name in n for n in _audit_notes())


def test_restore_skips_duplicates_across_archive_files_and_says_how_many(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    original = _seed(db_url)
    config = write_config(tmp_path, CONFIG)
    archive_dir = tmp_path / "archive"
    _killed_run("delete", db_url, config, archive_dir)  # batch 2 archived, never deleted
    rerun = cli(*_args(db_url, config, archive_dir))
    assert rerun.code == 0, rerun.err
    from hygiene.db.archive import read_archive

    archived = [
        row["id"] for p in sorted(archive_dir.rglob("*.jsonl.gz")) for row in read_archive(p).rows
    ]
    assert sorted(archived) == sorted([*range(8, ROWS), *BATCH2])  # at least once: 5 twice

    restored = cli("db", "restore-archive", archive_dir, db_url, "--json")
    assert restored.code == 0, restored.err
    files = json.loads(restored.out)["files"]
    assert sum(f["inserted"] for f in files) == ROWS - 8
    assert sum(f["duplicates"] for f in files) == len(BATCH2)
    assert rows_of(db_url, "logs") == original

    # Again, into a table that already holds every row: all present, and the duplicates said.
    again = cli("db", "restore-archive", archive_dir, db_url)
    assert again.code == 0, again.err
    assert "0 rows restored" in again.out, again.out
    assert f"{len(BATCH2)} duplicates across archive files skipped" in again.out, again.out
    assert f"{ROWS - 8} already in the table" in again.out, again.out
    assert rows_of(db_url, "logs") == original
