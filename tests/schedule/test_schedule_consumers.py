"""Each export run by its real consumer in the consumer's own environment (issue 17): cron's
`/bin/sh -c LINE` under `env -i`, launchd's and systemd's argv with only the environment the
file itself sets, and a database password kept out of every file, display and log."""

from __future__ import annotations

import json
import os
import plistlib
import shlex
import stat
import subprocess
from pathlib import Path

import pytest

SECRET = "S3cretPw"
SECRET_RUN = f"db clean postgresql://app:{SECRET}@db.internal/app --rule sessions --yes"


def write_config(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hygiene.toml"
    path.write_text(body, encoding="utf-8")
    return path


def exported(cli, config: Path, fmt: str, out: Path, *extra: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    result = cli("schedule", "export", "--format", fmt, "-o", out, "--config", config, *extra)
    assert result.code == 0, result.err
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}


def cron_env(home: Path) -> list[str]:
    """What cron(8) gives a job: HOME, LOGNAME, SHELL=/bin/sh, PATH=/usr/bin:/bin, nothing else."""
    home.mkdir(parents=True, exist_ok=True)
    return ["env", "-i", f"HOME={home}", "LOGNAME=root", "SHELL=/bin/sh", "PATH=/usr/bin:/bin"]


SURVEY = '[[jobs]]\nname = "survey"\nschedule = "* * * * *"\nrun = "scan ."\nretries = 0\n'


def test_crontab_line_runs_under_crons_environment(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "hygiene-home"  # not there yet: nothing has run
    monkeypatch.setenv("HYGIENE_HOME", str(home))
    config = write_config(tmp_path / "project", SURVEY)
    text = exported(cli, config, "crontab", tmp_path / "out")["crontab"]
    [line] = [x for x in text.splitlines() if x and not x.startswith("#")]
    # crontab(5): an unescaped `%` ends the command; cron hands `\%` to the shell as `%`.
    command = line.split(None, 5)[5].replace("\\%", "%")
    done = subprocess.run(
        [*cron_env(tmp_path / "cron-home"), "/bin/sh", "-c", command],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # The log and the tick's state land in the same HYGIENE_HOME: `hygiene report` sees it.
    assert (home / "logs" / "schedule.log").is_file()
    assert (home / "schedule" / "jobs" / "survey.json").is_file()
    assert not (tmp_path / "cron-home" / ".local").exists()


def test_launchd_agent_runs_with_only_the_plists_environment(
    cli, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "hygiene-home"
    monkeypatch.setenv("HYGIENE_HOME", str(home))
    config = write_config(tmp_path / "project", SURVEY)
    [content] = exported(cli, config, "launchd", tmp_path / "out").values()
    plist = plistlib.loads(content.encode("utf-8"))
    assert plist["EnvironmentVariables"]["HYGIENE_HOME"] == str(home)
    # launchd opens StandardOutPath itself and does not create its folder.
    assert Path(plist["StandardOutPath"]).parent.is_dir()
    env = [f"{k}={v}" for k, v in plist["EnvironmentVariables"].items()]
    with open(plist["StandardOutPath"], "ab") as log:
        done = subprocess.run(
            [*cron_env(tmp_path / "user-home"), *env, *plist["ProgramArguments"]],
            cwd=plist["WorkingDirectory"],
            stdout=log,
            stderr=log,
            timeout=300,
            check=False,
        )
    assert done.returncode == 0
    assert (home / "schedule" / "jobs" / "survey.json").is_file()


@pytest.mark.usefixtures("systemd_analyze")
def test_systemd_service_carries_hygiene_home_and_runs_with_it(
    cli, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "hygiene-home"
    monkeypatch.setenv("HYGIENE_HOME", str(home))
    config = write_config(tmp_path / "project", SURVEY)
    out = tmp_path / "units"
    files = exported(cli, config, "systemd", out)
    service = files["hygiene-survey.service"]
    assert f"Environment=HYGIENE_HOME={home}" in service.splitlines()
    verify = subprocess.run(
        ["systemd-analyze", "verify", *(str(out / n) for n in files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
    # What systemd runs: ExecStart in WorkingDirectory with the unit's Environment= only.
    keys = dict(line.split("=", 1) for line in service.splitlines() if "=" in line)
    env = [
        line.split("=", 1)[1] for line in service.splitlines() if line.startswith("Environment=")
    ]
    done = subprocess.run(
        [*cron_env(tmp_path / "user-home"), *env, *shlex.split(keys["ExecStart"])],
        cwd=keys["WorkingDirectory"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (home / "logs" / "jobs" / "survey.log").is_file()


def test_a_password_is_in_no_display_export_or_log(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = write_config(
        tmp_path / "project",
        f'[[jobs]]\nname = "sessions"\nschedule = "0 2 * * *"\ntimezone = "Asia/Seoul"\n'
        f'run = "{SECRET_RUN}"\nretries = 0\n',
    )
    for args in (("list",), ("list", "--json"), ("list", "--week")):
        shown = cli("schedule", *args, "--config", config)
        assert shown.code == 0, shown.err
        assert SECRET not in shown.out + shown.err
    assert "***" in cli("schedule", "list", "--json", "--config", config).out
    for fmt in ("crontab", "systemd", "launchd", "celery"):
        for name, content in exported(cli, config, fmt, tmp_path / fmt).items():
            assert SECRET not in content, (fmt, name)
    # Kubernetes would run the command as written, and a workflow runs the hygiene.toml
    # committed to the repository: both refused in one line, pointing at url_env.
    for fmt in ("k8s", "github-actions"):
        refused = cli("schedule", "export", "--format", fmt, "--config", config)
        assert refused.code == 2, (fmt, refused.out)
        assert refused.out == ""
        [line] = refused.err.strip().splitlines()
        assert "url_env" in line
        assert SECRET not in refused.out + refused.err
    # A run (refused at once: a remote host) leaves a private, masked log and history.
    ran = cli("schedule", "run", "sessions", "--json", "--config", config)
    assert SECRET not in ran.out + ran.err
    log = Path(os.environ["HYGIENE_HOME"]) / "logs" / "jobs" / "sessions.log"
    assert SECRET not in log.read_text(encoding="utf-8")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    report = cli("report", "--json")
    assert SECRET not in report.out + report.err


URL_ENV_JOB = (
    '[[jobs]]\nname = "sessions"\nschedule = "0 2 * * *"\ntimezone = "Asia/Seoul"\n'
    'run = "db clean --rule sessions --yes"\nurl_env = "APP_DATABASE_URL"\n'
)


def test_url_env_names_the_database_and_each_export_maps_it(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import yaml

    config = write_config(tmp_path / "project", URL_ENV_JOB)
    listed = cli("schedule", "list", "--json", "--config", config)
    assert listed.code == 0, listed.err
    [job] = json.loads(listed.out)["jobs"]
    assert job["run"] == ["db", "clean", "${APP_DATABASE_URL}", "--rule", "sessions", "--yes"]
    service = exported(cli, config, "systemd", tmp_path / "systemd")["hygiene-sessions.service"]
    assert any(line.startswith("EnvironmentFile=") for line in service.splitlines())
    [k8s] = exported(cli, config, "k8s", tmp_path / "k8s").values()
    cronjob = next(d for d in yaml.safe_load_all(k8s) if d and d["kind"] == "CronJob")
    container = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert "$(APP_DATABASE_URL)" in container["command"]
    variables = {v["name"]: v for v in container["env"]}
    assert variables.keys() == {"HYGIENE_HOME", "APP_DATABASE_URL"}
    assert variables["APP_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == "APP_DATABASE_URL"
    [workflow] = exported(cli, config, "github-actions", tmp_path / "gha").values()
    steps = yaml.safe_load(workflow)["jobs"]["sessions"]["steps"]
    assert steps[-1]["env"] == {"APP_DATABASE_URL": "${{ secrets.APP_DATABASE_URL }}"}
    [beat] = exported(cli, config, "celery", tmp_path / "celery").values()
    assert "APP_DATABASE_URL" in beat


def test_a_variable_in_run_is_read_at_run_time(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    data.mkdir()
    config = write_config(
        tmp_path / "project",
        '[[jobs]]\nname = "survey"\nschedule = "0 2 * * *"\nrun = "scan ${SCAN_ROOT}"\n'
        "retries = 0\n",
    )
    monkeypatch.delenv("SCAN_ROOT", raising=False)
    missing = cli("schedule", "run", "survey", "--json", "--config", config)
    [outcome] = json.loads(missing.out)["jobs"]
    assert outcome["outcome"] == "failed"
    assert "SCAN_ROOT" in outcome["reason"]
    # From HYGIENE_HOME/secrets.env (KEY=VALUE, the file systemd's EnvironmentFile= reads).
    secrets = Path(os.environ["HYGIENE_HOME"]) / "secrets.env"
    secrets.parent.mkdir(parents=True, exist_ok=True)
    secrets.write_text(f"# for scheduled jobs\nSCAN_ROOT={data}\n", encoding="utf-8")
    secrets.chmod(0o600)
    found = cli("schedule", "run", "survey", "--json", "--config", config)
    assert json.loads(found.out)["jobs"][0]["outcome"] == "ok", found.out
