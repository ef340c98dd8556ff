"""Issue 14, item 6: the last check before acting notices a file moved in since the plan.

`mv` keeps a file's mtime, so "nothing newer inside" misses it. The moves here are real and
made at a fixed point: by the answer to the real prompt (a terminal's `readline` is the one
stand-in), or at the engine's checkpoint between the re-check and the move, never by racing.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from cleanhelp import OLD, build_project


class Answer(io.StringIO):
    """A terminal whose user does `before()` while the prompt waits, then types `text`."""

    def __init__(self, text: str, before: Callable[[], None]) -> None:
        super().__init__(text)
        self._before = before

    def isatty(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:
        self._before()
        return super().readline(size)


def _thesis(tmp_path: Path) -> Path:
    thesis = tmp_path / "home" / "thesis.txt"
    thesis.parent.mkdir()
    thesis.write_text("three years of work\n")
    os.utime(thesis, (OLD, OLD))  # older than anything in the plan: mv keeps it
    return thesis


@pytest.mark.parametrize("how", [["--incinerate"], []], ids=["incinerate", "quarantine"])
@pytest.mark.parametrize("where", ["", "left-pad"], ids=["top", "below"])
def test_a_file_moved_in_while_the_prompt_waits_stays(
    cli, make_repo, tmp_path, monkeypatch, how, where
) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    nm = build_project(repo)["node_modules"]
    thesis = _thesis(tmp_path)
    landed = nm / where / "thesis.txt"
    monkeypatch.setattr("sys.stdin", Answer("y\n", lambda: os.rename(thesis, landed)))

    res = cli("clean", repo.path, "--json", *how)

    assert res.code == 0, res.err
    assert landed.read_text() == "three years of work\n"
    (item,) = [i for i in json.loads(res.out)["items"] if i["path"] == str(nm)]
    assert item["outcome"] == "skipped"
    assert "since the scan" in item["reason"]


def test_incinerate_deletes_only_what_was_planned(cli, make_repo, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Moved in after the last re-check, right before the item is set aside: what would be
    deleted no longer matches the plan's count and bytes, so it is put back, whole."""
    repo = make_repo()
    nm = build_project(repo)["node_modules"]
    thesis = _thesis(tmp_path)
    fired: list[str] = []

    def hook(name: str) -> None:
        if name == "intent" and not fired:
            fired.append(name)
            os.rename(thesis, nm / "thesis.txt")

    monkeypatch.setattr("hygiene.clean.quarantine.checkpoint", hook)
    res = cli("clean", repo.path, "--yes", "--json", "--incinerate")

    assert fired
    assert res.code == 0, res.err
    assert (nm / "thesis.txt").read_text() == "three years of work\n"
    assert (nm / "left-pad" / "index.js").is_file()
    (item,) = [i for i in json.loads(res.out)["items"] if i["path"] == str(nm)]
    assert item["outcome"] == "skipped"
    assert "does not match the plan" in item["reason"]
    leftovers = [p.name for p in repo.path.iterdir() if p.name.startswith(".hygiene-")]
    assert leftovers == []


def test_a_move_right_after_the_scan_began_is_never_missed(tmp_path: Path) -> None:
    # File times come from the kernel's coarse clock, up to a tick behind time.time(): a file
    # moved in within that tick after the scan began carried an earlier ctime and slipped past
    # the re-check. As `mv` does it: a file made before, renamed into the folder after.
    from hygiene.clean.safety import _changed
    from hygiene.units import scan_clock

    (tmp_path / "in").mkdir()
    missed = 0
    for n in range(100):
        made = tmp_path / f"f{n}"
        made.touch()
        since = scan_clock()
        os.rename(made, tmp_path / "in" / made.name)
        moved = os.lstat(tmp_path / "in" / made.name).st_ctime
        if _changed(moved, since) is None:
            missed += 1
    assert missed == 0
