"""hygiene starts hygiene, never the `hygiene` package of the folder it runs in (issue 22).

Every command that starts hygiene again (a job's run, the tick, `simulate materialize
--run-cleanup`, the lines the exports write) is run through the real console script from a
folder holding a decoy `hygiene/__init__.py` that raises on import: Python puts the working
folder first on `sys.path` for `python -m` (https://docs.python.org/3/using/cmdline.html#cmdoption-m),
so a bare `python -m hygiene` there imports the decoy.
"""

from __future__ import annotations

import json
import os
import plistlib
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

# The console script pip wrote for this interpreter: the program a user starts.
SCRIPT = Path(sysconfig.get_path("scripts")) / ("hygiene.exe" if os.name == "nt" else "hygiene")
DECOY_ERROR = "decoy hygiene imported from the working folder"
# cron runs a line with `/bin/sh` and this PATH (cron(8)); the venv is not on it.
CRON_PATH = "/usr/bin:/bin"

JOB = """
[[jobs]]
name = "sessions"
schedule = "* * * * *"
timezone = "UTC"
run = "scan data"
retries = 0  # a failure shows at once, not after the backoff waits
"""


@pytest.fixture
def decoy(tmp_path: Path) -> Path:
    """A project folder that also holds a package named `hygiene` (as hygiene's own checkout
    does, or any project with a package of that name), and a timetable with one job."""
    project = tmp_path / "project"
    (project / "hygiene").mkdir(parents=True)
    (project / "hygiene" / "__init__.py").write_text(
        f"raise ImportError({DECOY_ERROR!r})\n", encoding="utf-8"
    )
    (project / "data").mkdir()
    (project / "hygiene.toml").write_text(JOB, encoding="utf-8")
    return project


