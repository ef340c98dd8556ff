"""The runner with real child processes: retries with exponential backoff, timeout kill,
reclaimed bytes reported by the child."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

from hygiene.schedule.runner import hygiene_argv, run_command


def python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def test_retries_with_exponential_backoff_until_the_last_attempt(tmp_path: Path) -> None:
    waits: list[float] = []
    tries = tmp_path / "tries"
    script = python(
        f"""
        import sys
        with open({str(tries)!r}, "a") as f: f.write("x")
        sys.stderr.write("database is locked\\n")
        sys.exit(3)
        """
    )
    result = run_command(script, timeout=60, retries=3, backoff=30.0, sleep=waits.append)
    assert tries.read_text() == "xxxx"  # 1 try + 3 retries, each a real process
    assert [a.exit_code for a in result.attempts] == [3, 3, 3, 3]
    assert waits == [30.0, 60.0, 120.0]
    assert result.delays == (30.0, 60.0, 120.0)
    assert result.status == "failed"
    assert result.error == "database is locked"


def test_stops_retrying_at_the_first_success(tmp_path: Path) -> None:
    waits: list[float] = []
    counter = tmp_path / "n"
    script = python(
        f"""
        import pathlib, sys
        p = pathlib.Path({str(counter)!r})
        n = int(p.read_text()) if p.exists() else 0
        p.write_text(str(n + 1))
        sys.exit(0 if n == 1 else 1)
        """
    )
    result = run_command(script, timeout=60, retries=3, backoff=2.0, sleep=waits.append)
    assert result.status == "ok"
    assert len(result.attempts) == 2
    assert waits == [2.0]


def test_zero_retries_means_one_attempt() -> None:
    waits: list[float] = []
    result = run_command(
        python("raise SystemExit(1)"), timeout=60, retries=0, backoff=1.0, sleep=waits.append
    )
    assert len(result.attempts) == 1
    assert waits == []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is dead for our purpose once reaped or a zombie.
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_timeout_kills_the_child_and_its_children(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = python(
        f"""
        import os, subprocess, sys, time
        grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        with open({str(pids)!r}, "w") as f: f.write(f"{{os.getpid()}} {{grandchild.pid}}")
        time.sleep(600)
        """
    )
    # The timeout must outlast interpreter start-up so the pid file exists; it ends long before
    # the 600 s sleep, and there is no timing assertion: only whether the processes survive.
    result = run_command(script, timeout=3.0, retries=1, backoff=0.0, sleep=lambda _: None)
    assert result.status == "timeout"
    assert [a.timed_out for a in result.attempts] == [True, True]
    assert all(a.exit_code is None for a in result.attempts)
    child, grandchild = (int(p) for p in pids.read_text().split())
    assert not _alive(child)
    assert not _alive(grandchild)
    assert "timed out" in result.error


def test_reclaimed_bytes_and_rows_come_from_the_child(tmp_path: Path) -> None:
    script = python(
        """
        from hygiene.schedule.reclaimed import note_reclaimed
        note_reclaimed(bytes_freed=1500, rows=3)
        note_reclaimed(bytes_freed=500)
        """
    )
    result = run_command(script, timeout=60, retries=0, backoff=0.0)
    assert result.status == "ok"
    assert (result.bytes_reclaimed, result.rows_reclaimed) == (2000, 3)


def test_note_reclaimed_outside_a_job_does_nothing(monkeypatch, tmp_path: Path) -> None:
    from hygiene.schedule.reclaimed import ENV, note_reclaimed

    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    note_reclaimed(bytes_freed=10)
    assert list(tmp_path.iterdir()) == []


def test_the_real_hygiene_command_runs_as_a_child(tmp_path: Path) -> None:
    ok = run_command(
        hygiene_argv(["scan", str(tmp_path), "--json"]), timeout=120, retries=0, backoff=0.0
    )
    assert ok.status == "ok"
    bad = run_command(
        hygiene_argv(["scan", str(tmp_path / "missing")]), timeout=120, retries=0, backoff=0.0
    )
    assert bad.attempts[0].exit_code == 2
    assert "does not exist" in bad.error


def test_every_attempts_output_is_appended_to_the_job_log(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "jobs" / "j.log"
    script = python('print("swept 3 folders"); raise SystemExit(4)')
    run_command(script, timeout=60, retries=1, backoff=0.0, log=log, sleep=lambda _: None)
    text = log.read_text(encoding="utf-8")
    assert text.count("swept 3 folders\n") == 2
    assert "attempt 1:" in text
    assert "attempt 2:" in text
    assert text.count(": exit 4 in ") == 2


def test_a_password_the_command_prints_is_masked_in_the_log_and_the_error(tmp_path: Path) -> None:
    """The job log and the history's error tail keep what the command printed, masked: a
    driver's error message may quote the URL it was given."""
    log = tmp_path / "logs" / "jobs" / "j.log"
    script = python(
        """
        import sys
        print("connecting to postgresql://app:S3cretPw@db.internal/app")
        sys.stderr.write("failed: mysql://root:An0ther@127.0.0.1/x password=Thr33\\n")
        sys.exit(1)
        """
    )
    result = run_command(script, timeout=60, retries=0, backoff=1.0, log=log)
    text = log.read_text()
    assert "postgresql://app:***@db.internal/app" in text
    assert "mysql://root:***@127.0.0.1/x" in text
    for secret in ("S3cretPw", "An0ther", "Thr33"):
        assert secret not in text
        assert secret not in result.error
    assert result.error.startswith("failed: mysql://root:***@")
