"""`fix --apply`'s journal (`.<name>.hygiene-backup`) must only ever undo hygiene's own torn
edit: never a file it did not write, never the user's edits made after an interrupted run.

The crash is a real SIGKILL of a real `hygiene fix --apply` at its own checkpoints
(`HYGIENE_CRASH_AFTER`, hygiene/clean/crashpoint.py); every result is checked on disk.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def gappy(make_repo):  # type: ignore[no-untyped-def]
    """A Python project whose `__pycache__/` no ignore rule covers; `.gitignore` holds `*.log`."""
    repo = make_repo()
    repo.write("app.py", "print(1)\n")
    repo.write(".gitignore", "*.log\n")
    repo.commit()
    repo.write("__pycache__/app.cpython-311.pyc", b"\x00compiled")
    return repo


def _fix(repo: Path, crash_after: int = 0) -> int:
    env = {**os.environ, "HYGIENE_CRASH_AFTER": str(crash_after)}
    done = subprocess.run(
        [sys.executable, "-m", "hygiene", "fix", "--apply", str(repo)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode


def test_a_file_at_the_backup_name_hygiene_did_not_write_is_left_alone(gappy, cli) -> None:  # type: ignore[no-untyped-def]
    # Committed in a cloned repository, or a backup an old crash left that `git add -A` took in:
    # either way not a journal of an edit hygiene is in the middle of.
    planted = gappy.write("..gitignore.hygiene-backup", "OLD\n")
    gappy.commit()

    cli("fix", "--apply", gappy.path)

    assert planted.read_text() == "OLD\n"
    assert (gappy.path / ".gitignore").read_text().startswith("*.log\n")


@pytest.mark.slow
def test_edits_made_after_an_interrupted_fix_are_kept(gappy) -> None:  # type: ignore[no-untyped-def]
    ignore = gappy.path / ".gitignore"
    assert _fix(gappy.path, crash_after=1) == -9  # killed once the journal was written
    assert ignore.read_text() == "*.log\n"  # nothing of the edit reached the file yet

    ignore.write_text("*.log\nsecrets/\n")  # the user edits the file before the next run
    assert _fix(gappy.path) == 1  # refused, and said why
    assert ignore.read_text() == "*.log\nsecrets/\n"
    backup = gappy.path / "..gitignore.hygiene-backup"
    assert b"*.log\n" in backup.read_bytes()  # the earlier text is still there to compare

    backup.unlink()  # compared, and removed by the user
    assert _fix(gappy.path) == 0
    assert ignore.read_text() == "*.log\nsecrets/\n\n# added by hygiene\n__pycache__/\n"


@pytest.mark.slow
def test_a_fix_killed_at_any_step_leaves_the_old_or_the_new_file(gappy) -> None:  # type: ignore[no-untyped-def]
    ignore = gappy.path / ".gitignore"
    for step in range(1, 10):
        ignore.write_text("*.log\n")
        code = _fix(gappy.path, crash_after=step)
        assert code in (0, -9)
        assert ignore.read_text() in ("*.log\n", "*.log\n\n# added by hygiene\n__pycache__/\n")
        assert _fix(gappy.path) == 0
        assert ignore.read_text() == "*.log\n\n# added by hygiene\n__pycache__/\n"
        if code == 0:
            break
    else:
        pytest.fail("the fix never got to the end")
    assert step > 2
    # A backup a kill left once the file was whole is dropped by the next edit of that file.
    assert not list(gappy.path.glob("*hygiene-*"))
