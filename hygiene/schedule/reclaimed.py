"""How a command run by a job tells the run history what it reclaimed (bytes, rows).

The runner sets `HYGIENE_JOB_REPORT` to a file for each attempt; commands that free space call
`note_reclaimed()`, which appends one JSON line there and does nothing outside a job. This keeps
the history honest without parsing other commands' human output.
"""

from __future__ import annotations

import json
import os

ENV = "HYGIENE_JOB_REPORT"


def note_reclaimed(*, bytes_freed: int = 0, rows: int = 0) -> None:
    path = os.environ.get(ENV)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"bytes": int(bytes_freed), "rows": int(rows)}) + "\n")


def read_reclaimed(path: str) -> tuple[int, int]:
    total_bytes = total_rows = 0
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                got_bytes, got_rows = _line(line)
                total_bytes += got_bytes
                total_rows += got_rows
    except OSError:
        pass
    return total_bytes, total_rows


def _line(line: str) -> tuple[int, int]:
    try:
        item = json.loads(line)
        return int(item.get("bytes", 0)), int(item.get("rows", 0))
    except (ValueError, TypeError, AttributeError):
        return 0, 0  # a torn line from a killed child: count what is readable
