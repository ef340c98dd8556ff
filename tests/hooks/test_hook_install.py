"""`hygiene hook install`: the hooks added to .pre-commit-config.yaml, everything else kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hygiene.hooks import HOOKS, OPTIONS

IDS = list(HOOKS)

STYLED = """\
# Team hooks. Keep this comment.
default_stages: [pre-commit]
repos:
  # formatting first
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0  # pinned on purpose
    hooks:
      - id: trailing-whitespace
        args: [--markdown-linebreak-ext=md]
      # - id: end-of-file-fixer   (disabled for now)

# CI settings below belong to pre-commit.ci
ci:
  autofix_prs: false
"""


@pytest.fixture
def repo(make_repo, monkeypatch):  # type: ignore[no-untyped-def]
    r = make_repo()
    monkeypatch.chdir(r.path)
    return r


def validate(path: Path) -> None:
    """pre-commit itself must accept the file."""
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_creates_a_config_at_the_repo_root(repo, cli, monkeypatch):  # type: ignore[no-untyped-def]
    (repo.path / "sub").mkdir()
    monkeypatch.chdir(repo.path / "sub")
    result = cli("hook", "install", "--local")
    assert result.code == 0
    config = repo.path / ".pre-commit-config.yaml"
    assert "created" in result.err
    assert "pre-commit install" in result.err
    data = yaml.safe_load(config.read_text())
    assert data == {
        "repos": [
            {
                "repo": "local",
                "hooks": [
                    {
                        "id": h,
                        "name": h,
                        "entry": f"hygiene hook {h}",
                        "language": "system",
                        **OPTIONS[h],
                    }
                    for h in IDS
                ],
            }
        ]
    }
    validate(config)


def test_keeps_comments_entries_and_indentation(repo, cli):  # type: ignore[no-untyped-def]
    config = repo.path / ".pre-commit-config.yaml"
    config.write_text(STYLED)
    result = cli("hook", "install", "--repo", "https://example.org/hygiene.git", "--rev", "v0.1.0")
    assert result.code == 0, result.err
    text = config.read_text()
    # Every original line survives, in order, and the new entry sits inside the repos list in the
    # file's own two-space style, before the comment that belongs to `ci:`.
    added = [
        "  - repo: https://example.org/hygiene.git",
        "    rev: v0.1.0",
        "    hooks:",
        *(f"      - id: {h}" for h in IDS),
    ]
    original = STYLED.splitlines()
    cut = original.index("      # - id: end-of-file-fixer   (disabled for now)") + 1
    assert text.splitlines() == [*original[:cut], *added, *original[cut:]]
    validate(config)


def test_second_run_changes_nothing(repo, cli):  # type: ignore[no-untyped-def]
    config = repo.path / ".pre-commit-config.yaml"
    config.write_text(STYLED)
    assert cli("hook", "install").code == 0
    once = config.read_bytes()
    result = cli("hook", "install")
    assert result.code == 0
    assert config.read_bytes() == once
    assert "already in" in result.err


def test_adds_only_the_missing_hook(repo, cli):  # type: ignore[no-untyped-def]
    config = repo.path / ".pre-commit-config.yaml"
    assert cli("hook", "install", "--hook", IDS[0]).code == 0
    assert cli("hook", "install").code == 0
    data = yaml.safe_load(config.read_text())
    ids = [h["id"] for r in data["repos"] for h in r["hooks"]]
    assert sorted(ids) == sorted(IDS)
    validate(config)


def test_follows_pre_commit_sample_style_and_crlf(repo, cli):  # type: ignore[no-untyped-def]
    config = repo.path / ".pre-commit-config.yaml"
    sample = (
        "repos:\r\n-   repo: https://github.com/psf/black\r\n    rev: 24.1.0\r\n"
        "    hooks:\r\n    -   id: black\r\n"
    )
    config.write_bytes(sample.encode())
    assert cli("hook", "install", "--local", "--hook", IDS[1]).code == 0
    raw = config.read_bytes().decode()
    assert raw.startswith(sample)
    assert raw[len(sample) :] == (
        f"-   repo: local\r\n    hooks:\r\n    -   id: {IDS[1]}\r\n        name: {IDS[1]}\r\n"
        f"        entry: hygiene hook {IDS[1]}\r\n        language: system\r\n"
        "        pass_filenames: false\r\n        require_serial: true\r\n"
    )


def test_empty_flow_list_and_comment_only_file(repo, cli):  # type: ignore[no-untyped-def]
    config = repo.path / ".pre-commit-config.yaml"
    config.write_text("# nothing yet\nrepos: []\n")
    assert cli("hook", "install").code == 0
    assert config.read_text().startswith("# nothing yet\nrepos:\n-   repo: local\n")
    validate(config)
    config.write_text("# just a comment\n")
    assert cli("hook", "install").code == 0
    assert config.read_text().startswith("# just a comment\nrepos:\n-   repo: local\n")
    validate(config)


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("repos: [{repo: local, hooks: []}]\n", (), "not a plain block list"),
        ("repos:\n  - repo: x\n   bad: [\n", (), "not valid YAML"),
        ("repos: 3\n", (), "repos: expected a list of repositories"),
        ("- a\n- b\n", (), "expected a mapping"),
        ("repos: []\n", ("--repo", "https://example.org/h"), "--repo needs --rev"),
        ("repos: []\n", ("--hook", "no-such-hook"), "unknown hook 'no-such-hook'"),
    ],
)
def test_refusals_change_nothing(repo, cli, content, args, message):  # type: ignore[no-untyped-def]
    config = repo.path / ".pre-commit-config.yaml"
    config.write_text(content)
    result = cli("hook", "install", *args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert config.read_text() == content
    assert [p.name for p in repo.path.iterdir() if p.name != ".git"] == [config.name]


def test_outside_a_repository_needs_file(tmp_path, cli, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    assert cli("hook", "install").code == 2
    target = tmp_path / "pc.yaml"
    assert cli("hook", "install", "--file", target).code == 0
    validate(target)
