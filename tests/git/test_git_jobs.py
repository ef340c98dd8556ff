"""GitJobs: git processes run side by side without threads, fed on stdin where asked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hygiene.git.repo import CHECK_IGNORE
from hygiene.git.run import GitError, GitJobs


def test_an_input_larger_than_any_pipe_is_fed_whole(make_repo) -> None:  # type: ignore[no-untyped-def]
    """Several megabytes of paths: written as git reads them, its answers read meanwhile."""
    repo = make_repo()
    repo.write(".gitignore", "*.log\n")
    repo.commit()
    paths = [f"./d{i // 1000}/f{i}.{'log' if i % 3 == 0 else 'txt'}" for i in range(80_000)]
    payload = b"".join(os.fsencode(p) + b"\0" for p in paths)
    assert len(payload) > 1 << 20  # more than the 1 MB pipe: written in parts
    jobs = GitJobs(2)
    try:
        job = jobs.start(str(repo.path), *CHECK_IGNORE, input=payload)
        out = jobs.output(job, ok=(0, 1))
    finally:
        jobs.close()
    assert out.split(b"\0")[:-1] == [os.fsencode(p) for p in paths if p.endswith(".log")]


def test_a_git_that_stops_reading_is_an_error_not_a_hang(tmp_path: Path) -> None:
    """Not a repository: git exits at once and its stdin breaks; the job fails, nothing hangs."""
    jobs = GitJobs(2)
    try:
        job = jobs.start(str(tmp_path), *CHECK_IGNORE, input=b"./x\0" * 500_000)
        with pytest.raises(GitError, match="not a git repository"):
            jobs.output(job, ok=(0, 1))
    finally:
        jobs.close()


def test_close_kills_a_job_still_being_fed(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    jobs = GitJobs(1)
    # `cat-file --batch` answers each line as it comes and never ends while stdin is open.
    job = jobs.start(str(repo.path), "cat-file", "--batch-check", input=b"HEAD\n" * 2_000_000)
    jobs.pump()
    assert job.proc is not None
    pid = job.proc.pid
    jobs.close()
    assert job.proc.returncode is not None  # reaped
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
