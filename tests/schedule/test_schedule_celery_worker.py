"""The Celery export run the way docs/schedule.md says to run it: a real `celery -A hygiene_beat
worker` (and `-B`, its beat) on Redis, in a subprocess whose environment is a shell's that never
set HYGIENE_HOME, executes the task `beat_schedule` names with the entry's own arguments
(issue 17). The zone arithmetic is test_schedule_targets.py's (Celery's `is_due` stepped)."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import socket
import stat
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hygiene.schedule import history
from tests.conftest import require_tool, venv_tool

pytestmark = pytest.mark.redis

# Generous: two shared cores, and a worker imports Celery, kombu and redis before it is ready.
READY_SECONDS = 90.0
TASK_SECONDS = 120.0


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def celery_program() -> str:
    return require_tool("celery", venv_tool("celery"), "pip install -e '.[test]'")


def export_module(cli, tmp_path: Path, body: str) -> tuple[Path, dict[str, Any]]:  # type: ignore[no-untyped-def]
    """`hygiene schedule export --format celery -o myproject/`, and the module's beat_schedule
    as the worker will read it."""
    config = tmp_path / "project" / "hygiene.toml"
    config.parent.mkdir(parents=True)
    config.write_text(body, encoding="utf-8")
    folder = tmp_path / "myproject"
    result = cli("schedule", "export", "--format", "celery", "-o", folder, "--config", config)
    assert result.code == 0, result.err
    spec = importlib.util.spec_from_file_location(
        f"hygiene_beat_{uuid.uuid4().hex}", folder / "hygiene_beat.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return folder, module.beat_schedule


def worker_env(tmp_path: Path, redis_url: str, **extra: str) -> dict[str, str]:
    """A login shell's environment on the worker's side: the broker and result backend set the
    way Celery reads them, a home of its own, no HYGIENE_HOME nor HYGIENE_CONFIG_HOME."""
    home = tmp_path / "worker-home"
    home.mkdir(exist_ok=True)
    return {
        "PATH": os.defpath,
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        **extra,
    }


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the worker itself, as a supervisor stops it: a warm shutdown that lets the
    pool finish. Then SIGKILL to its process group, for whatever outlived it."""
    proc.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


@contextlib.contextmanager
def celery_worker(
    folder: Path, env: dict[str, str], log: Path, *options: str, app: str = "hygiene_beat"
) -> Iterator[Worker]:
    """`celery -A hygiene_beat worker` started in the export folder, as the docs start it."""
    argv = [celery_program(), "-A", app, "worker", "--loglevel", "INFO"]
    # One pool process: two shared cores, and tasks then run one after the other.
    argv += ["--concurrency", "1", "--hostname", f"hygiene-test-{uuid.uuid4().hex[:8]}@%h"]
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [*argv, *options],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = Worker(proc, log)
    try:
        deadline = time.monotonic() + READY_SECONDS
        while " ready." not in worker.output():
            if proc.poll() is not None:
                pytest.fail(f"the worker exited ({proc.returncode}):\n{worker.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the worker was not ready in {READY_SECONDS:.0f}s:\n{worker.output()}")
            time.sleep(0.2)
        yield worker
    finally:
        _stop(proc)


@pytest.fixture
def client(redis_url: str) -> Iterator[Any]:
    """The sending side: a Celery app of the test's own on the same broker and backend."""
    from celery import Celery

    app = Celery("hygiene-test-client", broker=redis_url, backend=redis_url, set_as_current=False)
    yield app
    app.close()


def send(client: Any, entry: dict[str, Any], queue: str) -> Any:
    """What beat sends for `entry`: its task, args, kwargs and options, exactly; only the
    queue is the test's own, so no other worker on the broker takes it."""
    return client.send_task(
        entry["task"],
        args=entry.get("args"),
        kwargs=entry.get("kwargs"),
        queue=queue,
        **entry.get("options", {}),
    )


def stored_result(redis_url: str, task_id: str) -> str:
    """The task's result as the backend keeps it in Redis, byte for byte."""
    import redis

    with redis.Redis.from_url(redis_url) as connection:
        raw = connection.get(f"celery-task-meta-{task_id}")
    assert raw is not None, task_id
    return bytes(raw).decode("utf-8", errors="replace")


def queue_name() -> str:
    return f"hygiene-test-{uuid.uuid4().hex[:12]}"


# ---- a job run by the worker -----------------------------------------------------------------


