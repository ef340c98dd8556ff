"""Each safety rule of `clean`, with a real tree that would lose data if the rule broke."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cleanhelp import age, build_project

from hygiene.clean.act import CleanReport
from hygiene.clean.audit import AuditLog
from hygiene.clean.collect import CleanRequest, Survey, collect, survey
from hygiene.clean.plan import Policy, make_plan
from hygiene.clean.quarantine import exclusive
from hygiene.clean.safety import Guard
from hygiene.config.layers import Config
from hygiene.model import Artifact, Precious


def _survey(*roots: Path, **kwargs: object) -> Survey:
    return survey(CleanRequest(roots=tuple(map(str, roots)), config=Config(), **kwargs))  # type: ignore[arg-type]


def _collect(found: Survey) -> dict[str, tuple[str, str]]:
    with exclusive():
        report: CleanReport = collect(found, found.plan, audit=AuditLog())
    return {o.item.artifact.path: (o.outcome, o.reason) for o in report.outcomes}


def _outcomes(cli, *args: object) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    res = cli("clean", *args, "--yes", "--json")
    assert res.code in (0, 1), res.err
    return {i["path"]: (i["outcome"], i["reason"]) for i in json.loads(res.out)["items"]}


def test_newly_tracked_content_is_kept(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    found = _survey(repo.path)
    repo.git("add", "-f", "node_modules/left-pad/index.js")  # tracked after the plan was made
    result = _collect(found)
    assert result[str(paths["node_modules"])] == ("skipped", "holds files git tracks")
    assert (paths["node_modules"] / "left-pad/index.js").exists()
    assert result[str(paths["pycache"])][0] == "done"


def test_uncommitted_changes_are_kept(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    repo.commit("node_modules/left-pad/index.js")
    # Staged for deletion: no longer in the index (so not "tracked"), still an uncommitted change.
    repo.git("rm", "-q", "--cached", "node_modules/left-pad/index.js")
    age(repo.path)
    result = _outcomes(cli, repo.path)
    assert result[str(paths["node_modules"])] == ("skipped", "holds uncommitted changes")
    assert paths["node_modules"].exists()


def test_nothing_outside_the_roots_even_through_a_swapped_link(make_repo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("root/proj")
    paths = build_project(repo)
    found = _survey(tmp_path / "root")
    # After the plan, the project folder is moved away and a link put in its place.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.move(str(repo.path), elsewhere / "proj")
    os.symlink(elsewhere / "proj", repo.path)
    result = _collect(found)
    assert result[str(paths["node_modules"])] == ("skipped", "outside the folders given to clean")
    assert (elsewhere / "proj/node_modules/left-pad/index.js").exists()


def test_guard_refuses_roots_outside_and_hygiene_state(make_repo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    build_project(repo)
    state = Path(os.environ["HYGIENE_HOME"])
    guard = Guard.build(
        roots=[str(repo.path)], artifacts=[], config=Config(), keep_out=[str(state)]
    )

    def art(path: Path) -> Artifact:
        return Artifact(str(path), 1, 1, 1, 1, 0.0, "x", "cache", "r", "why", "", None, True, 1, 1)

    assert guard.veto(art(repo.path)) == "is a root given to clean, or holds one"
    assert guard.veto(art(repo.path.parent)) == "is a root given to clean, or holds one"
    assert guard.veto(art(tmp_path / "other")) == "outside the folders given to clean"
    guard.roots = (str(tmp_path.parent),)
    assert guard.veto(art(state / "quarantine")) == "holds hygiene's own quarantine or log"
    assert guard.veto(art(state.parent)) == "holds hygiene's own quarantine or log"
    assert guard.veto(art(tmp_path / "mnt/.hygiene-quarantine-0/x")) is not None


def test_the_quarantine_itself_is_never_collected(cli, make_repo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("package.json", "{}\n")
    repo.write("node_modules/pkg/__pycache__/m.pyc", b"x")
    repo.write("node_modules/pkg/setup.py", "x\n")
    repo.commit("package.json")
    monkeypatch.setenv("HYGIENE_HOME", str(repo.path / "state"))
    age(repo.path)
    assert _outcomes(cli, repo.path)[str(repo.path / "node_modules")][0] == "done"
    age(repo.path)
    # The quarantined tree holds a `__pycache__` beside a `setup.py`: the scan never enters
    # HYGIENE_HOME, so nothing of it is even planned...
    assert _outcomes(cli, repo.path) == {}
    # ...and if a finding there reached clean anyway, the guard would still refuse it.
    from hygiene.clean.safety import hygiene_state

    (inner,) = (repo.path / "state").rglob("__pycache__")
    home = str(repo.path / "state")
    assert hygiene_state(os.path.realpath(inner), [home]) == "holds hygiene's own quarantine or log"
    assert hygiene_state(str(repo.path), [home]) == "holds hygiene's own quarantine or log"
    assert hygiene_state(str(repo.path / "node_modules"), [home]) is None


def test_symlinks_are_moved_as_links_never_followed(cli, make_repo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "thesis.tex").write_text("years of work\n")
    os.symlink(outside, paths["node_modules"] / "linked-dir")
    os.symlink(outside / "thesis.tex", repo.path / ".DS_Store")  # junk by name, but a link
    age(repo.path)
    result = _outcomes(cli, repo.path, "--incinerate")
    assert result[str(repo.path / ".DS_Store")][0] == "done"
    assert result[str(paths["node_modules"])][0] == "done"
    assert (outside / "thesis.tex").read_text() == "years of work\n"
    assert not os.path.lexists(repo.path / ".DS_Store")


def test_hygieneignore_written_after_the_plan_is_honoured(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    found = _survey(repo.path)
    (repo.path / ".hygieneignore").write_text("node_modules/\n")
    result = _collect(found)
    assert result[str(paths["node_modules"])] == (
        "skipped",
        "matched by .hygieneignore or protect",
    )


def test_protect_from_config_keeps(cli, make_repo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    config = tmp_path / "h.toml"
    config.write_text('protect = ["src/__pycache__/"]\n')
    result = _outcomes(cli, repo.path, "--config", config)
    assert str(paths["pycache"]) not in result or result[str(paths["pycache"])][0] == "skipped"
    assert paths["pycache"].exists()


def test_active_virtualenv_is_kept(cli, make_repo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("pyproject.toml", "[project]\nname='x'\n")
    repo.commit()
    venv = repo.write(".venv/pyvenv.cfg", "home = /usr/bin\n").parent
    other = repo.write("old-env/pyvenv.cfg", "home = /usr/bin\n").parent
    age(repo.path)
    monkeypatch.setenv("VIRTUAL_ENV", str(venv))
    result = _outcomes(cli, repo.path, "--include", "virtualenv")
    assert result[str(venv)] == ("skipped", "is the active virtualenv")
    assert result[str(other)][0] == "done"
    assert venv.exists()


@pytest.fixture
def holders(make_repo) -> Iterator[tuple[Path, Path, Path, Path]]:  # type: ignore[no-untyped-def]
    """Three projects: one with a file held open, one used as a working folder, one idle."""
    made = []
    for name in ("open", "cwd", "idle"):
        repo = make_repo(name)
        build_project(repo)
        made.append(repo.path / "node_modules")
    hold = "import sys, time; f = open(sys.argv[1]); print('ready', flush=True); time.sleep(120)"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", hold, str(made[0] / "left-pad/index.js")],
            stdout=subprocess.PIPE,
            text=True,
        ),
        subprocess.Popen(
            [sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(120)"],
            cwd=made[1] / "left-pad",
            stdout=subprocess.PIPE,
            text=True,
        ),
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        yield made[0], made[1], made[2], made[0].parent.parent
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def test_folders_in_use_by_a_process_are_kept(cli, holders) -> None:  # type: ignore[no-untyped-def]
    held_open, held_cwd, idle, root = holders
    result = _outcomes(cli, root)
    assert result[str(held_open)][0] == "skipped"
    assert result[str(held_open)][1].startswith("in use by python")
    assert result[str(held_cwd)][0] == "skipped"
    assert result[str(held_cwd)][1].startswith("in use by python")
    assert result[str(idle)][0] == "done"
    assert held_open.exists()
    assert held_cwd.exists()


def test_changes_since_the_scan_are_refused(make_repo) -> None:  # type: ignore[no-untyped-def]
    a, b = make_repo("a"), make_repo("b")
    pa, pb = build_project(a), build_project(b)
    found = _survey(a.path.parent)
    (pa["node_modules"] / "left-pad/new.js").write_text("written by a running build\n")
    # `npm ci` in the meantime: same name, another folder (made while the old one still lives,
    # so the filesystem cannot hand out the same inode number again).
    pb["node_modules"].rename(b.path / "old")
    pb["node_modules"].mkdir()
    shutil.rmtree(b.path / "old")
    result = _collect(found)
    assert result[str(pa["node_modules"])] == ("skipped", "modified since the scan")
    assert result[str(pb["node_modules"])] == ("skipped", "replaced since the scan")
    assert (pa["node_modules"] / "left-pad/new.js").exists()


def test_a_mount_point_inside_is_refused(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    found = _survey(repo.path)
    inner = paths["node_modules"] / "left-pad" / "mounted"
    inner.mkdir()
    age(paths["node_modules"])
    if subprocess.run(["mount", "-t", "tmpfs", "none", str(inner)], check=False).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        (inner / "other-disk.txt").write_text("not ours\n")
        result = _collect(found)
        outcome, reason = result[str(paths["node_modules"])]
        assert outcome == "skipped"
        assert reason.startswith("holds a mount point")
        assert (inner / "other-disk.txt").exists()
    finally:
        subprocess.run(["umount", str(inner)], check=True)


def test_plan_acts_only_on_artifacts() -> None:
    art = Artifact(
        "/r/x/node_modules", 9, 9, 9, 1, 0.0, "node", "dependencies", "r", "", "", None, True, 1, 1
    )
    other = Precious("/r/x/.env", "secret", "env", None, False)
    plan = make_plan([art, other], policy=Policy(now=10**9, min_age=3600), vetoes={})  # type: ignore[list-item]
    assert [i.artifact for i in plan.items] == [art]
    assert plan.going[0].action == "quarantine"
    vetoed = make_plan([art], policy=Policy(now=10**9, min_age=3600), vetoes={art.path: "no"})
    assert vetoed.items[0].skip == "no"


def test_a_bind_mount_made_after_the_plan_is_refused(make_repo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The plan reads the mount table once for all its items; the re-check before an item
    moves must read it again. A bind mount keeps `st_dev` and the mounted files are old, so
    nothing else would see it."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "precious.txt").write_text("years of work\n")
    age(data)
    repo = make_repo()
    paths = build_project(repo)
    target = paths["node_modules"] / "linked"
    target.mkdir()
    age(repo.path)
    found = _survey(repo.path)
    assert found.plan.going, "the plan would collect node_modules"
    if subprocess.run(["mount", "--bind", str(data), str(target)], check=False).returncode:
        pytest.skip("cannot bind-mount here (needs CAP_SYS_ADMIN)")
    try:
        result = _collect(found)
    finally:
        subprocess.run(["umount", str(target)], check=True)
    assert result[str(paths["node_modules"])] == ("skipped", f"holds a mount point ({target})")
    assert (data / "precious.txt").read_text() == "years of work\n"


def test_a_quarantine_tag_written_after_the_plan_is_refused(make_repo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Which folders hold a quarantine tag is read once for the plan, and fresh before acting:
    another hygiene may make the folder above an item its quarantine meanwhile."""
    from hygiene.paths import QUARANTINE_SIGNATURE, QUARANTINE_TAG

    repo = make_repo("store/proj")
    paths = build_project(repo)
    age(repo.path)
    found = _survey(tmp_path / "store")
    assert found.plan.going, "the plan would collect node_modules"
    (tmp_path / "store" / QUARANTINE_TAG).write_text(f"{QUARANTINE_SIGNATURE}\n")
    result = _collect(found)
    assert result[str(paths["node_modules"])] == (
        "skipped",
        "inside a hygiene quarantine (another home's, maybe)",
    )
    assert (paths["node_modules"] / "left-pad/index.js").exists()


