"""Tree builders and scan shortcuts for the scan tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hygiene.config.layers import Config
from hygiene.model import Artifact
from hygiene.scan.engine import Filters, ScanRequest, scan


def make_tree(root: Path, spec: dict[str, str | bytes | None]) -> Path:
    """`{"a/b.txt": "text", "c/": None}`: files with content, folders ending in '/'."""
    for rel, content in spec.items():
        target = root / rel
        if rel.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content or "", encoding="utf-8")
    return root


def artifacts(root: Path, **kwargs: Any) -> dict[str, Artifact]:
    """Scan `root`; artifacts by path relative to root ('/'-separated)."""
    result = scan(
        ScanRequest(
            roots=(root,),
            config=kwargs.pop("config", Config()),
            filters=kwargs.pop("filters", Filters()),
        )
    )
    out = {}
    for finding in result.findings:
        assert isinstance(finding, Artifact)
        out[Path(finding.path).relative_to(root).as_posix()] = finding
    return out


def scan_json(cli: Any, *args: Any) -> dict[str, Any]:
    result = cli("scan", "--json", *args)
    assert result.code == 0, result.err
    document: dict[str, Any] = json.loads(result.out)
    return document


def python_without_root_reads(code: str) -> subprocess.CompletedProcess[str]:
    """Run `python -c code` from the project folder, as an unprivileged reader would.

    root reads every folder whatever its mode; when running as root, drop the two capabilities
    that let it, as setpriv(1) does, so an unreadable folder really is unreadable.
    """
    prefix: list[str] = []
    if os.geteuid() == 0:
        drop = "-dac_override,-dac_read_search"
        prefix = ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}"]
    return subprocess.run(
        [*prefix, sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
    )


@contextmanager
def tree_with_a_closed_folder(
    spec: dict[str, str | bytes | None], folder: str, mode: int
) -> Iterator[Path]:
    """A tree made from `spec` in a fresh temporary folder, with `folder` set to `mode` (an
    unreadable or unsearchable folder, for `python_without_root_reads`); opened up and removed
    after."""
    base = Path(tempfile.mkdtemp(prefix="hyg-closed-"))
    try:
        make_tree(base, spec)
        (base / folder).chmod(mode)
        yield base
    finally:
        (base / folder).chmod(0o755)
        shutil.rmtree(base)
