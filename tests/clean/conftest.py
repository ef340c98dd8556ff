"""Fixtures shared by the clean tests."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SHM = "/dev/shm"


@pytest.fixture
def other_fs_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """HYGIENE_HOME on another filesystem, so quarantine and restore must copy."""
    if not os.path.isdir(SHM) or os.stat(SHM).st_dev == os.stat(tempfile.gettempdir()).st_dev:
        pytest.skip("no second filesystem at /dev/shm to copy across")
    home = Path(tempfile.mkdtemp(dir=SHM, prefix="hygiene-test-"))
    monkeypatch.setenv("HYGIENE_HOME", str(home))
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)
