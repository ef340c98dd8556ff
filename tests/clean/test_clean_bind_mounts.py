"""A bind mount inside a root brings another folder's tree in on the same filesystem, with the
same `st_dev`: what lies below it is outside the roots given, however its path reads. Nothing
below a mount point inside a root is collected (SAFETY.md: mount points inside, nothing
outside the roots). The outside tree is checked by a manifest taken before."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cleanhelp import age, manifest


@pytest.fixture
def bound(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(root, outside): `outside` holds a Node project and is bind-mounted at `root/mnt`."""
    outside, root = tmp_path / "outside", tmp_path / "root"
    (outside / "shop" / "node_modules" / "left-pad").mkdir(parents=True)
    (outside / "shop" / "package.json").write_text("{}\n")
    (outside / "shop" / "node_modules" / "left-pad" / "index.js").write_text("module.exports\n")
    (root / "mnt").mkdir(parents=True)
    (root / "app").mkdir()
    (root / "app" / "package.json").write_text("{}\n")
    (root / "app" / "node_modules").mkdir()
    (root / "app" / "node_modules" / "x.js").write_text("1\n")
    age(tmp_path)
    if subprocess.run(["mount", "--bind", str(outside), str(root / "mnt")], check=False).returncode:
        pytest.skip("cannot bind-mount here (needs root)")
    try:
        yield root, outside
    finally:
        subprocess.run(["umount", str(root / "mnt")], check=True)


@pytest.mark.parametrize("flags", [["--incinerate"], []], ids=["incinerate", "quarantine"])
def test_nothing_below_a_bind_mount_inside_a_root_is_collected(cli, bound, flags) -> None:  # type: ignore[no-untyped-def]
    root, outside = bound
    before = manifest(outside)

    res = cli("clean", root, "--all", "--yes", *flags, "--json")

    assert res.code == 0, res.err
    assert manifest(outside) == before
    items = {i["path"]: i for i in json.loads(res.out)["items"]}
    assert items[str(root / "app" / "node_modules")]["outcome"] == "done"  # the rest goes
    below = items.get(str(root / "mnt" / "shop" / "node_modules"))
    assert below is None or below["outcome"] == "skipped"
    assert os.path.isdir(outside / "shop" / "node_modules")
