"""`hygiene schedule run`: the tick through the CLI and in concurrent real processes, manual
runs, deferral on unmet conditions, history records."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hygiene.schedule import history, state
from hygiene.schedule.conditions import Machine
from hygiene.schedule.cron import Cron
from hygiene.schedule.dispatch import RunPolicy, run_due
from hygiene.schedule.notify import Notifier
from hygiene.schedule.settings import Condition, JobSpec

UTC = dt.timezone.utc


def project(tmp_path: Path, jobs: str) -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    config = tmp_path / "hygiene.toml"
    config.write_text(jobs, encoding="utf-8")
    return config


DAILY = """
[[jobs]]
name = "sessions"
schedule = "0 2 * * *"
timezone = "UTC"
run = "scan data"
"""


def tick(cli, config: Path, now: str, *extra: str):  # type: ignore[no-untyped-def]
    return cli("schedule", "run", "--due", "--json", "--config", config, "--now", now, *extra)


def outcomes(result) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {j["job"]: j for j in json.loads(result.out)["jobs"]}


def test_tick_starts_the_timetable_then_runs_once_after_a_missed_week(cli, tmp_path: Path) -> None:
    config = project(tmp_path, DAILY)
    first = tick(cli, config, "2026-11-01T12:00+00:00")
    assert outcomes(first)["sessions"]["outcome"] == "new"
    assert history.runs() == []
    # The laptop slept for a week: seven 02:00 slots missed, one run.
    woke = tick(cli, config, "2026-11-08T09:00+00:00")
    assert woke.code == 0
    sessions = outcomes(woke)["sessions"]
    assert sessions["outcome"] == "ok"
    assert sessions["missed"] == 7
    assert sessions["slot"] == "2026-11-08T02:00:00+00:00"
    again = tick(cli, config, "2026-11-08T09:15+00:00")
    assert outcomes(again)["sessions"]["outcome"] == "waiting"
    runs = history.runs()
    assert [(r.job, r.status, r.attempts, r.missed) for r in runs] == [("sessions", "ok", 1, 7)]
    from hygiene.schedule.dispatch import job_log

    assert "No artifacts found" in job_log("sessions").read_text(encoding="utf-8")  # scan's output


def test_failed_job_exit_1_recorded_and_not_retried_by_the_next_tick(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HYGIENE_RETRY_BACKOFF", "0s")
    config = project(tmp_path, DAILY.replace("scan data", "scan missing") + "retries = 2\n")
    tick(cli, config, "2026-11-01T12:00+00:00")
    failed = tick(cli, config, "2026-11-02T03:00+00:00")
    assert failed.code == 1
    assert outcomes(failed)["sessions"]["attempts"] == 3
    assert "attempt 3 exit 2" not in failed.err  # --json keeps stderr quiet
    [run] = history.runs()
    assert (run.status, run.attempts, run.exit_code) == ("failed", 3, 2)
    assert "does not exist" in run.error
    # The failure is served: the next tick waits for the next slot instead of hammering.
    assert outcomes(tick(cli, config, "2026-11-02T03:15+00:00"))["sessions"]["outcome"] == "waiting"


def test_run_job_now_and_unknown_job(cli, tmp_path: Path) -> None:
    config = project(tmp_path, DAILY)
    done = cli("schedule", "run", "sessions", "--config", config)
    assert done.code == 0
    assert "sessions: done (1 attempt)" in done.out
    assert history.runs()[0].trigger == "manual"
    missing = cli("schedule", "run", "nightly", "--config", config)
    assert missing.code == 2
    assert "no job named 'nightly' (jobs: sessions)" in missing.err
    both = cli("schedule", "run", "sessions", "--due", "--config", config)
    assert both.code == 2


def test_slot_window_skips_a_run_far_from_any_slot(cli, tmp_path: Path) -> None:
    config = project(tmp_path, DAILY)
    late = cli(
        "schedule",
        "run",
        "sessions",
        "--slot-window",
        "50m",
        "--json",
        "--config",
        config,
        "--now",
        "2026-11-02T03:00+00:00",
    )
    assert outcomes(late)["sessions"]["outcome"] == "waiting"
    on_time = cli(
        "schedule",
        "run",
        "sessions",
        "--slot-window",
        "50m",
        "--json",
        "--config",
        config,
        "--now",
        "2026-11-02T02:10+00:00",
    )
    assert outcomes(on_time)["sessions"]["outcome"] == "ok"


def test_a_held_lock_means_busy_and_no_run(cli, tmp_path: Path) -> None:
    config = project(tmp_path, DAILY)
    tick(cli, config, "2026-11-01T12:00+00:00")
    with state.job_lock("sessions") as held:
        assert held
        # Another process's tick, while this one holds the lock.
        busy = subprocess.run(
            [
                sys.executable,
                "-m",
                "hygiene",
                "schedule",
                "run",
                "--due",
                "--json",
                "--config",
                str(config),
                "--now",
                "2026-11-02T03:00+00:00",
            ],
            capture_output=True,
            text=True,
            check=False,
            env=os.environ.copy(),
        )
    assert json.loads(busy.stdout)["jobs"][0]["outcome"] == "busy"
    assert history.runs() == []
    assert outcomes(tick(cli, config, "2026-11-02T03:00+00:00"))["sessions"]["outcome"] == "ok"


def test_concurrent_ticks_in_real_processes_run_a_job_once(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        DAILY + '\n[[jobs]]\nname = "logs"\nschedule = "0 3 * * 0"\ntimezone = "UTC"\n'
        'run = "scan data"\n',
    )
    argv = [
        sys.executable,
        "-m",
        "hygiene",
        "schedule",
        "run",
        "--due",
        "--json",
        "--config",
        str(config),
    ]
    subprocess.run([*argv, "--now", "2026-11-01T00:30+00:00"], check=True, capture_output=True)
    procs = [
        subprocess.Popen(
            [*argv, "--now", "2026-11-02T09:00+00:00"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), results
    seen = [{j["job"]: j["outcome"] for j in json.loads(out)["jobs"]} for out, _ in results]
    for name in ("sessions", "logs"):
        got = sorted(s[name] for s in seen)
        assert got.count("ok") == 1, got
        assert set(got) <= {"ok", "busy", "waiting"}
    assert sorted(r.job for r in history.runs()) == ["logs", "sessions"]


def _spec(**kw) -> JobSpec:  # type: ignore[no-untyped-def]
    return JobSpec(
        name="j",
        schedule=Cron.parse("0 2 * * *"),
        run=("scan", "."),
        timezone="UTC",
        **kw,
    )


def test_unmet_condition_defers_and_keeps_the_job_due(tmp_path: Path) -> None:
    spec = _spec(when=(Condition("on-ac-power"), Condition("cpu-below", 50.0)))
    clock = iter(
        [dt.datetime(2026, 11, 1, 12, tzinfo=UTC)] * 2
        + [dt.datetime(2026, 11, 2, 3, tzinfo=UTC)] * 8
    )
    machine = {"now": Machine(on_ac=False, battery_percent=80.0, cpu_percent=5.0)}

    def run() -> str:
        policy = RunPolicy(cwd=tmp_path, machine=lambda: machine["now"])
        notifier = Notifier(None)
        [outcome] = run_due([spec], now=lambda: next(clock), policy=policy, notifier=notifier)
        return f"{outcome.outcome}: {outcome.reason}"

    assert run() == "new: "
    assert run() == "deferred: on battery power (needs on-ac-power)"
    machine["now"] = Machine(on_ac=True, battery_percent=80.0, cpu_percent=75.0)
    assert run() == "deferred: CPU load 75% (needs below 50%)"
    machine["now"] = Machine(on_ac=True, battery_percent=None, cpu_percent=10.0)
    assert run().startswith("ok")
    assert [r.status for r in history.runs()] == ["ok", "deferred", "deferred"]


def test_battery_condition_only_applies_on_battery() -> None:
    from hygiene.schedule.conditions import unmet

    rule = [Condition("battery-above", 30.0)]
    assert unmet(rule, Machine(False, 20.0, 0.0)) == "battery at 20% (needs above 30%)"
    assert unmet(rule, Machine(False, 50.0, 0.0)) is None
    assert unmet(rule, Machine(True, 20.0, 0.0)) is None  # charging
    assert unmet(rule, Machine(True, None, 0.0)) is None  # a desktop


def test_read_machine_reads_this_machine() -> None:
    from hygiene.schedule.conditions import read_machine

    machine = read_machine()
    assert machine.cpu_percent >= 0
    assert isinstance(machine.on_ac, bool)


def test_a_tick_that_waited_for_the_lock_sees_the_other_ticks_run(tmp_path: Path) -> None:
    """The race the lock alone does not close: this tick read the state, then another process
    ran the job to the end before this one took the lock. The decision is taken again under
    the lock, so the job is not run a second time."""
    from hygiene.config.layers import load_config

    config = project(tmp_path, DAILY)
    [spec] = load_config(tmp_path, config).jobs
    first_seen = dt.datetime(2026, 11, 1, 12, tzinfo=UTC)
    later = dt.datetime(2026, 11, 2, 3, tzinfo=UTC)
    state.write_served("sessions", first_seen)
    calls = []

    def clock() -> dt.datetime:
        calls.append(1)
        if len(calls) == 1:  # after this tick read the (stale) state: another tick runs it all
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "hygiene",
                    "schedule",
                    "run",
                    "--due",
                    "--config",
                    str(config),
                    "--now",
                    later.isoformat(),
                ],
                check=True,
                capture_output=True,
            )
        return later

    policy = RunPolicy(cwd=tmp_path)
    [outcome] = run_due([spec], now=clock, policy=policy, notifier=Notifier(None))
    assert outcome.outcome == "waiting"
    assert [(r.job, r.status) for r in history.runs()] == [("sessions", "ok")]
