"""The forked worker pool: answers in order, failures sent back, dead workers, no deadlock,
no descriptor of the parent held open in a worker, no worker left behind."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from hygiene.scan.engine import ScanRequest, scan
from hygiene.scan.measure import WorkerPool
from hygiene.scan.speed.forkpool import ForkPool, WorkerLost
from tests.scan.test_measure_parallel import build, deep_tree


def echo(value: object) -> object:
    return value


def fail(message: str) -> None:
    raise ValueError(message)


def pid_of_worker() -> int:
    return os.getpid()


def sleep_then(seconds: float, value: object) -> object:
    time.sleep(seconds)
    return value


def read_all(fd: int, timeout: float = 5.0) -> bytes | None:
    """Whatever the pipe holds once every writer has closed it; None if one still has it open
    after `timeout` seconds."""
    import select

    chunks = []
    deadline = time.monotonic() + timeout
    while select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
    return None


def children() -> set[int]:
    """This process's live or unreaped children, from /proc."""
    me = str(os.getpid())
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me:
                found.add(int(entry))
    return found


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
        return handle.read().rsplit(")", 1)[1].split()[0]


class Unrebuildable(Exception):
    """Pickled with its message alone, rebuilt by calling the class with it: TypeError."""

    def __init__(self, message: str, *, code: int) -> None:
        super().__init__(message)
        self.code = code


def echo_or_raise(value: int) -> int:
    if value == 1:
        raise Unrebuildable("one", code=1)
    return value


@pytest.fixture
def pool():  # type: ignore[no-untyped-def]
    before = children()
    made = ForkPool(2)
    yield made
    made.close()
    assert children() == before  # every worker ended and reaped


def test_answers_come_back_to_their_tasks(pool: ForkPool) -> None:
    tasks = [pool.submit(echo, n) for n in range(50)]
    assert [pool.result(task) for task in tasks] == list(range(50))
    # Sent at once, they are shared between the two workers.
    pids = {pool.result(task) for task in [pool.submit(pid_of_worker) for _ in range(10)]}
    assert len(pids) == 2 and os.getpid() not in pids


def test_an_error_in_a_task_is_raised_where_its_answer_is_read(pool: ForkPool) -> None:
    task = pool.submit(fail, "no")
    with pytest.raises(ValueError, match="no"):
        pool.result(task)
    assert pool.result(pool.submit(echo, 1)) == 1  # the worker goes on


def test_tasks_and_answers_bigger_than_a_pipe_do_not_deadlock(pool: ForkPool) -> None:
    """Both directions at once: the workers write answers nobody has read yet while more
    tasks are sent to them."""
    big = b"x" * (3 << 20)
    tasks = [pool.submit(echo, big + bytes([n])) for n in range(6)]
    assert all(pool.result(task) == big + bytes([n]) for n, task in enumerate(tasks))


def test_wait_returns_what_is_done_or_nothing_after_the_timeout(pool: ForkPool) -> None:
    slow = pool.submit(sleep_then, 0.5, "slow")
    assert pool.wait([slow], timeout=0.05) == set()
    quick = pool.submit(echo, "quick")
    assert pool.wait([slow, quick], timeout=5) == {quick}
    assert pool.result(slow) == "slow"


def test_a_worker_that_dies_fails_its_tasks_and_the_others_go_on(pool: ForkPool) -> None:
    victim = pool.result(pool.submit(pid_of_worker))
    busy = [pool.submit(sleep_then, 0.3, n) for n in range(4)]
    os.kill(victim, signal.SIGKILL)
    outcomes = []
    for task in busy:
        try:
            outcomes.append(pool.result(task))
        except WorkerLost:
            outcomes.append("lost")
    assert "lost" in outcomes and any(o != "lost" for o in outcomes)
    assert pool.alive == 1
    assert pool.result(pool.submit(echo, "still")) == "still"


