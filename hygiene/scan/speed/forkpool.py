"""Worker processes forked from this one, fed and read through pipes by this thread alone.

ProcessPoolExecutor costs a scan the import of multiprocessing and its queues, and runs two
helper threads that take turns with the walk for the GIL (what that costs:
docs/architecture.md). A scan needs none of its generality: a few workers forked once, tasks
that are a function and its arguments, answers read as they come. Forking is only safe from a
process with a single thread; for the others, `hygiene.scan.measure.WorkerPool` keeps
ProcessPoolExecutor with a forkserver.

Each worker has a pipe for tasks and one for answers, answered in the order sent; this process
never blocks writing a task (what the pipe cannot take waits for `wait` to push it on), so a
worker blocked writing a big answer and this process writing it a big task cannot deadlock. A
worker that dies fails its tasks with `WorkerLost`; the others go on.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import select
import signal
import struct
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from hygiene.git.run import grow_pipe

_HEADER = struct.Struct("<Q")  # the length of the pickle that follows
_READ = 1 << 20
_LEAVE_SECONDS = 1.0


class WorkerLost(Exception):
    """The worker died (killed, out of memory) before it answered."""


class Task:
    """One task sent to a worker; `done()` once its answer (or the worker's death) is in."""

    __slots__ = ("finished", "ok", "value")

    def __init__(self) -> None:
        self.finished = False
        self.ok = False
        self.value: Any = None

    def done(self) -> bool:
        return self.finished


class _Worker:
    __slots__ = ("alive", "inbox", "outbox", "pid", "received", "tasks", "unsent")

    def __init__(self, pid: int, inbox: int, outbox: int) -> None:
        self.pid = pid
        self.inbox = inbox  # this process writes tasks here
        self.outbox = outbox  # and reads answers here
        self.unsent = bytearray()
        self.received = bytearray()
        self.tasks: deque[Task] = deque()  # sent, not answered, in the order sent
        self.alive = True


def _close_all_but(*keep: int) -> None:
    """Close every descriptor above stderr but `keep`: those listed open in /proc where it is
    mounted (closing up to the open-file limit one by one can mean a million calls where the
    kernel has no close_range), else the whole range."""
    try:
        open_fds = sorted(int(name) for name in os.listdir("/proc/self/fd"))
    except OSError:
        edges = [2, *sorted(keep), os.sysconf("SC_OPEN_MAX")]
        for low, high in itertools.pairwise(edges):
            os.closerange(low + 1, high)
        return
    for fd in open_fds:
        if fd > 2 and fd not in keep:
            with contextlib.suppress(OSError):  # the listing's own descriptor, closed already
                os.close(fd)


def _serve(inbox: int, outbox: int) -> NoReturn:
    """A worker's life: run each task read from `inbox`, write its answer to `outbox`, until
    the pool closes `inbox`. Never returns into the parent's code."""
    try:
        reader = open(inbox, "rb", closefd=False)  # noqa: SIM115 - os._exit ends it
        while True:
            head = reader.read(_HEADER.size)
            if len(head) < _HEADER.size:
                break  # the pool is closing
            fn, args = pickle.loads(reader.read(_HEADER.unpack(head)[0]))
            try:
                answer: tuple[bool, Any] = (True, fn(*args))
            except BaseException as exc:
                answer = (False, exc)
            try:
                data = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
            except BaseException as exc:
                data = pickle.dumps((False, RuntimeError(f"unpicklable answer: {exc!r}")))
            view = memoryview(_HEADER.pack(len(data)) + data)
            while view:
                view = view[os.write(outbox, view) :]
    finally:
        os._exit(0)


class ForkPool:
    """`workers` processes forked now; see the module's docstring."""

    def __init__(self, workers: int) -> None:
        self._workers: list[_Worker] = []
        try:
            for _ in range(workers):
                self._fork()
        except BaseException:
            self.close()
            raise

    def _fork(self) -> None:
        task_r, task_w = os.pipe()
        answer_r, answer_w = os.pipe()
        # Ctrl-C reaches the whole process group, and this process answers it by ending the
        # workers. Held back across the fork: in the child until it ignores it (taken before,
        # KeyboardInterrupt would unwind the child into this process's code), and here until
        # the child is on record to be ended.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            pid = os.fork()
        except BaseException:
            for fd in (task_r, task_w, answer_r, answer_w):
                os.close(fd)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            raise
        if pid == 0:  # the worker
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C held back is dropped
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                # Nothing of the parent's but its own two pipe ends: another worker's task
                # pipe held open here would never close, nor would a git process's stdin.
                _close_all_but(task_r, answer_w)
                _serve(task_r, answer_w)
            finally:
                os._exit(1)
        try:
            self._workers.append(_Worker(pid, task_w, answer_r))
            os.close(task_r)
            os.close(answer_w)
            for fd in (task_w, answer_r):
                os.set_blocking(fd, False)
                grow_pipe(fd)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    @property
    def alive(self) -> int:
        return sum(worker.alive for worker in self._workers)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Task:
        """Send `fn(*args)` to the live worker with the fewest tasks. WorkerLost if none is."""
        live = [worker for worker in self._workers if worker.alive]
        if not live:
            raise WorkerLost("no worker left")
        worker = min(live, key=lambda w: len(w.tasks))
        data = pickle.dumps((fn, args), pickle.HIGHEST_PROTOCOL)
        task = Task()
        worker.tasks.append(task)
        worker.unsent += _HEADER.pack(len(data))
        worker.unsent += data
        self._push(worker)
        return task

    def wait(self, tasks: Iterable[Task], timeout: float | None = None) -> set[Task]:
        """Those of `tasks` that are done, waiting until one is or `timeout` seconds pass."""
        wanted = list(tasks)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            done = {task for task in wanted if task.finished}
            if done or not wanted:
                return done
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return done
            self._poll(left)

    def result(self, task: Task) -> Any:
        """The task's answer; the exception it raised in the worker, or WorkerLost."""
        if not task.finished:
            self.wait([task])
        if task.ok:
            return task.value
        raise task.value

    def close(self) -> None:
        """End every worker: an idle one leaves on its own, a busy one is killed; all reaped."""
        for worker in self._workers:
            if worker.alive and worker.tasks:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signal.SIGKILL)
            for fd in (worker.inbox, worker.outbox):
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._lose(worker)
        # An idle worker leaves at the end of its task pipe; one that has not within a second
        # (it should not happen) is killed rather than waited for forever.
        deadline = time.monotonic() + _LEAVE_SECONDS
        for worker in self._workers:
            with contextlib.suppress(ChildProcessError):
                while os.waitpid(worker.pid, os.WNOHANG) == (0, 0):
                    if time.monotonic() > deadline:
                        os.kill(worker.pid, signal.SIGKILL)
                        os.waitpid(worker.pid, 0)
                        break
                    time.sleep(0.001)
        self._workers = []

    # -- this process's side of the pipes --

    def _poll(self, timeout: float | None) -> None:
        poller = select.poll()
        for worker in self._workers:
            if worker.alive:
                poller.register(worker.outbox, select.POLLIN)
                if worker.unsent:
                    poller.register(worker.inbox, select.POLLOUT)
        by_fd = {w.outbox: w for w in self._workers} | {w.inbox: w for w in self._workers}
        try:
            ready = poller.poll(None if timeout is None else max(0, int(timeout * 1000)))
        except InterruptedError:  # pragma: no cover - PEP 475 retries; a handler may raise
            return
        for fd, _ in ready:
            worker = by_fd[fd]
            if not worker.alive:
                continue
            if fd == worker.outbox:
                self._receive(worker)
            else:
                self._push(worker)

    def _push(self, worker: _Worker) -> None:
        try:
            while worker.unsent:
                sent = os.write(worker.inbox, worker.unsent)
                del worker.unsent[:sent]
        except BlockingIOError:
            pass  # the rest goes when the pipe has room
        except OSError:
            self._lose(worker)

    def _receive(self, worker: _Worker) -> None:
        while True:
            try:
                chunk = os.read(worker.outbox, _READ)
            except BlockingIOError:
                break
            except OSError:
                chunk = b""
            if not chunk:
                self._lose(worker)
                return
            worker.received += chunk
        buffer = worker.received
        at = 0
        while len(buffer) - at >= _HEADER.size:
            (size,) = _HEADER.unpack_from(buffer, at)
            end = at + _HEADER.size + size
            if len(buffer) < end:
                break
            task = worker.tasks.popleft()
            try:
                task.ok, task.value = pickle.loads(buffer[at + _HEADER.size : end])
            except Exception as exc:  # an exception class that cannot be rebuilt from its args
                # Raised from here, it would leave this task unanswered and the answers after
                # it to be read again, for the wrong tasks. Lost instead: sized here again.
                task.ok, task.value = False, WorkerLost(f"answer unreadable here: {exc!r}")
            task.finished = True
            at = end
        del buffer[:at]

    def _lose(self, worker: _Worker) -> None:
        """The worker is gone (or being ended): its unanswered tasks fail."""
        worker.alive = False
        worker.unsent.clear()
        while worker.tasks:
            task = worker.tasks.popleft()
            task.ok, task.value = False, WorkerLost(f"worker {worker.pid} ended")
            task.finished = True
