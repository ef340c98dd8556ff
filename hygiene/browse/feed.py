"""The scan `browse` shows, run in a child process that streams what it finds over a pipe.

Run on a thread of the app, the scan shared the interpreter with Textual and, the process
having several threads by then, got its worker processes from a forkserver instead of `fork`
(`hygiene.scan.measure.WorkerPool`): browse's full list took about 1.8x `hygiene scan` (issue
20). In its own process the scan is `hygiene scan`'s: single-threaded, its workers forked.

`ScanFeed.start` forks the child when this process has one thread (the command starts the scan
this way before it even imports Textual, so the walk runs while the app loads); otherwise, as
for a rescan from the running app, it starts `python -m hygiene.browse.feed`, which reads the
request on stdin. Either way the child sends, as length-prefixed pickles: batches of candidates
and progress as the walk goes, then the `ScanResult`, then (given a clean request) the plan
`clean` would make of it, or the one-line error.

The plan is made in the child too, with `clean`'s own `judge`, right after the walk: made in
the app's process it competed for the interpreter with the list being drawn, and the full list
took that much longer (issue 20). The browse process counts as the planning process itself when
the child asks which processes use the tree (as `clean` leaves itself out), and the app re-checks
every item in its own process right before it moves, as `clean` does.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from hygiene.errors import HygieneError
from hygiene.model import Artifact, ScanResult
from hygiene.scan.engine import ScanRequest
from hygiene.units import SCAN_CLOCK_MARGIN

if TYPE_CHECKING:
    from hygiene.clean.collect import CleanRequest, Survey

_HEADER = struct.Struct("<Q")
# Candidates and progress go out at most this often: a message per candidate would cost the
# walk a pickle and a write each.
_FLUSH_SECONDS = 0.03


class ScanFailed(HygieneError):
    """The scan stopped with an error it could explain (a missing root), or crashed."""


@dataclass(frozen=True)
class Scanned:
    """What the child sends last: the scan's result, and the plan when one was asked for."""

    result: ScanResult
    survey: Survey | None


@dataclass(frozen=True)
class _Job:
    scan: ScanRequest
    plan: CleanRequest | None
    started: float


class ScanFeed:
    """One scan running in a child process; `read` takes its messages in this process."""

    def __init__(self, fd: int, pid: int | None, proc: subprocess.Popen[bytes] | None) -> None:
        self._fd = fd
        self._pid = pid  # forked
        self._proc = proc  # spawned
        # Taken before the scan starts, so anything changed after the scan saw it is re-judged.
        self.started = 0.0
        self._reader = os.fdopen(fd, "rb", buffering=1 << 16)
        self._reaped = False

    @classmethod
    def start(cls, request: ScanRequest, plan: CleanRequest | None = None) -> ScanFeed:
        """Start the scan of `request`; given `plan` (a clean request for the same roots, already
        `resolved`), the child then judges the findings as `clean` would."""
        # The moment is read here; the wait `scan_clock` adds before a scan begins is taken in
        # the child (`_serve`), so this process goes on loading the app meanwhile.
        job = _Job(request, plan, time.time())
        if hasattr(os, "fork") and threading.active_count() == 1:
            feed = cls._fork(job)
        else:
            feed = cls._spawn(job)
        feed.started = job.started
        return feed

    @classmethod
    def _fork(cls, request: _Job) -> ScanFeed:
        read, write = os.pipe()
        _grow(write)
        pid = os.fork()
        if pid == 0:  # the scan
            code = 1
            try:
                os.close(read)
                _quiet()
                _serve(request, write)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        return cls(read, pid, None)

    @classmethod
    def _spawn(cls, request: _Job) -> ScanFeed:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hygiene.browse.feed"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        assert proc.stdin is not None
        assert proc.stdout is not None
        with proc.stdin:
            proc.stdin.write(pickle.dumps(request, pickle.HIGHEST_PROTOCOL))
        fd = os.dup(proc.stdout.fileno())
        proc.stdout.close()
        return cls(fd, None, proc)

    def read(
        self,
        candidates: Callable[[list[Artifact]], None],
        progress: Callable[[int, int], None],
        walked: Callable[[ScanResult], None] | None = None,
    ) -> Scanned:
        """Hand on candidates and progress as they come, the scan's result to `walked` once the
        walk is over (the plan, if asked for, is being made), and return the result and plan at
        the end.
        Blocks: call it off the UI thread. ScanFailed if the scan failed or was stopped."""
        result: ScanResult | None = None
        try:
            while True:
                message = self._next()
                if message is None:
                    raise ScanFailed("the scan stopped before it finished")
                kind = message[0]
                if kind == "found":
                    _, found, files, size = message
                    if found:
                        candidates(found)
                    progress(files, size)
                elif kind == "result":
                    result = message[1]
                    if walked is not None:
                        walked(result)
                elif kind == "plan" and result is not None:
                    return Scanned(result, message[1])
                else:
                    raise ScanFailed(str(message[1]))
        finally:
            self.close()

    def _next(self) -> Any:
        head = self._reader.read(_HEADER.size)
        if len(head) < _HEADER.size:
            return None
        (size,) = _HEADER.unpack(head)
        data = self._reader.read(size)
        if len(data) < size:
            return None
        return pickle.loads(data)

    def stop(self) -> None:
        """End the scan if it still runs (the app quits or scans again); its workers follow."""
        if self._reaped:
            return
        pid = self._pid if self._pid is not None else self._proc.pid if self._proc else None
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def close(self) -> None:
        """Wait for the child to end (so it is not taken for a process using the tree when the
        plan is made), and close the pipe."""
        with contextlib.suppress(OSError, ValueError):
            self._reader.close()
        if self._reaped:
            return
        self._reaped = True
        if self._proc is not None:
            self._proc.wait()
        elif self._pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)


