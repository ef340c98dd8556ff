"""Configuration layers and the one-line errors for bad values."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hygiene.config.layers import load_config
from hygiene.errors import ConfigError, UsageError


def user_file(text: str) -> Path:
    path = Path(os.environ["HYGIENE_CONFIG_HOME"]) / "hygiene.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_file(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.large == 50_000_000
    assert config.source_of("large") == "default"


def test_precedence_flag_over_project_over_user(tmp_path: Path) -> None:
    user = user_file('large = "10MB"\nmin_age = "2h"\nprotect = ["u/"]\n')
    (tmp_path / "hygiene.toml").write_text('large = "20MB"\nprotect = ["p/"]\n')
    config = load_config(tmp_path)
    assert config.large == 20_000_000
    assert config.min_age == 7200
    assert config.protect == ("u/", "p/"), "protect lists add up; none is taken away"
    assert config.source_of("min_age") == str(user)
    assert config.source_of("large") == str(tmp_path / "hygiene.toml")
    flagged = config.with_flags(large=5, cross_mounts=None)
    assert flagged.large == 5 and flagged.source_of("large") == "flag"
    assert flagged.source_of("cross_mounts") == "default"


def test_pyproject_tool_section(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname="x"\n[tool.hygiene]\nlarge="1MB"\n')
    assert load_config(tmp_path).large == 1_000_000


def test_hygiene_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.hygiene]\nlarge="1MB"\n')
    (tmp_path / "hygiene.toml").write_text('large="2MB"\n')
    assert load_config(tmp_path).large == 2_000_000


def test_explicit_config_replaces_project_discovery(tmp_path: Path) -> None:
    (tmp_path / "hygiene.toml").write_text('large="2MB"\n')
    other = tmp_path / "other.toml"
    other.write_text('large="3MB"\n')
    assert load_config(tmp_path, other).large == 3_000_000


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ('larg = "5MB"\n', "larg", "unknown key"),
        ('large = "50XB"\n', "large", "expected a size"),
        ("large = true\n", "large", "expected a size"),
        ('min_age = "30"\n', "min_age", "expected a duration"),
        ('cross_mounts = "yes"\n', "cross_mounts", "expected true or false"),
        ('protect = "build/"\n', "protect", "expected a list of strings"),
        ("[[jobs]]\nschedule = '@daily'\n", "jobs[0].", ""),
    ],
)
def test_bad_values_name_file_key_and_expectation(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    (tmp_path / "hygiene.toml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    message = str(caught.value)
    assert message.startswith(str(tmp_path / "hygiene.toml"))
    assert key in message and expected in message
    assert "\n" not in message
    assert caught.value.exit_code == 2


def test_invalid_toml_and_missing_explicit_file(tmp_path: Path) -> None:
    (tmp_path / "hygiene.toml").write_text("large = \n")
    with pytest.raises(UsageError, match="not valid TOML"):
        load_config(tmp_path)
    with pytest.raises(UsageError, match="config file not found"):
        load_config(tmp_path, tmp_path / "nope.toml")


def test_cli_config_error_is_one_line_exit_2_nothing_changed(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "hygiene.toml").write_text('large = "huge"\n')
    (tmp_path / "package.json").write_text("{}")
    (tmp_path / "node_modules").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    result = cli("scan", tmp_path)
    assert result.code == 2
    assert result.err.count("\n") == 1 and "large" in result.err and "Traceback" not in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
