"""Machine-wide caches under `--system`: found where each tool puts them, in a fake home."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hygiene.detectors import system


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in system.VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return home


def _fill(folder: Path, size: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "blob").write_bytes(b"x" * size)


def test_caches_found_at_their_defaults_with_the_tools_clean_command(home: Path) -> None:
    _fill(home / ".cache" / "pip" / "http", 1000)
    _fill(home / ".npm" / "_cacache" / "content-v2", 2000)
    _fill(home / ".cargo" / "registry" / "cache", 3000)
    _fill(home / "go" / "pkg" / "mod" / "cache", 4000)
    _fill(home / ".m2" / "repository" / "org", 5000)
    _fill(home / ".cache" / "huggingface" / "hub" / "models--x", 6000)
    found = {c.tool: c for c in system.system_caches(os.environ, home)}
    found.pop("docker build cache", None)  # the real machine's, if it has one
    assert set(found) == {"pip", "npm", "cargo registry", "go modules", "maven", "hugging face"}
    assert found["pip"].recreate == "pip cache purge"
    assert found["go modules"].recreate == "go clean -modcache"
    assert found["maven"].bytes == 5000
    assert found["maven"].files == 1
    assert list(found) == ["hugging face", "maven", "go modules", "cargo registry", "npm", "pip"]


def test_the_tools_own_variables_and_xdg_move_them(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uvc"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    _fill(tmp_path / "xdg" / "pre-commit" / "repo1", 10)
    _fill(tmp_path / "uvc" / "wheels", 10)
    _fill(tmp_path / "hf" / "hub" / "models--y", 10)
    _fill(home / ".cache" / "pip", 10)  # not where pip looks any more
    found = {c.tool: c.path for c in system.system_caches(os.environ, home)}
    found.pop("docker build cache", None)
    assert found == {
        "pre-commit": str(tmp_path / "xdg" / "pre-commit"),
        "uv": str(tmp_path / "uvc"),
        "hugging face": str(tmp_path / "hf" / "hub"),
    }


def test_scan_system_reports_caches_and_filesystems_in_json(home: Path, cli, tmp_path) -> None:
    _fill(home / ".cache" / "pip", 1234)
    root = tmp_path / "work"
    root.mkdir()
    result = cli("scan", "--json", "--system", root)
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    caches = [f for f in doc["findings"] if f["kind"] == "system-cache" and f["tool"] == "pip"]
    assert caches[0]["bytes"] == 1234
    (fs,) = doc["filesystems"]
    assert fs["roots"] == [str(root)]
    assert fs["total"] >= fs["used"] > 0


def test_without_system_no_caches_are_measured(home: Path, cli, tmp_path: Path) -> None:
    _fill(home / ".cache" / "pip", 1234)
    result = cli("scan", "--json", tmp_path)
    doc = json.loads(result.out)
    assert not [f for f in doc["findings"] if f["kind"] == "system-cache"]
    assert "filesystems" not in doc