def hygiene(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    assert SCRIPT.is_file(), f"no console script at {SCRIPT}: pip install -e . first"
    return subprocess.run(
        [str(SCRIPT), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def outcome(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    [job] = json.loads(done.stdout)["jobs"]
    assert isinstance(job, dict)
    return job


def test_schedule_run_job_from_a_folder_with_a_decoy(decoy: Path) -> None:
    done = hygiene(decoy, "schedule", "run", "sessions", "--json", "--config", "hygiene.toml")
    job = outcome(done)
    assert job["outcome"] == "ok", job
    assert done.returncode == 0


def test_the_tick_from_a_folder_with_a_decoy(decoy: Path) -> None:
    config = ("--config", "hygiene.toml")
    first = hygiene(
        decoy, "schedule", "run", "--due", "--json", "--now", "2026-11-01T12:00Z", *config
    )
    assert outcome(first)["outcome"] == "new"
    tick = hygiene(
        decoy, "schedule", "run", "--due", "--json", "--now", "2026-11-01T12:05Z", *config
    )
    job = outcome(tick)
    assert job["outcome"] == "ok", job
    assert tick.returncode == 0


def test_materialize_run_cleanup_from_a_folder_with_a_decoy(decoy: Path) -> None:
    done = hygiene(
        decoy,
        "simulate",
        "materialize",
        "--users",
        "50",
        "--days",
        "5",
        "--tree",
        "city",
        "--run-cleanup",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["comparison"]


def cron_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """cron's environment: HOME and a short PATH, no HYGIENE_HOME (not carried yet: issue 17),
    so state lands in the platform data folder below HOME for the exporter and cron alike."""
    home = tmp_path / "home"
    home.mkdir()
    for name in ("HYGIENE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    return {"HOME": str(home), "PATH": CRON_PATH}


def served_long_ago(project: Path, env: dict[str, str]) -> None:
    """The timetable started in 2020: the every-minute job is due whenever the test runs."""
    first = hygiene(
        project,
        "schedule",
        "run",
        "--due",
        "--json",
        "--now",
        "2020-01-01T00:00Z",
        "--config",
        str(project / "hygiene.toml"),
        env=env,
    )
    assert outcome(first)["outcome"] == "new"


def exported_to(decoy: Path, form: str, out: Path, env: dict[str, str]) -> Path:
    """`hygiene schedule export --format FORM -o OUT`, run in the decoy project."""
    exported = hygiene(
        decoy, "schedule", "export", "--format", form, "-o", str(out), "--config", "hygiene.toml",
        env=env,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    return out


def run_in(
    folder: str | Path, argv: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, check=False)


def ran_ok() -> list[str]:
    from hygiene.schedule import history

    return [r.status for r in history.runs()]


def test_exported_cron_line_under_env_i_from_a_folder_with_a_decoy(
    decoy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = cron_home(tmp_path, monkeypatch)
    # Exported by the venv's script without the venv on PATH, as `.venv/bin/hygiene schedule
    # install` is typed by a user who never activated it.
    exported = hygiene(
        decoy, "schedule", "export", "--format", "crontab", "--config", "hygiene.toml", env=env
    )
    assert exported.returncode == 0, exported.stderr
    [entry] = [line for line in exported.stdout.splitlines() if line and not line.startswith("#")]
    line = entry.split(None, 5)[5].replace("\\%", "%")
    served_long_ago(decoy, env)
    from hygiene.schedule.dispatch import job_log

    job_log("sessions").parent.parent.mkdir(parents=True, exist_ok=True)  # logs/: issue 17
    done = run_in(decoy, ["env", "-i", f"HOME={env['HOME']}", "/bin/sh", "-c", line])
    log = (job_log("sessions").parent.parent / "schedule.log").read_text(encoding="utf-8")
    assert DECOY_ERROR not in log
    assert done.returncode == 0, log
    assert ran_ok() == ["ok"]


def test_exported_systemd_service_from_a_folder_with_a_decoy(
    decoy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = cron_home(tmp_path, monkeypatch)
    out = exported_to(decoy, "systemd", tmp_path / "units", env)
    service = (out / "hygiene-sessions.service").read_text(encoding="utf-8")
    fields = dict(line.split("=", 1) for line in service.splitlines() if "=" in line)
    # systemd.service(5): `%%` is a literal `%`; the rest splits as a shell would.
    argv = shlex.split(fields["ExecStart"].replace("%%", "%"))
    # A user service starts with systemd's own PATH, never the venv's (systemd.exec(5)).
    done = run_in(
        fields["WorkingDirectory"],
        ["env", "-i", f"HOME={env['HOME']}", "PATH=/usr/local/bin:/usr/bin:/bin", *argv],
    )
    assert DECOY_ERROR not in done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    assert ran_ok() == ["ok"]


def test_exported_launchd_agent_from_a_folder_with_a_decoy(
    decoy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = cron_home(tmp_path, monkeypatch)
    out = exported_to(decoy, "launchd", tmp_path / "agents", env)
    [plist] = out.iterdir()
    agent = plistlib.loads(plist.read_bytes())
    served_long_ago(decoy, env)
    done = run_in(
        agent["WorkingDirectory"], ["env", "-i", f"HOME={env['HOME']}", *agent["ProgramArguments"]]
    )
    assert DECOY_ERROR not in done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    assert ran_ok() == ["ok"]


def test_exported_celery_task_from_a_folder_with_a_decoy(
    decoy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = cron_home(tmp_path, monkeypatch)
    out = exported_to(decoy, "celery", tmp_path / "beat", env)
    # A worker started in the project folder calls the task (a shared task runs when called).
    call = "import sys; sys.path.insert(0, sys.argv[1]); import hygiene_beat; hygiene_beat.run_job('sessions')"
    done = run_in(decoy, [sys.executable, "-c", call, str(out)], env)
    assert done.returncode == 0, done.stderr
    assert ran_ok() == ["ok"]


def test_exported_github_actions_step_from_a_checkout_with_a_decoy(
    decoy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = cron_home(tmp_path, monkeypatch)
    out = exported_to(decoy, "github-actions", tmp_path / "workflows", env)
    import yaml

    [workflow] = out.iterdir()
    steps = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]["sessions"]["steps"]
    run = steps[-1]["run"]
    assert run.startswith("hygiene ")
    # On the runner the installed package's scripts are on PATH and the step runs in the
    # checkout, which may hold a `hygiene` package (hygiene's own repository does).
    runner_env = {**env, "PATH": f"{SCRIPT.parent}{os.pathsep}{CRON_PATH}"}
    done = run_in(decoy, ["/bin/sh", "-c", run], runner_env)
    assert DECOY_ERROR not in done.stderr + done.stdout
    assert done.returncode == 0, done.stdout + done.stderr
    assert ran_ok() == ["ok"]


def test_the_program_is_this_interpreters_console_script() -> None:
    from hygiene.relaunch import program

    assert program() == (str(SCRIPT),)


@pytest.mark.parametrize("version", [(3, 10), (3, 11)])
def test_the_module_form_runs_this_hygiene_from_a_folder_with_a_decoy(
    decoy: Path, version: tuple[int, int]
) -> None:
    """3.11's `-P` and 3.10's `-c` form (run here by this interpreter: it takes both)."""
    from hygiene import __version__
    from hygiene.relaunch import module_form

    argv = module_form(version)
    assert ("-P" in argv) == (version >= (3, 11))
    done = subprocess.run(
        [*argv, "--version"], cwd=decoy, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert __version__ in done.stdout
    # The arguments after the module reach hygiene, as after `-m`.
    job = subprocess.run(
        [*argv, "schedule", "run", "sessions", "--json", "--config", "hygiene.toml"],
        cwd=decoy, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert outcome(job)["outcome"] == "ok", job.stderr


def test_the_module_form_keeps_pythonpath(decoy: Path, tmp_path: Path) -> None:
    """What `-I` would drop: a hygiene found only through PYTHONPATH still starts."""
    from hygiene.relaunch import module_form

    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "hygiene").mkdir(parents=True)
    (elsewhere / "hygiene" / "__main__.py").write_text(
        "print('from PYTHONPATH')\n", encoding="utf-8"
    )
    (elsewhere / "hygiene" / "__init__.py").write_text("", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(elsewhere)}
    for version in ((3, 10), (3, 11)):
        done = subprocess.run(
            [*module_form(version)], cwd=decoy, env=env, capture_output=True, text=True, check=False
        )
        assert done.stdout == "from PYTHONPATH\n", done.stderr
