"""Fixtures for the part 2 detectors."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def git_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[str]]:
    """Count real git processes: a logging wrapper first on the PATH hygiene gives git."""
    from hygiene import detectors, gitrepo

    log = tmp_path / "git-calls"
    shim = tmp_path / "git-shim"
    shim.mkdir()
    real = shutil.which("git")
    assert real is not None
    (shim / "git").write_text(
        f'#!/bin/sh\necho "$*" >> {log}\nexec {real} "$@"\n', encoding="utf-8"
    )
    (shim / "git").chmod(0o755)
    path = f"{shim}{os.pathsep}{os.environ['PATH']}"
    # Both environments are built at import time, so patch them, not os.environ.
    monkeypatch.setitem(gitrepo._ENV, "PATH", path)
    monkeypatch.setitem(detectors.GIT_ENV, "PATH", path)

    def calls() -> list[str]:
        return log.read_text(encoding="utf-8").splitlines() if log.exists() else []

    return calls
