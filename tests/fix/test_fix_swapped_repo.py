"""`fix` plans, then writes (at once, or in `browse` when a key is pressed, minutes later). A
folder on the repository's path swapped for a symlink in between (by its owner, while root runs
hygiene) must not send the write into the folder the link leads to: nothing is written outside
the repository that was planned. The swap is made deterministically between plan and apply, at
the repository itself and at the folder above it; the outside folder is checked by a manifest
taken before."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from hygiene.fix import engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "clean"))
from cleanhelp import manifest

SETTINGS = '{\n    "editor.tabSize": 2\n}\n'


@pytest.mark.parametrize("level", ["repository", "folder above"])
def test_a_path_swapped_for_a_link_after_the_plan_is_not_written(  # type: ignore[no-untyped-def]
    make_repo, cli, tmp_path, monkeypatch, level
) -> None:
    repo = make_repo("work/proj")
    repo.write("Cargo.toml", "[package]\n")
    repo.write("src/lib.rs", "")
    repo.write(".gitignore", "*.log\n")
    repo.write(".vscode/settings.json", SETTINGS)
    repo.commit()
    for i in range(1000):
        repo.write(f"target/debug/f{i}.o", "o")
    outside = tmp_path / "outside"
    (outside / "proj" / ".vscode").mkdir(parents=True)
    (outside / "proj" / ".gitignore").write_text("# someone else's\n")
    (outside / "proj" / ".vscode" / "settings.json").write_text(SETTINGS)
    before = manifest(outside)
    planned = engine.plan_fixes
    swapped = repo.path if level == "repository" else repo.path.parent
    target = outside / "proj" if level == "repository" else outside

    def plan_then_swap(*args, **kwargs):  # type: ignore[no-untyped-def]
        plan = planned(*args, **kwargs)
        os.rename(swapped, swapped.with_name(swapped.name + ".moved"))
        os.symlink(target, swapped)
        return plan

    monkeypatch.setattr(engine, "plan_fixes", plan_then_swap)

    res = cli("fix", "--apply", repo.path)

    assert manifest(outside) == before, res.out + res.err
    assert res.code == 1