@pytest.mark.postgres
def test_worker_runs_the_job_with_the_database_url_from_its_own_environment(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, redis_url: str, postgres_url: str, client: Any
) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    # The server trusts local connections and ignores a password; one that checks passwords
    # is given its own.
    secret = url.password or f"pw-{uuid.uuid4().hex}"
    secret_url = url.set(password=secret).render_as_string(hide_password=False)
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE django_session (session_key varchar(40) PRIMARY KEY, "
                "session_data text NOT NULL, expire_date timestamptz NOT NULL)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO django_session VALUES "
                "('expired', 'a', now() - interval '2 days'), ('live', 'b', now() + interval '2 days')"
            )
        )
    folder, schedule = export_module(
        cli,
        tmp_path,
        '[[jobs]]\nname = "sessions"\nschedule = "0 2 * * *"\ntimezone = "Asia/Seoul"\n'
        'run = "db clean --preset django --yes"\nurl_env = "APP_DATABASE_URL"\n',
    )
    entry = schedule["hygiene-sessions"]
    queue = queue_name()
    env = worker_env(tmp_path, redis_url, APP_DATABASE_URL=secret_url)
    with celery_worker(folder, env, tmp_path / "worker.log", "-Q", queue) as worker:
        result = send(client, entry, queue)
        assert result.get(timeout=TASK_SECONDS, propagate=False) is None, worker.output()
        assert result.state == "SUCCESS", worker.output()
    output = worker.output()
    with engine.connect() as conn:
        left = conn.execute(text("SELECT session_key FROM django_session")).scalars().all()
    engine.dispose()
    assert left == ["live"]
    assert "sessions: done (1 attempt)" in output
    job_log = Path(os.environ["HYGIENE_HOME"]) / "logs" / "jobs" / "sessions.log"
    # The URL came from the worker's environment alone (the config names only the variable),
    # password and all, and the log shows it masked.
    assert f"{url.username}:***@{url.host}" in job_log.read_text(encoding="utf-8")
    # Read at run time from the worker's environment, and written nowhere Celery or hygiene keeps.
    for where, written in {
        "the worker's stdout and stderr": output,
        "the task's arguments": json.dumps(entry, default=repr),
        "the task's stored result": stored_result(redis_url, result.id),
        "the job log": job_log.read_text(encoding="utf-8"),
        "the history": repr(history.runs()),
    }.items():
        assert secret not in written, where


# ---- HYGIENE_HOME as exported ----------------------------------------------------------------


def test_worker_keeps_state_and_logs_in_the_exported_hygiene_home(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, redis_url: str, client: Any
) -> None:
    tree = tmp_path / "tree"
    cache = tree / "app" / "__pycache__"
    cache.mkdir(parents=True)
    (cache / "m.cpython-311.pyc").write_bytes(b"\0" * 4096)
    (tree / "app" / "m.py").write_text("print(1)\n", encoding="utf-8")
    home = Path(os.environ["HYGIENE_HOME"])  # set when the module was exported
    folder, schedule = export_module(
        cli,
        tmp_path,
        '[[jobs]]\nname = "tidy"\nschedule = "0 3 * * 0"\n'
        f'run = ["clean", "{tree}", "--yes", "--min-age", "0s"]\n',
    )
    queue = queue_name()
    env = worker_env(tmp_path, redis_url)
    with celery_worker(folder, env, tmp_path / "worker.log", "-Q", queue) as worker:
        result = send(client, schedule["hygiene-tidy"], queue)
        result.get(timeout=TASK_SECONDS, propagate=False)
        assert result.state == "SUCCESS", worker.output()
    assert not cache.exists()
    assert (tree / "app" / "m.py").exists()
    job_log = home / "logs" / "jobs" / "tidy.log"
    assert stat.S_IMODE(job_log.stat().st_mode) == 0o600
    assert "attempt 1: " in job_log.read_text(encoding="utf-8")
    # The worker's own home got nothing: no second HYGIENE_HOME under ~/.local/share.
    assert list(Path(env["HOME"]).iterdir()) == []
    report = cli("report", "--json", "--config", tmp_path / "project" / "hygiene.toml")
    assert report.code == 0, report.err
    [job] = json.loads(report.out)["jobs"]
    assert (job["name"], job["last_run"]["status"], job["runs"]) == ("tidy", "ok", 1)
    quarantine = cli("quarantine", "list")
    assert "1 run(s)" in quarantine.out


# ---- failures, timeouts and a variable the worker lacks ---------------------------------------