def _grow(fd: int) -> None:
    from hygiene.git.run import grow_pipe

    grow_pipe(fd)


def _quiet() -> None:
    """The child's standard streams away from the terminal the app draws on; SIGTERM ends it
    as an exception would, so its worker processes are ended too."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)

    def stop(_signum: int, _frame: object) -> NoReturn:
        raise SystemExit(1)

    signal.signal(signal.SIGTERM, stop)


def _serve(job: _Job, fd: int) -> None:
    """Run the scan (and the plan), writing its messages to `fd`."""
    from hygiene.scan.engine import scan

    out = os.fdopen(fd, "wb", buffering=0)
    pending: list[Artifact] = []
    files = size = 0
    sent = 0.0

    def send(message: object) -> None:
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        out.write(_HEADER.pack(len(data)) + data)

    def flush(force: bool = False) -> None:
        nonlocal sent
        now = time.monotonic()
        if force or now - sent >= _FLUSH_SECONDS:
            sent = now
            send(("found", pending[:], files, size))
            pending.clear()

    def candidate(artifact: Artifact) -> None:
        pending.append(artifact)
        flush()

    def progress(walked: int, walked_bytes: int, _path: str) -> None:
        nonlocal files, size
        files, size = walked, walked_bytes
        flush()

    time.sleep(max(0.0, job.started + SCAN_CLOCK_MARGIN - time.time()))
    try:
        result = scan(job.scan, progress=progress, candidate=candidate)
        flush(force=True)
        send(("result", result))
        send(("plan", _plan(job, result)))
    except HygieneError as exc:
        send(("error", str(exc)))
        return
    except Exception as exc:
        send(("error", f"the scan crashed: {type(exc).__name__}: {exc}"))
        return
    out.close()


def _plan(job: _Job, result: ScanResult) -> Survey | None:
    if job.plan is None:
        return None
    from hygiene.clean.collect import judge

    # The parent is the browse process, the one that acts: it is this plan's maker, not a
    # process using the tree (its working folder, its command line naming the roots).
    return judge(
        job.plan,
        result.findings,
        refused=result.refused,
        started=job.started,
        ours=(os.getppid(),),
    )


def main() -> None:
    """`python -m hygiene.browse.feed`: the job on stdin, the messages on stdout."""
    request = pickle.loads(sys.stdin.buffer.read())
    out = os.dup(1)
    _grow(out)
    _quiet()
    _serve(request, out)


if __name__ == "__main__":
    main()