def test_the_plans_glance_answers_as_the_fresh_checks_do(tmp_path: Path) -> None:
    """The plan climbs each folder's ancestors once for quarantine tags, and looks only at the
    mount points inside the roots; in any order of items, its answers are the fresh reads'."""
    from hygiene.clean.safety import Glance, _in_tagged, below_a_mount
    from hygiene.paths import QUARANTINE_SIGNATURE, QUARANTINE_TAG

    folders = [tmp_path / p for p in ("a/x/n", "a/y/n", "a/y/deep/er/n", "b/n", "b/c/n", "a/n")]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    for tagged in ("a/y", "b/c"):
        (tmp_path / tagged / QUARANTINE_TAG).write_text(f"{QUARANTINE_SIGNATURE}\n")
    paths = [str(f) for f in folders] + [str(f.parent) for f in folders]
    mounts = frozenset({str(tmp_path / "a" / "x"), "/proc", str(tmp_path / "b" / "c" / "n")})
    roots = (str(tmp_path / "a"), str(tmp_path / "b"))
    for order in (paths, paths[::-1], sorted(paths, key=len)):
        glance = Glance(mounts=mounts)
        for path in order:
            assert glance.in_tagged(path) == _in_tagged(path), path
            inside = glance.mounts_inside(roots)
            assert below_a_mount(path, roots, inside) == below_a_mount(path, roots, mounts), path
    assert Glance(mounts=mounts).in_tagged(str(tmp_path / "a/y/deep/er/n"))
    assert not Glance(mounts=mounts).in_tagged(str(tmp_path / "a/x/n"))


