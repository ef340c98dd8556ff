"""The hook path stays light, and the hook list is the same everywhere it is written down."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hygiene.hooks import HOOKS, OPTIONS

ROOT = Path(__file__).resolve().parents[2]
# Issue 5: the hook path must not import these (typer and click are the CLI's ~0.1 s start-up).
HEAVY = {"typer", "click", "rich", "sqlalchemy", "faker", "git", "numpy", "psutil", "pathspec"}

PROBE = """
import json, os, sys
from hygiene.cli.main import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def run_probe(cwd: Path, *args: str) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


@pytest.mark.parametrize("hook_id", sorted(HOOKS))
def test_a_passing_hook_imports_nothing_heavy(make_repo, hook_id: str) -> None:
    repo = make_repo()
    repo.write("src/app.py", "print('hi')\n")
    repo.git("add", ".")
    code, modules = run_probe(repo.path, "hook", hook_id, "src/app.py")
    assert code == 0
    loaded = {name.partition(".")[0] for name in modules}
    assert not HEAVY & loaded, sorted(HEAVY & loaded)
    if hook_id != "hygiene-ignore-gaps":  # that one reads the config for `cross_mounts`
        assert "hygiene.config.layers" not in modules


def test_a_failing_hook_still_imports_nothing_heavy(make_repo) -> None:
    repo = make_repo()
    repo.write("__pycache__/m.pyc", "x")
    repo.write("big.bin", b"\0" * 600_000)
    repo.git("add", "-f", ".")
    repo.write(".DS_Store", "x")  # untracked and not ignored: an ignore gap
    for hook_id in HOOKS:
        code, modules = run_probe(repo.path, "hook", hook_id)
        assert code == 1
        assert not {"typer", "click", "rich", "sqlalchemy", "faker", "git"} & {
            name.partition(".")[0] for name in modules
        }


def test_large_files_path_skips_dataclasses(make_repo) -> None:
    # The benchmarked hook keeps to what the reference loads as well (argparse, subprocess).
    repo = make_repo()
    repo.write("a.txt")
    repo.git("add", ".")
    code, modules = run_probe(repo.path, "hook", "hygiene-large-files", "a.txt")
    assert code == 0
    assert "dataclasses" not in modules
    assert "hygiene.rules" not in modules


def test_engine_modules_never_import_typer_or_rich() -> None:
    names = ["hygiene.hooks." + p.stem for p in (ROOT / "hygiene" / "hooks").glob("*.py")]
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in ('typer', 'click', 'rich') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_manifest_matches_the_hook_list() -> None:
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [hook["id"] for hook in manifest] == list(HOOKS)
    for hook in manifest:
        assert hook["entry"] == f"hygiene hook {hook['id']}"
        assert hook["language"] == "python"
        assert hook["description"] == HOOKS[hook["id"]]
        extra = {k: v for k, v in hook.items() if isinstance(v, bool)}
        assert extra == OPTIONS[hook["id"]]
    # The work-tree check runs once per commit, never in parallel batches (--fix writes).
    assert OPTIONS["hygiene-ignore-gaps"] == {
        "pass_filenames": False,
        "always_run": True,
        "require_serial": True,
    }


def test_manifest_is_valid_for_pre_commit() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_hook_group_help_lists_every_hook(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("hook", "--help")
    assert result.code == 0
    for hook_id in (*HOOKS, "install"):
        assert hook_id in result.out


def test_unknown_hook_name_is_a_usage_error(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("hook", "hygiene-no-such-hook")
    assert result.code == 2
    assert "hygiene-no-such-hook" in result.err


def test_typer_hook_commands_forward_to_the_same_runner(make_repo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # `hygiene hook <id>` normally never reaches typer; the typer commands that list the hooks
    # in `hygiene hook --help` must still run them the same way.
    import typer.main

    from hygiene.cli.app import build_app

    repo = make_repo()
    repo.write("big.bin", b"\0" * 600_000)
    repo.git("add", ".")
    monkeypatch.chdir(repo.path)
    command = typer.main.get_command(build_app())
    run = command.main
    assert run(["hook", "hygiene-large-files"], standalone_mode=False) == 1
    assert run(["hook", "hygiene-large-files", "--max-size", "1MB"], standalone_mode=False) == 0