def test_worker_fails_the_task_when_the_job_fails_times_out_or_lacks_a_variable(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, redis_url: str, client: Any
) -> None:
    password = f"pw-{uuid.uuid4().hex}"
    with socket.socket() as probe:  # a port nothing listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        refused_port = probe.getsockname()[1]
    # A "database" that accepts connections and never answers: the job hangs in connect for
    # hygiene's 10 s connect timeout, longer than the job's own 3 s.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        folder, schedule = export_module(
            cli,
            tmp_path,
            '[[jobs]]\nname = "broken"\nschedule = "0 4 * * *"\nrun = "scan missing-folder"\n'
            "retries = 1\n"
            '[[jobs]]\nname = "stuck"\nschedule = "0 4 * * *"\n'
            f'run = "db clean postgresql://hygiene@127.0.0.1:{port}/app --preset django --yes"\n'
            'timeout = "3s"\nretries = 0\n'
            '[[jobs]]\nname = "refused"\nschedule = "0 4 * * *"\nretries = 0\n'
            'run = "db clean postgresql://hygiene:${HYGIENE_TEST_PASSWORD}@127.0.0.1:'
            f'{refused_port}/app --preset django --yes"\n'
            '[[jobs]]\nname = "unset"\nschedule = "0 4 * * *"\n'
            'run = "db clean --preset django --yes"\nurl_env = "HYGIENE_TEST_UNSET_URL"\n',
        )
        queue = queue_name()
        env = worker_env(
            tmp_path, redis_url, HYGIENE_RETRY_BACKOFF="1s", HYGIENE_TEST_PASSWORD=password
        )
        with celery_worker(folder, env, tmp_path / "worker.log", "-Q", queue) as worker:
            results = {
                name: send(client, schedule[f"hygiene-{name}"], queue)
                for name in ("broken", "stuck", "refused", "unset")
            }
            for result in results.values():
                result.get(timeout=TASK_SECONDS, propagate=False)
        output = worker.output()
    assert {name: r.state for name, r in results.items()} == dict.fromkeys(results, "FAILURE"), (
        output
    )
    # hygiene retries inside the task; Celery runs each task once and does not retry it again.
    for result in results.values():
        assert output.count(f"[{result.id}] received") == 1, output
    [broken] = history.runs(job="broken")
    assert (broken.status, broken.attempts, broken.exit_code) == ("failed", 2, 2)
    assert "missing-folder" in broken.error
    [stuck] = history.runs(job="stuck")
    assert (stuck.status, stuck.attempts) == ("timeout", 1)
    assert (stuck.ended - stuck.started).total_seconds() < 10
    # `${NAME}` read from the worker's environment: the URL had a password, shown masked.
    [refused] = history.runs(job="refused")
    assert refused.status == "failed"
    assert f"hygiene:***@127.0.0.1:{refused_port}" in refused.error
    logs = Path(os.environ["HYGIENE_HOME"]) / "logs" / "jobs"
    for where, written in {
        "the worker's stdout and stderr": output,
        "the task's stored result": stored_result(redis_url, results["refused"].id),
        "the job log": (logs / "refused.log").read_text(encoding="utf-8"),
        "the history": repr(history.runs()),
    }.items():
        assert password not in written, where
    # The task refuses before hygiene starts: nothing recorded, the variable named.
    assert history.runs(job="unset") == []
    assert "HYGIENE_TEST_UNSET_URL" in str(results["unset"].result)


# ---- beat itself -----------------------------------------------------------------------------


@pytest.mark.slow
def test_beat_in_the_worker_sends_a_due_job_and_the_worker_runs_it(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, redis_url: str
) -> None:
    folder, _ = export_module(
        cli,
        tmp_path,
        '[[jobs]]\nname = "minutely"\nschedule = "* * * * *"\ntimezone = "Asia/Kolkata"\n'
        'run = "scan ."\n',
    )
    env = worker_env(tmp_path, redis_url)
    # `worker -B`, as the docs start it: beat sends to Celery's default queue, which only this
    # test of the session uses (the database was emptied when the session began).
    with celery_worker(folder, env, tmp_path / "worker.log", "-B") as worker:
        deadline = time.monotonic() + 90
        while not history.runs(job="minutely"):
            assert worker.proc.poll() is None, worker.output()
            assert time.monotonic() < deadline, worker.output()
            time.sleep(1)
        output = worker.output()
    run = history.runs(job="minutely")[-1]  # the first; stopping may take past the next minute
    assert run.status == "ok", output
    assert "Sending due task hygiene-minutely (hygiene.run_job)" in output
    assert "minutely: done (1 attempt)" in output


# ---- the module inside an app the project already has -----------------------------------------


def test_an_app_of_the_projects_own_runs_the_jobs_it_imports(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, redis_url: str, client: Any
) -> None:
    folder, schedule = export_module(
        cli,
        tmp_path,
        '[[jobs]]\nname = "survey"\nschedule = "0 5 * * *"\nrun = "scan ."\n',
    )
    # The docs' other way: import the module into your app and hand beat its schedule.
    (folder / "proj.py").write_text(
        "from celery import Celery\n\n"
        "import hygiene_beat\n\n"
        'app = Celery("proj")\n'
        "app.conf.beat_schedule = hygiene_beat.beat_schedule\n",
        encoding="utf-8",
    )
    queue = queue_name()
    env = worker_env(tmp_path, redis_url)
    argv = ["-Q", queue]
    with celery_worker(folder, env, tmp_path / "worker.log", *argv, app="proj") as worker:
        result = send(client, schedule["hygiene-survey"], queue)
        result.get(timeout=TASK_SECONDS, propagate=False)
        assert result.state == "SUCCESS", worker.output()
    assert "app:         proj:" in worker.output()
    [run] = history.runs(job="survey")
    assert run.status == "ok"
