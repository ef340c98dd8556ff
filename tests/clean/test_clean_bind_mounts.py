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


def test_a_bind_mount_made_inside_an_item_set_aside_is_never_deleted_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`clean --incinerate` judges an item on its one walk after the rename aside: a bind mount
    made inside it after the re-check (here at the `set-aside` step, deterministically) must be
    refused there. The walk's device test cannot see it (same `st_dev`), and a mounted folder of
    the same count as the one it covers leaves the count unchanged too: the outside file was
    deleted through the mount."""
    from hygiene.clean.audit import AuditLog
    from hygiene.clean.collect import CleanRequest, collect, survey
    from hygiene.clean.quarantine import exclusive
    from hygiene.config.layers import Config

    outside, project = tmp_path / "outside", tmp_path / "shop"
    outside.mkdir()
    (outside / "thesis.txt").write_text("years\n")  # as many files and bytes as pkg/
    nm = project / "node_modules"
    (nm / "a" / "pkg").mkdir(parents=True)
    (project / "package.json").write_text("{}\n")
    (nm / "a" / "pkg" / "x.js").write_text("hello\n")
    (nm / "a" / "index.js").write_text("1\n")
    age(tmp_path)
    found = survey(CleanRequest(roots=(str(project),), config=Config(), incinerate=True))
    assert [i.artifact.path for i in found.plan.going] == [str(nm)]
    before = manifest(outside)
    mounted: list[Path] = []

    def hook(name: str) -> None:
        if name == "set-aside" and not mounted:
            (aside,) = project.glob(".hygiene-*")
            target = aside / "a" / "pkg"
            if subprocess.run(
                ["mount", "--bind", str(outside), str(target)], check=False
            ).returncode:
                pytest.skip("cannot bind-mount here (needs root)")
            mounted.append(target)

    monkeypatch.setattr("hygiene.clean.quarantine.checkpoint", hook)
    try:
        with exclusive():
            report = collect(found, found.plan, audit=AuditLog())
    finally:
        for point in [nm / "a" / "pkg", *mounted]:
            subprocess.run(["umount", str(point)], check=False, capture_output=True)
    assert mounted
    assert manifest(outside) == before
    (outcome,) = report.outcomes
    assert outcome.outcome == "skipped", outcome.reason
    assert outcome.reason.startswith("holds a mount point")
    assert (nm / "a" / "pkg" / "x.js").read_text() == "hello\n"  # put back whole
    assert not list(project.glob(".hygiene-*"))
