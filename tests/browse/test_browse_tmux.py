"""The real `hygiene browse` binary in a real terminal (tmux): keys in, screen out, files by
manifest. Slow: it starts a process and waits for a terminal to draw."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable

import pytest

from tests.clean.cleanhelp import build_project, manifest

pytestmark = pytest.mark.slow

TMUX = shutil.which("tmux")


def _tmux(*args: str) -> str:
    done = subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=10)
    return done.stdout


def _wait(what: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "timed out waiting for the terminal"
        time.sleep(0.1)


@pytest.mark.skipif(TMUX is None and os.environ.get("CI") != "true", reason="tmux is not installed")
def test_real_binary_in_tmux(make_repo, isolated) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("shop")
    paths = build_project(repo)
    before = manifest(repo.path)
    session = f"hygiene-browse-{uuid.uuid4().hex[:8]}"
    env = {k: os.environ[k] for k in ("HYGIENE_HOME", "HYGIENE_CONFIG_HOME", "GIT_CONFIG_GLOBAL")}
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    command = f"env {exports} GIT_CONFIG_NOSYSTEM=1 TERM=xterm-256color {sys.executable} -m hygiene browse {repo.path}; echo EXIT=$?; sleep 30"
    _tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", command)
    screen = lambda: _tmux("capture-pane", "-p", "-t", session)  # noqa: E731
    try:
        _wait(lambda: "scanned" in screen() and "node_modules/" in screen())
        # To the node_modules row (the biggest, so first), mark it, quarantine.
        _tmux("send-keys", "-t", session, "space")
        _wait(lambda: "marked 1" in screen())
        _tmux("send-keys", "-t", session, "d")
        _wait(lambda: not paths["node_modules"].exists())
        assert "node_modules" not in manifest(repo.path)
        _tmux("send-keys", "-t", session, "u")
        _wait(lambda: paths["node_modules"].exists() and manifest(repo.path) == before)
        _tmux("send-keys", "-t", session, "q")
        _wait(lambda: "EXIT=0" in screen())
    finally:
        _tmux("kill-session", "-t", session)
