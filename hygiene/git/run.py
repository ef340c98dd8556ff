"""The one way hygiene runs git: one process now (`git`), two piped (`git_pipe`), many in the
background (`GitJobs`), and the helpers that keep their number fixed (`chunks`, `per_repo`).

Plumbing through subprocess, not a library: these run on the pre-commit path and in the scan's
hot path, where start-up and per-call overhead matter, and a scan of any size costs a fixed
number of git processes per repository. Paths cross as NUL-separated bytes so that names that
are not valid UTF-8 survive the round trip.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from hygiene.errors import HygieneError

# What `git rev-parse --local-env-vars` lists: variables that point git at another
# repository, index or object store. Inherited from a dotfiles setup (GIT_DIR=~/.dotfiles) or
# a git hook, they would make git answer "is this tracked?" about the wrong repository.
REPO_ENV = (
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_OBJECT_DIRECTORY",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_COMMON_DIR",
)


def git_env(*, keep_repo_env: bool = False) -> dict[str, str]:
    """git's environment, built per call (tests and the scheduler change os.environ).

    Read-only questions must never take index.lock or rewrite the index behind a user's back.
    Only the pre-commit hooks keep the repository variables: git sets GIT_INDEX_FILE for them
    when it commits from a temporary index.
    """
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    if not keep_repo_env:
        for name in REPO_ENV:
            env.pop(name, None)
    return env


# Bytes of path arguments per git process: far below ARG_MAX (128 KiB per argument string and
# 2 MiB in all on Linux), whatever the platform.
ARG_BUDGET = 100_000


class GitError(HygieneError):
    pass


def git_said(stderr: bytes) -> str:
    """The line of git's stderr that says what went wrong: its first `fatal:` or `error:`
    line (a refusal for dubious ownership is followed by the command that would allow it),
    else the last line."""
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[-1].strip() if lines else "no output"


def git(
    repo: str,
    *args: str,
    input: bytes | None = None,
    ok: tuple[int, ...] = (0,),
    check: bool = True,
    keep_repo_env: bool = False,
) -> bytes:
    """Run one git command in `repo` and return its stdout; GitError for an exit status not
    in `ok` (unless `check` is off)."""
    try:
        done = subprocess.run(
            ["git", "-C", repo, *args],
            input=input,
            capture_output=True,
            env=git_env(keep_repo_env=keep_repo_env),
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if check and done.returncode not in ok:
        raise GitError(f"git {args[0]} failed in {repo}: {git_said(done.stderr)}")
    return done.stdout


def git_pipe(repo: str, first: Sequence[str], second: Sequence[str]) -> bytes:
    """`git first... | git second...` in `repo`: the stdout of the second, never held whole
    in between (a history's object list can be far larger than its answer)."""
    try:
        feeder = subprocess.Popen(
            ["git", "-C", repo, *first],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=git_env(),
        )
        done = subprocess.run(
            ["git", "-C", repo, *second],
            stdin=feeder.stdout,
            capture_output=True,
            env=git_env(),
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    assert feeder.stdout is not None
    feeder.stdout.close()
    if feeder.wait() != 0 or done.returncode != 0:
        said = git_said(done.stderr)
        raise GitError(f"git {first[0]} | git {second[0]} failed in {repo}: {said}")
    return done.stdout


P = TypeVar("P", str, bytes)


def chunks(paths: Iterable[P]) -> Iterable[list[P]]:
    """`paths` in runs whose command lines stay within ARG_BUDGET."""
    chunk: list[P] = []
    size = 0
    for path in paths:
        if chunk and size + len(path) > ARG_BUDGET:
            yield chunk
            chunk, size = [], 0
        chunk.append(path)
        size += len(path) + 1
    if chunk:
        yield chunk


A = TypeVar("A")
B = TypeVar("B")
T = TypeVar("T")
R = TypeVar("R")
# Git processes wait on I/O and run outside the GIL: a few repositories at once hide latency.
_WORKERS = min(8, (os.cpu_count() or 2) * 2)


def concurrently(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """Two git questions at once: `second` in a thread (the GIL is free while git runs)."""
    import threading

    box: list[B] = []
    failed: list[BaseException] = []

    def run_second() -> None:
        try:
            box.append(second())
        except BaseException as exc:  # re-raised in the caller's thread
            failed.append(exc)

    thread = threading.Thread(target=run_second, daemon=True)
    thread.start()
    try:
        result = first()
    finally:
        thread.join()
    if failed:
        raise failed[0]
    return result, box[0]


def per_repo(work: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`work` applied to each item, a few at a time, results in the items' order."""
    todo = list(items)
    if len(todo) < 2:
        return [work(item) for item in todo]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(_WORKERS, len(todo))) as pool:
        return list(pool.map(work, todo))


class GitJob:
    """One git process started ahead of need, read by `GitJobs.output` when the answer is due."""

    def __init__(self, repo: str, args: tuple[str, ...], input: bytes | None = None) -> None:
        self.repo = repo
        self.args = args
        # What is still to be written to git's stdin (None: stdin is /dev/null).
        self.input = memoryview(input) if input is not None else None
        self.proc: subprocess.Popen[bytes] | None = None
        self.out: list[bytes] = []
        self.err: list[bytes] = []
        self.open_pipes = 0
        self.returncode: int | None = None
        self.error: GitError | None = None  # set when git could not even start

    @property
    def done(self) -> bool:
        return self.returncode is not None or self.error is not None


# Output a git process may write before it stalls waiting to be read: a whole `ls-files` of a
# large work tree fits, so a job finishes while the walk runs even if nobody reads it yet.
_PIPE_BYTES = 1 << 20


def grow_pipe(fd: int) -> None:
    """Ask for a 1 MB pipe behind `fd`, where the platform allows it."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)  # Linux only
    except (ImportError, AttributeError, OSError):
        pass  # a smaller pipe only means the job waits for us sooner


class GitJobs:
    """Git processes run in the background, at most `limit` at once, without threads.

    Threads are avoided on purpose: the walk's sizing pool forks its workers only while this
    process has a single thread. Progress happens in `pump()` (called between walk events: reads
    what is ready, reaps what ended, starts what is queued) and in `output()` (waits). `close()`
    kills and reaps every process still running, on every path out of a scan.
    """

    def __init__(self, limit: int, *, nice: int = 0) -> None:
        import selectors
        import threading

        self.limit = max(1, limit)
        # Added to the niceness of processes started from now on (see `set_pace`).
        self.nice = nice
        self._queue: list[GitJob] = []
        self._running: list[GitJob] = []
        self._selector = selectors.DefaultSelector()
        # Detectors may ask from their worker threads; one of them drives at a time.
        self._lock = threading.Lock()
        self._closed = False

    def start(self, repo: str, *args: str, input: bytes | None = None) -> GitJob:
        """Queue `git -C repo args...` (fed `input` on stdin); it starts when a slot is free."""
        job = GitJob(repo, args, input)
        with self._lock:
            self._queue.append(job)
            self._fill()
        return job

    def set_pace(self, limit: int, *, nice: int) -> None:
        """Change how many run at once and the niceness of those started from now on."""
        with self._lock:
            self.limit = max(1, limit)
            self.nice = nice
            self._fill()

    def pump(self) -> None:
        """Progress without waiting: cheap enough to call between walk events."""
        if not self._running and not self._queue:
            return
        with self._lock:
            self._step(0)

    def output(self, job: GitJob, *, ok: tuple[int, ...] = (0,)) -> bytes:
        """The job's stdout once it has ended; GitError if it failed (exit status not in `ok`)."""
        with self._lock:
            if job in self._queue:  # wanted now: ahead of the others
                self._queue.remove(job)
                self._queue.insert(0, job)
            while not job.done:
                if self._closed:
                    raise GitError(f"git {job.args[0]} in {job.repo}: the scan was closed")
                self._fill()
                self._step(None)
            if len(job.out) > 1:
                job.out[:] = [b"".join(job.out)]  # read again by the next detector: joined once
        if job.error is not None:
            raise job.error
        if job.returncode not in ok:
            said = git_said(b"".join(job.err))
            raise GitError(f"git {job.args[0]} failed in {job.repo}: {said}")
        return job.out[0] if job.out else b""

    def close(self) -> None:
        """Kill what still runs and reap it: no git process outlives the scan."""
        with self._lock:
            self._closed = True
            self._queue.clear()
            for job in self._running:
                assert job.proc is not None
                with contextlib.suppress(OSError):  # ended already
                    job.proc.kill()
            for job in self._running:
                self._finish(job)
            self._running.clear()
            self._selector.close()

    # -- the loop; every method below runs under self._lock --

    def _fill(self) -> None:
        while self._queue and len(self._running) < self.limit and not self._closed:
            self._spawn(self._queue.pop(0))

    def _spawn(self, job: GitJob) -> None:
        import selectors

        try:
            proc = subprocess.Popen(
                ["git", "-C", job.repo, *job.args],
                stdin=subprocess.DEVNULL if job.input is None else subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=git_env(),
            )
        except FileNotFoundError:
            job.error = GitError("git is not installed or not on PATH")
            return
        except OSError as exc:
            job.error = GitError(f"git {job.args[0]} could not start in {job.repo}: {exc}")
            return
        job.proc = proc
        if self.nice and hasattr(os, "setpriority"):
            # After the start, not in the child (preexec_fn would cost the fast spawn): git
            # is a few milliseconds behind, a priority hint needs no precision.
            with contextlib.suppress(OSError):
                os.setpriority(
                    os.PRIO_PROCESS, proc.pid, os.getpriority(os.PRIO_PROCESS, 0) + self.nice
                )
        assert proc.stdout is not None
        assert proc.stderr is not None
        for pipe in (proc.stdout, proc.stderr):
            os.set_blocking(pipe.fileno(), False)
            self._selector.register(pipe, selectors.EVENT_READ, job)
        grow_pipe(proc.stdout.fileno())
        job.open_pipes = 2
        self._running.append(job)
        if proc.stdin is not None:
            os.set_blocking(proc.stdin.fileno(), False)
            grow_pipe(proc.stdin.fileno())
            self._feed(job)
            if proc.stdin is not None and not proc.stdin.closed:
                self._selector.register(proc.stdin, selectors.EVENT_WRITE, job)

    def _feed(self, job: GitJob) -> None:
        """Write what git's stdin takes now; close it once everything is written (or git left)."""
        assert job.proc is not None
        assert job.proc.stdin is not None
        stdin = job.proc.stdin
        if stdin.closed:  # git has ended and been reaped in this same round of events
            return
        rest = job.input
        try:
            while rest:
                rest = rest[os.write(stdin.fileno(), rest) :]
        except BlockingIOError:
            job.input = rest
            return
        except BrokenPipeError:
            pass  # git stopped reading (it failed): its exit status says why
        job.input = None
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(stdin)
        stdin.close()

    def _step(self, timeout: float | None) -> None:
        """Read whatever is ready (waiting up to `timeout`), reap jobs whose pipes closed."""
        if not self._running:
            return
        for key, _ in self._selector.select(timeout):
            job = key.data
            assert isinstance(job, GitJob)
            assert job.proc is not None
            pipe = key.fileobj
            if pipe is job.proc.stdin:
                self._feed(job)
                continue
            while True:
                try:
                    chunk = os.read(key.fd, 1 << 16)
                except BlockingIOError:
                    break
                if not chunk:
                    self._selector.unregister(pipe)
                    job.open_pipes -= 1
                    break
                (job.out if pipe is job.proc.stdout else job.err).append(chunk)
            if job.open_pipes == 0:
                self._finish(job)
                self._running.remove(job)
        self._fill()

    def _finish(self, job: GitJob) -> None:
        assert job.proc is not None
        for pipe in (job.proc.stdin, job.proc.stdout, job.proc.stderr):
            if pipe is not None:
                with contextlib.suppress(KeyError, ValueError):  # already at end of file
                    self._selector.unregister(pipe)
                pipe.close()
        job.open_pipes = 0
        job.returncode = job.proc.wait()