def test_an_answer_that_cannot_be_read_here_fails_its_task_alone() -> None:
    """The answers after it still reach their own tasks (not the wrong ones, nor none, which
    would wait forever); the pool then sizes that piece here, where the error is raised."""
    forked = ForkPool(1)
    try:
        tasks = [forked.submit(echo_or_raise, value) for value in range(4)]
        deadline = time.monotonic() + 10
        while not all(task.done() for task in tasks) and time.monotonic() < deadline:
            forked.wait([task for task in tasks if not task.done()], timeout=0.1)
        assert [forked.result(task) for task in tasks if task is not tasks[1]] == [0, 2, 3]
        with pytest.raises(WorkerLost):
            forked.result(tasks[1])
    finally:
        forked.close()
    pool = WorkerPool(1)
    try:
        with pytest.raises(Unrebuildable):
            pool.result(pool.submit(echo_or_raise, 1), echo_or_raise, 1)
        assert pool.result(pool.submit(echo_or_raise, 2), echo_or_raise, 2) == 2
    finally:
        pool.close()


def test_close_ends_busy_workers_at_once() -> None:
    before = children()
    pool = ForkPool(2)
    pool.submit(sleep_then, 60, None)
    started = time.monotonic()
    pool.close()
    assert time.monotonic() - started < 5
    assert children() == before


def test_a_worker_holds_no_descriptor_of_its_parent() -> None:
    """A pipe the parent opened before the pool: once the parent closes its write end, the
    reader sees the end, because no worker kept a copy (a git process's stdin would hang)."""
    reader, writer = os.pipe()
    pool = ForkPool(2)
    try:
        os.write(writer, b"done")
        os.close(writer)
        assert read_all(reader) == b"done"
        assert pool.result(pool.submit(echo, 1)) == 1
    finally:
        os.close(reader)
        pool.close()


def test_the_scan_gets_its_answers_here_when_a_worker_dies(tmp_path: Path) -> None:
    """The walk's pool loses a worker in the middle of a scan: the lost pieces are walked in
    this process, and the scan says the same as without workers."""
    root = tmp_path / "ws"
    deep_tree(root)
    build(root / "more")
    serial = scan(ScanRequest(roots=(root,), workers=0))

    lost: list[object] = []

    class Dying(WorkerPool):
        def submit(self, fn, *args):  # type: ignore[no-untyped-def]
            if self._forked is None and not lost:
                # The first worker dies before its first task, which is sent to it all the
                # same: the pool learns of the death only when it reads.
                self._forked = ForkPool(self.workers)
                victim = self._forked._workers[0].pid
                os.kill(victim, signal.SIGKILL)
                while _state(victim) != "Z":
                    time.sleep(0.001)
                lost.append(super().submit(fn, *args))
                return lost[0]
            return super().submit(fn, *args)

    import hygiene.scan.engine as scan_module

    real = scan_module.WorkerPool
    scan_module.WorkerPool = Dying  # type: ignore[misc]
    try:
        dying = scan(ScanRequest(roots=(root,), workers=2))
    finally:
        scan_module.WorkerPool = real  # type: ignore[misc]
    assert dying.findings == serial.findings
    assert dying.totals == serial.totals
    assert isinstance(lost[0].value, WorkerLost)  # type: ignore[attr-defined]


# A Ctrl-C reaching a worker right after its fork, before it could ignore it: raised from C
# in the child (an at-fork hook), so that no Python code of the hook takes it first.
_INTERRUPTED_AT_FORK = """
import ctypes, functools, os, signal
from hygiene.scan.speed.forkpool import ForkPool

raise_signal = ctypes.CDLL(None)["raise"]
raise_signal.argtypes = [ctypes.c_int]
os.register_at_fork(after_in_child=functools.partial(raise_signal, signal.SIGINT))
me = os.getpid()
try:
    pool = ForkPool(2)
    print("answer", pool.result(pool.submit(abs, -3)), flush=True)
    pool.close()
except KeyboardInterrupt:
    print("interrupted", "here" if os.getpid() == me else "in a worker", flush=True)
print("went on", "here" if os.getpid() == me else "in a worker", flush=True)
"""


def test_a_ctrl_c_at_the_fork_never_runs_this_process_code_in_a_worker() -> None:
    """KeyboardInterrupt in a new worker would unwind it into the code that forked it: the
    scan's cleanup (killing this process's git) and the CLI's exit, run twice."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _INTERRUPTED_AT_FORK],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.splitlines() == ["answer 3", "went on here"], done.stderr
