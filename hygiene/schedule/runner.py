"""Run one job's command as a child process: timeout kill, retries with exponential backoff.

The child is hygiene started as `hygiene.relaunch` starts it (its console script, never a bare
`python -m hygiene` that would import a `hygiene` package of the job's project folder), in its
own process group, so a timeout kills the whole tree (a `db` command's client included), first
with SIGTERM, then SIGKILL after a grace.
`sleep` and `on_attempt` are passed in: tests count the backoff delays without waiting them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hygiene.relaunch import command
from hygiene.schedule.reclaimed import ENV as REPORT_ENV
from hygiene.schedule.reclaimed import read_reclaimed

KILL_GRACE = 5.0  # seconds between SIGTERM and SIGKILL
ERROR_TAIL = 2000  # characters of the child's stderr kept in the history

Status = Literal["ok", "failed", "timeout"]


@dataclass(frozen=True)
class Attempt:
    number: int  # 1-based
    exit_code: int | None  # None: killed on timeout
    timed_out: bool
    seconds: float
    error: str  # the tail of stderr (or stdout) when it failed

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


@dataclass(frozen=True)
class RunResult:
    attempts: tuple[Attempt, ...]
    delays: tuple[float, ...]  # the backoff waits between attempts
    bytes_reclaimed: int
    rows_reclaimed: int

    @property
    def status(self) -> Status:
        last = self.attempts[-1]
        if last.ok:
            return "ok"
        return "timeout" if last.timed_out else "failed"

    @property
    def error(self) -> str:
        last = self.attempts[-1]
        if last.ok:
            return ""
        if last.timed_out:
            return f"timed out after {last.seconds:.0f}s; killed"
        return last.error or f"exit code {last.exit_code}"


def hygiene_argv(run: Sequence[str]) -> list[str]:
    """The child's argv: this same hygiene, whatever folder the job runs in."""
    return command(*run)


def backoff_delays(retries: int, base: float) -> list[float]:
    """Waits before retry 1..retries: base, 2*base, 4*base... (exponential backoff)."""
    return [base * 2**i for i in range(retries)]


def run_command(
    argv: Sequence[str],
    *,
    timeout: float,
    retries: int,
    backoff: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
    shown: Sequence[str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_attempt: Callable[[Attempt], None] | None = None,
) -> RunResult:
    """Run `argv` until it succeeds or `retries` retries are spent; append output to `log`,
    where the command is written as `shown` (the job's run before `${NAME}` was read)."""
    attempts: list[Attempt] = []
    delays: list[float] = []
    total_bytes = total_rows = 0
    waits = backoff_delays(retries, backoff)
    for number in range(1, retries + 2):
        with tempfile.TemporaryDirectory(prefix="hygiene-job-") as scratch:
            report = os.path.join(scratch, "reclaimed.jsonl")
            child_env = {**(os.environ if env is None else env), REPORT_ENV: report}
            attempt, output = _attempt(number, argv, timeout=timeout, cwd=cwd, env=child_env)
            got_bytes, got_rows = read_reclaimed(report)
        if log is not None:
            _append_log(log, argv if shown is None else shown, attempt, output)
        # A failed attempt may still have freed space before failing: count it.
        total_bytes += got_bytes
        total_rows += got_rows
        attempts.append(attempt)
        if on_attempt is not None:
            on_attempt(attempt)
        if attempt.ok or number > retries:
            break
        delays.append(waits[number - 1])
        sleep(waits[number - 1])
    return RunResult(tuple(attempts), tuple(delays), total_bytes, total_rows)


def _attempt(
    number: int,
    argv: Sequence[str],
    *,
    timeout: float,
    cwd: Path | None,
    env: Mapping[str, str],
) -> tuple[Attempt, str]:
    posix = os.name == "posix"
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=posix,
        )
    except OSError as exc:
        message = f"cannot start {argv[0]}: {exc.strerror}"
        return Attempt(number, 127, False, 0.0, message), message
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc, posix=posix)
        return Attempt(number, None, True, time.monotonic() - start, ""), ""
    seconds = time.monotonic() - start
    from hygiene.db.url import mask

    # Masked here, whole, before anything is cut or kept: a driver's error may quote the URL.
    out, err = mask(out or ""), mask(err or "")
    text = err.strip() or out.strip()
    error = "" if proc.returncode == 0 else text[-ERROR_TAIL:]
    return Attempt(number, proc.returncode, False, seconds, error), out + err


def _append_log(log: Path, argv: Sequence[str], attempt: Attempt, output: str) -> None:
    """The child's full output, for when the history's error tail is not enough."""
    import datetime as dt

    outcome = "timed out" if attempt.timed_out else f"exit {attempt.exit_code}"
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    from hygiene.db.url import mask
    from hygiene.private import open_private, private_dir

    try:
        # The command (masked here) and its output (masked as it was read) may hold a URL,
        # and rows: 0600.
        private_dir(log.parent, narrow=False)
        fd = open_private(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        with os.fdopen(fd, "a", encoding="utf-8", errors="replace") as handle:
            handle.write(
                f"==== {stamp} attempt {attempt.number}: {mask(' '.join(argv))}: {outcome} "
                f"in {attempt.seconds:.1f}s\n{output}"
            )
            if output and not output.endswith("\n"):
                handle.write("\n")
    except OSError:
        pass  # a full disk must not turn a finished job into a failed one


def _kill(proc: subprocess.Popen[str], *, posix: bool) -> None:
    def signal_group(sig: int) -> None:
        try:
            if posix:
                os.killpg(proc.pid, sig)
            else:  # pragma: no cover - Windows has no process groups to signal
                proc.kill()
        except ProcessLookupError:
            pass

    signal_group(signal.SIGTERM)
    try:
        proc.communicate(timeout=KILL_GRACE)
    except subprocess.TimeoutExpired:
        signal_group(signal.SIGKILL if posix else signal.SIGTERM)
        proc.communicate()
    # Grandchildren that ignored SIGTERM and outlived the leader still share the group.
    if posix:
        signal_group(signal.SIGKILL)
