"""Pre-commit details of issue 17: `.env*` with its template negations, one large-files summary
per run, `hook install` says which form it wrote, a staged dependency folder
without its marker."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from hygiene import __version__
from hygiene.hooks import OPTIONS
from tests.conftest import WORKTREE


def test_fix_ignores_env_files_but_not_their_templates(repo, cli):  # type: ignore[no-untyped-def]
    repo.write(".env", "TOKEN=1\n")
    repo.write(".env.example", "TOKEN=\n")
    result = cli("hook", "hygiene-ignore-gaps", "--fix")
    assert result.code == 1
    lines = (repo.path / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".env*" in lines
    for template in ("!.env.example", "!.env.sample", "!.env.template"):
        assert template in lines
        assert lines.index(template) > lines.index(".env*")
    # git itself: the secret is ignored, the template is not.
    assert repo.git("check-ignore", ".env").strip() == ".env"
    kept = subprocess.run(["git", "check-ignore", "-q", ".env.example"], cwd=repo.path, check=False)
    assert kept.returncode == 1


def test_staged_node_modules_without_package_json_is_flagged(repo, cli):  # type: ignore[no-untyped-def]
    repo.write("web/node_modules/left-pad/index.js", "module.exports = 1\n")
    repo.git("add", "-f", "--", "web/node_modules/left-pad/index.js")
    result = cli("hook", "hygiene-no-artifacts", "web/node_modules/left-pad/index.js")
    assert result.code == 1, result.out + result.err
    assert "web/node_modules/" in result.out


def test_large_files_reports_once_per_run() -> None:
    # pre-commit splits the file list over parallel processes unless require_serial.
    manifest = yaml.safe_load((WORKTREE / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    [hook] = [h for h in manifest if h["id"] == "hygiene-large-files"]
    assert hook.get("require_serial") is True
    assert OPTIONS["hygiene-large-files"].get("require_serial") is True


def test_install_spec_writes_the_python_form(repo, cli):  # type: ignore[no-untyped-def]
    # The default is hygiene's own repository when its install records one
    # (tests/hooks/test_hook_install.py); --install asks for the `language: python` form.
    result = cli("hook", "install", "--install", f"hygiene-cli=={__version__}")
    assert result.code == 0, result.err
    data = yaml.safe_load((repo.path / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    [entry] = data["repos"]
    for hook in entry["hooks"]:
        assert hook["language"] == "python"
        assert hook["additional_dependencies"] == [f"hygiene-cli=={__version__}"]
    assert "pre-commit installs hygiene-cli" in result.err
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_install_local_writes_the_system_form_and_says_so(repo, cli):  # type: ignore[no-untyped-def]
    result = cli("hook", "install", "--local")
    assert result.code == 0, result.err
    data = yaml.safe_load((repo.path / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert {h["language"] for h in data["repos"][0]["hooks"]} == {"system"}
    assert "language: system" in result.err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("--install", f"hygiene-cli=={__version__}"),
            ["repo: local", "language: python", f"hygiene-cli=={__version__}"],
        ),
        (("--local",), ["repo: local", "language: system"]),
        (
            ("--repo", "https://git.example.com/hygiene.git", "--rev", "v0.1.0"),
            ["repo: https://git.example.com/hygiene.git", "rev: v0.1.0"],
        ),
    ],
)
def test_install_says_which_form_it_wrote(repo, cli, args, said):  # type: ignore[no-untyped-def]
    result = cli("hook", "install", *args)
    assert result.code == 0, result.err
    [line] = [ln for ln in result.err.splitlines() if ln.startswith("hygiene: wrote ")]
    for words in said:
        assert words in line, line
    data = yaml.safe_load((repo.path / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    [entry] = data["repos"]
    assert ("repo: " + entry["repo"]) in line
