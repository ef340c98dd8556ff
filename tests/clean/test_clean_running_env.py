"""A virtualenv another process runs in is in use (SAFETY.md: an active virtualenv, a process
holding files): its interpreter maps no file of the venv (bin/python is a link to the base
interpreter) and a pure-Python program holds none open, and a shell that activated it holds
nothing at all. Real processes; the venv checked by a manifest taken before."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cleanhelp import age, manifest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "api"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'api'\n")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    age(root)
    return root


@pytest.fixture
def running(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        proc.kill()
        proc.wait()


def _wait_started(proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{proc.pid}/cmdline").read_bytes():
                return
        except OSError:
            pass
        time.sleep(0.05)


def test_a_venv_whose_interpreter_runs_stays(cli, project, running, tmp_path) -> None:  # type: ignore[no-untyped-def]
    venv = project / ".venv"
    before = manifest(venv)
    # A long job started from the venv's interpreter, working elsewhere.
    proc = subprocess.Popen(
        [str(venv / "bin" / "python"), "-c", "import time; time.sleep(60)"], cwd=tmp_path
    )
    running.append(proc)
    _wait_started(proc)

    res = cli("clean", project, "--all", "--yes", "--incinerate", "--json")

    assert venv.is_dir(), res.out
    assert manifest(venv) == before
    assert "in use" in res.out


def test_a_venv_another_shell_activated_stays(cli, project, running, tmp_path) -> None:  # type: ignore[no-untyped-def]
    venv = project / ".venv"
    before = manifest(venv)
    # `source .venv/bin/activate` in another terminal: the shell holds nothing of it open.
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    proc = subprocess.Popen(["sleep", "60"], cwd=tmp_path, env=env)
    running.append(proc)
    _wait_started(proc)

    res = cli("clean", project, "--all", "--yes", "--incinerate", "--json")

    assert venv.is_dir(), res.out
    assert manifest(venv) == before
