"""Every export format through its consumer's own parser: systemd-analyze, plistlib, PyYAML
for Kubernetes and GitHub Actions, Celery's crontab class; crontab through our cron parser."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import plistlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hygiene import __version__
from hygiene.schedule.cron import Cron
from hygiene.schedule.export import (
    BEGIN,
    END,
    ExportContext,
    export,
    on_calendar,
    tick_minutes,
    utc_expression,
)
from hygiene.schedule.settings import JobSpec

UTC = dt.timezone.utc
SEED = """
[[jobs]]
name = "sessions"
schedule = "0 2 * * *"
timezone = "Asia/Seoul"
run = "db clean sqlite:///dev.sqlite3 --yes"
timeout = "30m"

[[jobs]]
name = "logs"
schedule = "0 3 * * 0"
timezone = "America/New_York"
run = "clean --older-than 30d --yes"
retries = 2

[[jobs]]
name = "soft-deleted"
schedule = "0 4 1 * *"
timezone = "UTC"
run = "db clean sqlite:///dev.sqlite3 --rule soft-deleted --yes"

[[jobs]]
name = "storage"
schedule = "0 5 1 * *"
run = "scan ."
"""


def job(expression: str, timezone: str | None = None, name: str = "j", **kw) -> JobSpec:  # type: ignore[no-untyped-def]
    return JobSpec(
        name=name, schedule=Cron.parse(expression), run=("scan", "."), timezone=timezone, **kw
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "hygiene.toml"
    path.write_text(SEED, encoding="utf-8")
    return path


def exported(cli, config: Path, fmt: str, out: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    result = cli("schedule", "export", "--format", fmt, "--output", out, "--config", config)
    assert result.code == 0, result.err
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}


def test_unknown_format_is_exit_2(cli, config: Path) -> None:
    result = cli("schedule", "export", "--format", "jenkins", "--config", config)
    assert result.code == 2
    assert "--format: expected one of crontab, systemd" in result.err


def test_crontab_is_one_tick_line_inside_markers(cli, config: Path, tmp_path: Path) -> None:
    text = exported(cli, config, "crontab", tmp_path / "out")["crontab"]
    lines = text.splitlines()
    assert lines[0].startswith(BEGIN)
    assert lines[-1] == END
    entries = [line for line in lines if line and not line.startswith("#")]
    assert len(entries) == 1
    fields = entries[0].split(None, 5)
    Cron.parse(" ".join(fields[:5]))  # the schedule part is valid cron
    assert fields[0] == "0"  # every job falls on minute 0 (all zones whole hours from UTC)
    assert fields[1:5] == ["*", "*", "*", "*"]
    assert "schedule run --due --quiet --config" in fields[5]
    assert str(config) in fields[5]
    for name in ("sessions", "logs", "soft-deleted", "storage"):
        assert f"#   {name}" in text


def test_tick_minutes_fall_back_to_every_minute_for_half_hour_zones() -> None:
    assert tick_minutes([job("15,45 2 * * *", "UTC"), job("0 3 * * *", "UTC")], year=2026) == [
        0,
        15,
        45,
    ]
    assert tick_minutes([job("0 2 * * *", "Asia/Kolkata")], year=2026) is None
    assert tick_minutes([job("*/2 * * * *", "UTC")], year=2026) is None


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_units_pass_systemd_analyze_verify(cli, config: Path, tmp_path: Path) -> None:
    out = tmp_path / "units"
    files = exported(cli, config, "systemd", out)
    assert sorted(files) == sorted(
        f"hygiene-{n}.{kind}"
        for n in ("sessions", "logs", "soft-deleted", "storage")
        for kind in ("service", "timer")
    )
    for name, content in files.items():
        if name.endswith(".timer"):
            assert "Persistent=true" in content
    done = subprocess.run(
        ["systemd-analyze", "verify", *(str(out / n) for n in files)],
        capture_output=True,
        text=True,
        check=False,
    )
    # verify also complains when the ExecStart binary is missing; ours exists (this venv).
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
@pytest.mark.parametrize(
    ("expression", "timezone"),
    [
        ("0 2 * * *", "Asia/Seoul"),
        ("0 3 * * 0", "America/New_York"),
        ("0 4 1 * *", None),
        ("*/15 9-17 * * 1-5", "Europe/Berlin"),
        ("30 1 1,15 * 5", "America/New_York"),  # day OR weekday: two OnCalendar events
        ("@monthly", "UTC"),
    ],
)
def test_systemd_calendar_fires_when_cron_does(expression: str, timezone: str | None) -> None:
    spec = job(expression, timezone)
    start = dt.datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # spans the New York DST change
    got: set[dt.datetime] = set()
    horizon: dt.datetime | None = None
    for event in on_calendar(spec):
        done = subprocess.run(
            [
                "systemd-analyze",
                "calendar",
                "--iterations=12",
                f"--base-time={start:%Y-%m-%d %H:%M:%S} UTC",
                event,
            ],
            capture_output=True,
            text=True,
            check=True,
            env={"TZ": "UTC", "PATH": "/usr/bin:/bin"},
        )
        stamps = re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\S+ \S+) UTC", done.stdout)
        assert len(stamps) == 12, done.stdout
        elapses = {dt.datetime.fromisoformat(s).replace(tzinfo=UTC) for s in stamps}
        got |= elapses
        horizon = max(elapses) if horizon is None else min(horizon, max(elapses))
    assert horizon is not None
    # Up to where every event has been listed, systemd's elapses are exactly cron's runs.
    expected = {r.astimezone(UTC) for r in spec.schedule.runs_between(start, horizon, spec.tz)}
    assert {g for g in got if g <= horizon} == expected


def test_launchd_plist_loads_with_plistlib(cli, config: Path, tmp_path: Path) -> None:
    [(name, content)] = exported(cli, config, "launchd", tmp_path / "out").items()
    assert name == "org.hygiene.schedule.plist"
    plist = plistlib.loads(content.encode("utf-8"))
    assert plist["Label"] == "org.hygiene.schedule"
    assert plist["ProgramArguments"][-5:] == ["run", "--due", "--quiet", "--config", str(config)]
    assert plist["StartCalendarInterval"] == [{"Minute": 0}]
    assert plist["RunAtLoad"] is True


def test_k8s_cronjobs_load_as_yaml_with_the_required_fields(
    cli, config: Path, tmp_path: Path
) -> None:
    [content] = exported(cli, config, "k8s", tmp_path / "out").values()
    docs = [d for d in yaml.safe_load_all(content) if d and d["kind"] == "CronJob"]
    assert [d["metadata"]["name"] for d in docs] == [
        "hygiene-sessions",
        "hygiene-logs",
        "hygiene-soft-deleted",
        "hygiene-storage",
    ]
    sessions, logs, _, storage = docs
    for doc in docs:
        assert doc["apiVersion"] == "batch/v1"
        assert doc["kind"] == "CronJob"
        assert doc["spec"]["concurrencyPolicy"] == "Forbid"
        Cron.parse(doc["spec"]["schedule"])
        pod = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        assert pod["restartPolicy"] == "Never"
        assert pod["containers"][0]["image"] == f"hygiene:{__version__}"
    assert sessions["spec"]["timeZone"] == "Asia/Seoul"
    assert sessions["spec"]["schedule"] == "0 2 * * *"
    assert sessions["spec"]["jobTemplate"]["spec"]["backoffLimit"] == 3
    assert logs["spec"]["jobTemplate"]["spec"]["backoffLimit"] == 2
    assert storage["spec"]["timeZone"]  # the zone it resolved to at export time
    assert sessions["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0][
        "command"
    ] == ["hygiene", "db", "clean", "sqlite:///dev.sqlite3", "--yes"]


def test_github_actions_workflow_is_utc_with_a_guard_across_dst(
    cli, config: Path, tmp_path: Path
) -> None:
    [content] = exported(cli, config, "github-actions", tmp_path / "out").values()
    workflow = yaml.safe_load(content)
    # PyYAML (YAML 1.1) reads the bare key `on` as True; GitHub reads it as "on". We quote
    # nothing special, so accept both spellings as GitHub's own loader does.
    triggers = (workflow.get("on") or workflow.get(True))["schedule"]
    crons = [t["cron"] for t in triggers]
    for expression in crons:
        Cron.parse(expression)
    assert "0 17 * * *" in crons  # 02:00 Seoul (UTC+9, no DST) is 17:00 UTC the day before
    assert "0 7 * * 0" in crons
    assert "0 8 * * 0" in crons
    steps = workflow["jobs"]["logs"]["steps"]
    assert steps[-1]["run"] == "hygiene schedule run logs --slot-window 50m"
    assert "--slot-window" not in workflow["jobs"]["sessions"]["steps"][-1]["run"]
    assert "github.event.schedule == '0 17 * * *'" in workflow["jobs"]["sessions"]["if"]


def test_utc_shift_moves_weekdays_and_guards_what_it_cannot_express() -> None:
    assert utc_expression(job("0 2 * * 1", "Asia/Seoul"), 9 * 3600) == ("0 17 * * 0", False)
    assert utc_expression(job("0 23 * * 5", "America/New_York"), -5 * 3600) == (
        "0 4 * * 6",
        False,
    )
    # The 1st at 02:00 in Seoul is the last day of the month in UTC: daily, guarded.
    assert utc_expression(job("0 2 1 * *", "Asia/Seoul"), 9 * 3600) == ("0 17 * * *", True)
    from hygiene.errors import UsageError

    with pytest.raises(UsageError, match="whole number of hours"):
        utc_expression(job("0 2 * * *", "Asia/Kolkata"), 19800)


def test_guarded_github_run_happens_only_on_the_right_day(cli, tmp_path: Path) -> None:
    config = tmp_path / "hygiene.toml"
    config.write_text(
        '[[jobs]]\nname = "monthly"\nschedule = "0 2 1 * *"\ntimezone = "Asia/Seoul"\n'
        'run = "scan ."\n',
        encoding="utf-8",
    )
    [content] = exported(cli, config, "github-actions", tmp_path / "out").values()
    workflow = yaml.safe_load(content)
    assert (workflow.get("on") or workflow.get(True))["schedule"] == [{"cron": "0 17 * * *"}]
    run = workflow["jobs"]["monthly"]["steps"][-1]["run"]
    assert run == "hygiene schedule run monthly --slot-window 50m"
    argv = [*run.split()[1:], "--json", "--config", str(config)]
    # GitHub fires at 17:00 UTC daily; only the firing on the 1st in Seoul does the work.
    wrong_day = cli(*argv, "--now", "2026-11-15T17:05+00:00")
    assert json.loads(wrong_day.out)["jobs"][0]["outcome"] == "waiting"
    right_day = cli(*argv, "--now", "2026-11-30T17:05+00:00")
    assert json.loads(right_day.out)["jobs"][0]["outcome"] == "ok"


def test_celery_module_uses_celerys_own_crontab(cli, config: Path, tmp_path: Path) -> None:
    from celery.schedules import crontab

    files = exported(cli, config, "celery", tmp_path / "out")
    module_path = tmp_path / "out" / "hygiene_beat.py"
    assert set(files) == {"hygiene_beat.py"}
    spec = importlib.util.spec_from_file_location("hygiene_beat", module_path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    entries = module.beat_schedule
    assert set(entries) == {
        "hygiene-sessions",
        "hygiene-logs",
        "hygiene-soft-deleted",
        "hygiene-storage",
    }
    sessions = entries["hygiene-sessions"]["schedule"]
    assert isinstance(sessions, crontab)
    assert (sessions.minute, sessions.hour) == ({0}, {2})
    assert sessions.day_of_week == set(range(7))
    # The job's zone is the schedule's own zone, not the app's (issue 17).
    assert str(sessions.tz) == "Asia/Seoul"
    logs = entries["hygiene-logs"]["schedule"]
    assert logs.day_of_week == {0}  # cron and Celery both count Sunday as 0
    assert entries["hygiene-logs"]["args"] == ("logs",)
    assert entries["hygiene-soft-deleted"]["schedule"].day_of_month == {1}


def test_celery_splits_day_or_weekday_into_two_entries(tmp_path: Path) -> None:
    context = ExportContext(("hygiene",), None, tmp_path, tmp_path / "log")
    [item] = export("celery", [job("30 1 1,15 * 5", "UTC", name="mixed")], context)
    namespace: dict[str, object] = {}
    exec(compile(item.content, "hygiene_beat.py", "exec"), namespace)
    entries = namespace["beat_schedule"]
    assert isinstance(entries, dict)
    assert entries["hygiene-mixed"]["schedule"].day_of_month == {1, 15}
    assert entries["hygiene-mixed"]["schedule"].day_of_week == set(range(7))
    assert entries["hygiene-mixed-weekday"]["schedule"].day_of_week == {5}


def test_celery_beat_reads_back_the_schedule_it_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beat's PersistentScheduler pickles the entries into its shelve file and unpickles them
    at its first tick: zoned_crontab must come back whole, zone included."""
    from celery.beat import PersistentScheduler

    context = ExportContext(("hygiene",), None, tmp_path, tmp_path / "log")
    [item] = export("celery", [job("30 1 * * *", "America/New_York", name="late")], context)
    (tmp_path / item.name).write_text(item.content, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("hygiene_beat", tmp_path / item.name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # pickle finds the class by module name, as beat does under `celery -A hygiene_beat`.
    monkeypatch.setitem(sys.modules, "hygiene_beat", module)
    spec.loader.exec_module(module)
    store = tmp_path / "celerybeat-schedule"
    scheduler = PersistentScheduler(module.app, schedule_filename=str(store))
    try:
        stored = scheduler.schedule["hygiene-late"].schedule  # read back from the file
    finally:
        scheduler.close()
    assert stored.zone == "America/New_York"
    after = dt.datetime(2026, 10, 31, 12, tzinfo=UTC)
    exported_schedule = module.beat_schedule["hygiene-late"]["schedule"]
    # 01:30 on the fall-back day: the first pass (EDT) only, as cron runs it.
    expected = dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert stored.next_run(after) == exported_schedule.next_run(after) == expected


def test_importing_the_celery_module_leaves_the_projects_app_current(tmp_path: Path) -> None:
    """The module's own app is for `celery -A hygiene_beat`; a project that imports the module
    into its app must keep that app as Celery's current one (its tasks' `.delay` use it)."""
    from celery import Celery, current_app

    own = Celery("proj", set_as_current=True)
    context = ExportContext(("hygiene",), None, tmp_path, tmp_path / "log")
    [item] = export("celery", [job("0 5 * * *", "UTC", name="survey")], context)
    namespace: dict[str, object] = {}
    exec(compile(item.content, "hygiene_beat.py", "exec"), namespace)
    assert isinstance(namespace["app"], Celery)
    assert current_app._get_current_object() is own
