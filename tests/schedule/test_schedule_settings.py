"""Jobs in config are validated on load: one line naming file and key, exit 2, nothing run."""

from __future__ import annotations

from pathlib import Path

import pytest

from hygiene.config.layers import load_config
from hygiene.errors import ConfigError

GOOD = """
[[jobs]]
name = "sessions"
schedule = "0 2 * * *"
timezone = "Asia/Seoul"
run = "db clean sqlite:///dev.sqlite3 --yes"
retries = 3
timeout = "30m"
when = ["on-ac-power", "cpu-below:50"]

[[jobs]]
name = "logs"
schedule = "@weekly"
run = ["hygiene", "scan", "logs dir"]

[notify]
webhook = "https://hooks.slack.com/services/T/B/x"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hygiene.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_jobs_load_into_typed_values(tmp_path: Path) -> None:
    config = load_config(tmp_path, write(tmp_path, GOOD))
    sessions, logs = config.jobs
    assert sessions.run == ("db", "clean", "sqlite:///dev.sqlite3", "--yes")
    assert sessions.timeout == 1800
    assert sessions.retries == 3
    assert [c.text for c in sessions.when] == ["on-ac-power", "cpu-below:50"]
    assert sessions.schedule.hours == frozenset({2})
    # A leading "hygiene" is what people type; it is not part of the arguments.
    assert logs.run == ("scan", "logs dir")
    assert logs.retries == 3  # the default (issue 7)
    assert config.notify is not None
    assert config.notify.webhook == "https://hooks.slack.com/services/T/B/x"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("schedule", '"0 2 * *"', "jobs[0].schedule: '0 2 * *' has 4 fields"),
        ("schedule", '"61 2 * * *"', "jobs[0].schedule:"),
        ("schedule", '"0 0 30 2 *"', "jobs[0].schedule: '0 0 30 2 *' never fires"),
        ("run", '"vacuum everything"', "jobs[0].run: expected a hygiene command"),
        ("run", '"schedule run --due"', "jobs[0].run: a job cannot run the scheduler"),
        ("timeout", '"30"', "jobs[0].timeout: expected a duration"),
        ("timezone", '"Mars/Olympus"', "jobs[0].timezone: unknown time zone"),
        ("when", '["on-wifi"]', "jobs[0].when: expected conditions"),
        ("when", '["cpu-below:150"]', "jobs[0].when: expected conditions"),
        ("retries", "-1", "jobs[0].retries: expected a whole number >= 0"),
        ("name", '"Sessions Nightly"', "jobs[0].name: expected lower-case letters"),
        ("colour", '"red"', "jobs[0].colour: unknown key"),
    ],
)
def test_bad_job_is_one_line_exit_2_naming_file_and_key(
    cli, tmp_path: Path, key: str, value: str, message: str
) -> None:
    fields = {"name": '"sessions"', "schedule": '"0 2 * * *"', "run": '"scan ."', key: value}
    text = "[[jobs]]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items())
    config = write(tmp_path, text)
    result = cli("schedule", "list", "--config", config)
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1, result.err
    assert str(config) in result.err
    assert message in result.err
    assert "Traceback" not in result.err


def test_bad_job_nothing_runs_and_no_state_written(cli, tmp_path: Path, isolated: Path) -> None:
    config = write(tmp_path, '[[jobs]]\nname = "x"\nschedule = "bogus"\nrun = "scan ."\n')
    assert cli("schedule", "run", "--due", "--config", config).code == 2
    assert not (isolated / "state" / "schedule").exists()


def test_duplicate_names_in_one_file_are_refused(tmp_path: Path) -> None:
    text = '[[jobs]]\nname = "a"\nschedule = "@daily"\nrun = "scan ."\n' * 2
    with pytest.raises(ConfigError, match=r"jobs\[1\]\.name: duplicate job name 'a'"):
        load_config(tmp_path, write(tmp_path, text))


def test_project_job_replaces_user_job_of_same_name(tmp_path: Path, isolated: Path) -> None:
    user = isolated / "config" / "hygiene.toml"
    user.parent.mkdir(parents=True)
    user.write_text(
        '[[jobs]]\nname = "a"\nschedule = "@daily"\nrun = "scan /"\n'
        '[[jobs]]\nname = "b"\nschedule = "@daily"\nrun = "scan /"\n',
        encoding="utf-8",
    )
    project = write(tmp_path, '[[jobs]]\nname = "a"\nschedule = "@hourly"\nrun = "scan ."\n')
    jobs = {job.name: job for job in load_config(tmp_path, project).jobs}
    assert jobs["a"].schedule.expression == "@hourly"
    assert jobs["b"].schedule.expression == "@daily"


def test_no_jobs_is_a_usage_error(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("schedule", "list")
    assert result.code == 2
    assert "no [[jobs]]" in result.err