def test_the_plans_glance_resolves_paths_as_realpath_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan resolves each folder once; on a tree of links (to folders inside and outside,
    relative and absolute, chained, dangling, looping) every path comes out as the fresh
    `_real` has it, in any order, so `outside_roots` judges the same real path."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from hygiene.clean.safety import Glance, _real

    outside = tmp_path / "outside"
    (outside / "o1" / "o2").mkdir(parents=True)
    root = tmp_path / "root"
    for folder in ("a/b/c", "a/d", "e/f/g"):
        (root / folder).mkdir(parents=True)
    links = {
        "a/up": "..",  # back to the root
        "a/b/out": str(outside / "o1"),  # absolute, outside the roots
        "e/rel": "../a/b",  # relative, inside
        "e/chain": "rel/c",  # a link through a link
        "a/d/gone": "no/such/folder",  # dangling
        "e/f/loop": "loop2",
        "e/f/loop2": "loop",  # a loop
        "tail": "e/f",
    }
    for name, target in links.items():
        (root / name).symlink_to(target)
    names = ["a", "b", "c", "d", "e", "f", "g", "up", "out", "o2", "rel", "chain", "gone", "loop"]
    names += ["tail", "item", "x", "."]

    path = st.lists(st.sampled_from(names), min_size=1, max_size=7).map(
        lambda parts: os.path.join(str(root), *parts)
    )

    @settings(max_examples=300, deadline=None)
    @given(st.lists(path, min_size=1, max_size=12))
    def check(paths: list[str]) -> None:
        glance = Glance(mounts=frozenset())
        for p in paths:
            assert glance.real(p) == _real(p), p

    check()
    # And the case that matters: an item reached through a link that leads out resolves out.
    glance = Glance(mounts=frozenset())
    assert glance.real(str(root / "a/b/out/o2/item")) == str(outside / "o1/o2/item")
    # Paths the plan never sees today (its roots are real paths), answered as realpath would.
    monkeypatch.chdir(root)
    for odd in ("//" + str(root / "a/x").lstrip("/"), "a/x", "e/rel/x", "./a/x"):
        assert Glance(mounts=frozenset()).real(odd) == _real(odd), odd
