"""Monitoring: failure webhook against a local HTTP server (never blocking), `hygiene report`
JSON and the Prometheus textfile from a real run history, and the engine import boundary."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hygiene.schedule import history
from hygiene.schedule.notify import Notifier
from hygiene.schedule.settings import NotifySettings

UTC = dt.timezone.utc


class Hook:
    def __init__(self) -> None:
        self.bodies: list[dict[str, str]] = []
        self.release = threading.Event()
        self.received = threading.Event()
        self.hold = False


@pytest.fixture
def hook() -> Iterator[tuple[Hook, str]]:
    state = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            state.bodies.append(json.loads(self.rfile.read(length)))
            state.received.set()
            if state.hold:
                state.release.wait(30)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/hook"
    state.release.set()
    server.shutdown()
    server.server_close()


def test_failed_job_posts_a_slack_message(cli, tmp_path: Path, hook, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    state, url = hook
    monkeypatch.setenv("HYGIENE_RETRY_BACKOFF", "0s")
    config = tmp_path / "hygiene.toml"
    config.write_text(
        '[[jobs]]\nname = "sessions"\nschedule = "@daily"\nrun = "scan missing"\nretries = 1\n'
        f'[notify]\nwebhook = "{url}"\n',
        encoding="utf-8",
    )
    result = cli("schedule", "run", "sessions", "--config", config)
    assert result.code == 1
    [body] = state.bodies
    assert set(body) == {"text"}
    assert "*sessions* failed" in body["text"]
    assert "after 2 attempts" in body["text"]
    assert "does not exist" in body["text"]
    ok = cli("schedule", "run", "sessions", "--config", config)  # still failing: a 2nd post
    assert ok.code == 1
    assert len(state.bodies) == 2


def test_a_slow_hook_never_blocks_the_caller(hook) -> None:  # type: ignore[no-untyped-def]
    state, url = hook
    state.hold = True
    notifier = Notifier(NotifySettings(webhook=url, timeout=30.0))
    thread = notifier.send("job failed")
    assert thread is not None
    # send() has returned while the server is (or will be) holding the request open.
    assert state.received.wait(30)
    assert thread.is_alive()
    assert not state.release.is_set()
    state.release.set()
    assert notifier.wait(30) == 0
    assert notifier.sent == 1


def test_an_unreachable_hook_is_reported_not_raised() -> None:
    notifier = Notifier(NotifySettings(webhook="http://127.0.0.1:9/nothing", timeout=5.0))
    notifier.send("x")
    assert notifier.wait(10) == 0
    assert notifier.errors
    assert notifier.errors[0].startswith("webhook not reached")


def _record(job: str, started: dt.datetime, status: str, freed: int, rows: int = 0) -> None:
    history.record(
        history.RunRecord(
            job=job,
            trigger="due",
            slot=started,
            started=started,
            ended=started + dt.timedelta(seconds=42),
            status=status,
            attempts=1 if status == "ok" else 4,
            exit_code=0 if status == "ok" else 1,
            bytes_reclaimed=freed,
            rows_reclaimed=rows,
            error="" if status == "ok" else "database is locked",
        )
    )


JOBS = (
    '[[jobs]]\nname = "sessions"\nschedule = "0 2 * * *"\ntimezone = "UTC"\nrun = "scan ."\n'
    '[[jobs]]\nname = "logs"\nschedule = "0 3 * * 0"\ntimezone = "UTC"\nrun = "scan ."\n'
)


def test_report_json_from_the_history(cli, tmp_path: Path) -> None:
    config = tmp_path / "hygiene.toml"
    config.write_text(JOBS, encoding="utf-8")
    _record("sessions", dt.datetime(2026, 11, 17, 2, tzinfo=UTC), "ok", 1_000_000, 10)
    _record("sessions", dt.datetime(2026, 11, 24, 2, tzinfo=UTC), "ok", 3_000_000, 30)
    _record("sessions", dt.datetime(2026, 11, 25, 2, tzinfo=UTC), "failed", 0)
    result = cli("report", "--json", "--config", config, "--now", "2026-11-26T12:00+00:00")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["schema"] == 1
    jobs = {j["name"]: j for j in doc["jobs"]}
    assert jobs["sessions"]["last_run"]["status"] == "failed"
    assert jobs["sessions"]["runs"] == 3
    assert jobs["sessions"]["failures"] == 1
    assert jobs["sessions"]["next_run"] == "2026-11-27T02:00:00+00:00"
    assert jobs["logs"]["last_run"] is None
    assert [f["error"] for f in doc["failures"]] == ["database is locked"]
    weeks = {w["start"]: w for w in doc["weeks"]}
    assert weeks["2026-11-16"]["bytes_reclaimed"] == 1_000_000
    assert weeks["2026-11-23"]["bytes_reclaimed"] == 3_000_000
    assert weeks["2026-11-23"]["rows_reclaimed"] == 30
    assert doc["disks"]
    assert doc["disks"][0]["total"] > 0


def test_report_human_and_prometheus_textfile(cli, tmp_path: Path) -> None:
    config = tmp_path / "hygiene.toml"
    config.write_text(JOBS, encoding="utf-8")
    _record("sessions", dt.datetime(2026, 11, 24, 2, tzinfo=UTC), "ok", 3_000_000)
    prom = tmp_path / "textfile" / "hygiene.prom"
    prom.parent.mkdir()  # a missing folder is refused, not made (issue 18 item 8)
    result = cli(
        "report", "--prometheus", prom, "--config", config, "--now", "2026-11-26T12:00+00:00"
    )
    assert result.code == 0, result.err
    assert "Control room" in result.out
    assert "3 MB" in result.out
    text = prom.read_text(encoding="utf-8")
    samples = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert line.split()[1] in ("HELP", "TYPE")
            continue
        name, value = line.rsplit(" ", 1)
        samples[name] = float(value)
    assert samples['hygiene_job_last_success{job_name="sessions"}'] == 1
    assert samples['hygiene_job_last_reclaimed_bytes{job_name="sessions"}'] == 3_000_000
    assert samples['hygiene_job_last_duration_seconds{job_name="sessions"}'] == 42
    assert 'hygiene_job_last_success{job_name="logs"}' not in samples  # never ran: no sample
    assert samples['hygiene_job_next_run_timestamp_seconds{job_name="logs"}'] == (
        dt.datetime(2026, 11, 29, 3, tzinfo=UTC).timestamp()
    )
    assert samples["hygiene_reclaimed_bytes_this_week"] == 3_000_000
    assert not list(prom.parent.glob(".*.tmp"))  # written by rename, no leftovers


def test_report_without_history_or_jobs(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    result = cli("report")
    assert result.code == 0
    assert "No failures" in result.out


def test_schedule_engine_modules_import_neither_typer_nor_rich() -> None:
    modules = [
        "hygiene.schedule." + name
        for name in (
            "settings",
            "cron",
            "tick",
            "state",
            "runner",
            "conditions",
            "export",
            "install",
            "history",
            "notify",
            "dispatch",
            "report",
            "reclaimed",
        )
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = [m for m in ('typer', 'rich', 'psutil') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
