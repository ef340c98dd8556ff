"""install/uninstall against a crontab FILE and a unit folder in tmp_path: idempotent, only
hygiene's own block or units touched, the change shown first, nothing written on --dry-run."""

from __future__ import annotations

from pathlib import Path

import pytest

from hygiene.schedule.export import BEGIN, END
from hygiene.schedule.install import GENERATED

JOBS = '[[jobs]]\nname = "sessions"\nschedule = "0 2 * * *"\nrun = "scan ."\n'
THEIRS = "MAILTO=me@example.com\n15 * * * * /usr/bin/backup --quick\n"


@pytest.fixture
def crontab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "crontab"
    path.write_text(THEIRS, encoding="utf-8")
    monkeypatch.setenv("HYGIENE_CRONTAB_FILE", str(path))
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "hygiene.toml"
    path.write_text(JOBS, encoding="utf-8")
    return path


def test_install_is_idempotent_and_keeps_other_lines(cli, crontab: Path, config: Path) -> None:
    first = cli("schedule", "install", "--yes", "--config", config)
    assert first.code == 0, first.err
    assert "+0 * * * * cd " in first.err  # the diff was shown
    text = crontab.read_text(encoding="utf-8")
    assert text.startswith(THEIRS)
    assert text.count(BEGIN) == 1
    assert text.count(END) == 1
    again = cli("schedule", "install", "--yes", "--config", config)
    assert again.code == 0
    assert "already up to date" in again.err
    assert crontab.read_text(encoding="utf-8") == text


def test_reinstall_replaces_the_block_in_place(cli, crontab: Path, config: Path) -> None:
    cli("schedule", "install", "--yes", "--config", config)
    crontab.write_text(crontab.read_text(encoding="utf-8") + "@reboot /usr/bin/mine\n")
    config.write_text(JOBS.replace("0 2", "30 2"), encoding="utf-8")
    assert cli("schedule", "install", "--yes", "--config", config).code == 0
    lines = crontab.read_text(encoding="utf-8").splitlines()
    assert lines[-1] == "@reboot /usr/bin/mine"  # the user's later line stays after the block
    assert sum(line.startswith("30 * * * *") for line in lines) == 1
    assert not any(line.startswith("0 * * * *") for line in lines)


def test_uninstall_removes_only_the_block_and_is_idempotent(
    cli, crontab: Path, config: Path
) -> None:
    cli("schedule", "install", "--yes", "--config", config)
    assert cli("schedule", "uninstall", "--yes").code == 0
    assert crontab.read_text(encoding="utf-8") == THEIRS
    again = cli("schedule", "uninstall", "--yes")
    assert again.code == 0
    assert "already absent" in again.err
    assert crontab.read_text(encoding="utf-8") == THEIRS


def test_dry_run_and_no_terminal_change_nothing(cli, crontab: Path, config: Path) -> None:
    dry = cli("schedule", "install", "--dry-run", "--config", config)
    assert dry.code == 0
    assert "schedule run --due" in dry.err
    assert crontab.read_text(encoding="utf-8") == THEIRS
    unasked = cli("schedule", "install", "--config", config)  # stdin is not a terminal here
    assert unasked.code == 2
    assert "--yes" in unasked.err
    assert crontab.read_text(encoding="utf-8") == THEIRS


def test_unterminated_block_is_refused(cli, crontab: Path, config: Path) -> None:
    crontab.write_text(THEIRS + BEGIN + "\n0 * * * * something\n", encoding="utf-8")
    before = crontab.read_text(encoding="utf-8")
    result = cli("schedule", "install", "--yes", "--config", config)
    assert result.code != 0
    assert "without" in result.err
    assert crontab.read_text(encoding="utf-8") == before


def test_systemd_units_install_idempotently_and_uninstall_only_ours(
    cli, tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    units = tmp_path / "units"
    units.mkdir()
    (units / "backup.timer").write_text("[Timer]\nOnCalendar=daily\n", encoding="utf-8")
    monkeypatch.setenv("HYGIENE_SYSTEMD_USER_DIR", str(units))
    first = cli("schedule", "install", "--target", "systemd", "--yes", "--config", config)
    assert first.code == 0, first.err
    assert "to activate: systemctl --user enable --now hygiene-sessions.timer" in first.err
    ours = sorted(p.name for p in units.glob("hygiene-*"))
    assert ours == ["hygiene-sessions.service", "hygiene-sessions.timer"]
    assert (units / "hygiene-sessions.timer").read_text().startswith(GENERATED)
    again = cli("schedule", "install", "--target", "systemd", "--yes", "--config", config)
    assert "already up to date" in again.err
    # A job renamed in the config: the old units go, the new ones come.
    config.write_text(JOBS.replace('"sessions"', '"nightly"'), encoding="utf-8")
    cli("schedule", "install", "--target", "systemd", "--yes", "--config", config)
    assert sorted(p.name for p in units.glob("hygiene-*")) == [
        "hygiene-nightly.service",
        "hygiene-nightly.timer",
    ]
    assert cli("schedule", "uninstall", "--target", "systemd", "--yes").code == 0
    assert sorted(p.name for p in units.iterdir()) == ["backup.timer"]


def test_a_unit_file_hygiene_did_not_write_is_never_overwritten(
    cli, tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    units = tmp_path / "units"
    units.mkdir()
    mine = units / "hygiene-sessions.timer"
    mine.write_text("[Timer]\nOnCalendar=hourly\n", encoding="utf-8")
    monkeypatch.setenv("HYGIENE_SYSTEMD_USER_DIR", str(units))
    result = cli("schedule", "install", "--target", "systemd", "--yes", "--config", config)
    assert result.code == 2
    assert "was not written by hygiene" in result.err
    assert mine.read_text() == "[Timer]\nOnCalendar=hourly\n"
    assert not (units / "hygiene-sessions.service").exists()


def test_no_at_the_prompt_changes_nothing_and_exits_0(
    cli, crontab: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_confirm import Typed

    monkeypatch.setattr("sys.stdin", Typed("n\n"))
    res = cli("schedule", "install", "--config", config)
    assert res.code == 0
    assert "nothing changed" in res.err
    assert crontab.read_text(encoding="utf-8") == THEIRS
