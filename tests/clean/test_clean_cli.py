"""`hygiene clean`, `restore`, `quarantine` and `log` end to end on real git repositories."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cleanhelp import Typed, age, build_project, snapshot

ITEM_KEYS = {"path", "bytes", "files", "category", "ecosystem", "action", "outcome", "reason"}


def _doc(out: str) -> dict:  # type: ignore[type-arg]
    doc = json.loads(out)
    assert doc["schema"] == 1
    return doc  # type: ignore[no-any-return]


def test_json_contract_and_round_trip(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    before = snapshot(repo.path)

    res = cli("clean", repo.path, "--yes", "--json")
    assert res.code == 0, res.err
    doc = _doc(res.out)
    assert set(doc) == {
        "schema", "run_id", "dry_run", "items", "totals", "disk_free_before", "disk_free_after"
    }  # fmt: skip
    assert doc["dry_run"] is False
    assert doc["run_id"]
    assert all(set(item) == ITEM_KEYS for item in doc["items"])
    done = {i["path"] for i in doc["items"] if i["outcome"] == "done"}
    assert done == {str(paths["node_modules"]), str(paths["pycache"])}
    assert {i["action"] for i in doc["items"]} == {"quarantine"}
    totals = doc["totals"]
    assert totals["done"] == 2
    assert totals["items"] == totals["done"] + totals["skipped"] + totals["failed"]
    assert totals["files"] == sum(i["files"] for i in doc["items"] if i["outcome"] == "done")
    assert isinstance(doc["disk_free_before"], int)
    assert isinstance(doc["disk_free_after"], int)
    assert not paths["node_modules"].exists()
    assert not paths["pycache"].exists()
    # Sources, the edited README, the untracked notes and the ignored .env are untouched.
    after = snapshot(repo.path, dir_mtimes=False)
    for rel in ("package.json", "src/app.py", "README.md", "notes.txt", ".env"):
        assert after[rel] == before[rel]

    res = cli("quarantine", "list", "--json")
    runs = _doc(res.out)["runs"]
    assert [r["run_id"] for r in runs] == [doc["run_id"]]
    assert runs[0]["items"] == 2

    res = cli("restore", "--last", "--yes")
    assert res.code == 0, res.err
    assert snapshot(repo.path) == before  # content, modes, mtimes, symlinks, folder mtimes
    assert _doc(cli("quarantine", "list", "--json").out)["runs"] == []


def test_dry_run_changes_nothing_and_marks_items(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    build_project(repo)
    before = snapshot(repo.path)
    res = cli("clean", repo.path, "--dry-run", "--json")
    assert res.code == 0, res.err
    doc = _doc(res.out)
    assert doc["dry_run"] is True
    assert doc["run_id"] == ""
    assert {i["outcome"] for i in doc["items"]} == {"skipped"}
    assert {i["reason"] for i in doc["items"]} == {"dry run: would quarantine"}
    assert doc["totals"]["done"] == 0
    assert snapshot(repo.path) == before
    assert not (Path(os.environ["HYGIENE_HOME"]) / "audit.jsonl").exists()


def test_confirmation_no_changes_nothing(cli, make_repo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    build_project(repo)
    before = snapshot(repo.path)
    monkeypatch.setattr("sys.stdin", Typed("n\n"))
    res = cli("clean", repo.path)
    assert res.code == 0
    assert "Move to quarantine 2 item(s)?" in res.err
    assert "node_modules/" in res.out  # the plan was shown before the question
    assert snapshot(repo.path) == before
    monkeypatch.setattr("sys.stdin", Typed(""))  # end of input means no
    res = cli("clean", repo.path, "--json")
    assert res.code == 0
    doc = _doc(res.out)  # still one JSON document, saying why nothing moved
    assert {i["reason"] for i in doc["items"]} == {"not confirmed"}
    assert "node_modules/" in res.err  # with --json the plan goes to stderr
    assert snapshot(repo.path) == before


def test_confirmation_yes_acts(cli, make_repo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    monkeypatch.setattr("sys.stdin", Typed("y\n"))
    res = cli("clean", repo.path)
    assert res.code == 0, res.err
    assert "Quarantined 2 of 2 item(s)" in res.out
    assert not paths["node_modules"].exists()


def test_interactive_picks_groups(cli, make_repo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    # Groups come biggest first: node dependencies, then python caches.
    monkeypatch.setattr("sys.stdin", Typed("n\ny\n"))
    res = cli("clean", repo.path, "--interactive")
    assert res.code == 0, res.err
    assert paths["node_modules"].exists()
    assert not paths["pycache"].exists()
    assert "dependencies / node" in res.err


def test_incinerate_deletes_and_audits(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    res = cli("clean", repo.path, "--yes", "--json", "--incinerate")
    assert res.code == 0, res.err
    doc = _doc(res.out)
    assert {i["action"] for i in doc["items"]} == {"incinerate"}
    assert not paths["node_modules"].exists()
    assert _doc(cli("quarantine", "list", "--json").out)["runs"] == []
    home = Path(os.environ["HYGIENE_HOME"])
    left = sorted(p.name for p in (home / "quarantine").iterdir())
    assert left == [".lock", "HYGIENE-QUARANTINE.TAG"]  # no run folder left behind
    log = _doc(cli("log", "--json").out)["records"]
    assert {(r["action"], r["outcome"]) for r in log} == {("incinerate", "done")}
    assert {r["path"] for r in log} == {str(paths["node_modules"]), str(paths["pycache"])}
    assert not list(repo.path.rglob(".hygiene-*"))


def test_virtualenv_only_when_asked(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("pyproject.toml", "[project]\nname='x'\n")
    repo.commit()
    venv = repo.write("venv/pyvenv.cfg", "home = /usr/bin\n").parent
    repo.write("venv/lib/site.py", "x\n")
    age(repo.path)
    doc = _doc(cli("clean", repo.path, "--yes", "--json").out)
    (item,) = doc["items"]
    assert item["outcome"] == "skipped"
    assert "--include virtualenv" in item["reason"]
    assert venv.exists()
    doc = _doc(cli("clean", repo.path, "--yes", "--json", "--include", "virtualenv").out)
    assert [i["outcome"] for i in doc["items"]] == ["done"]
    assert not venv.exists()
    cli("restore", "--last", "--yes")
    doc = _doc(cli("clean", repo.path, "--yes", "--json", "--all").out)
    assert [i["outcome"] for i in doc["items"]] == ["done"]


def test_min_age_keeps_fresh_items(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    (paths["pycache"] / "app.cpython-312.pyc").write_bytes(b"new")  # written right now
    doc = _doc(cli("clean", repo.path, "--yes", "--json").out)
    kept = {i["path"]: i["reason"] for i in doc["items"] if i["outcome"] == "skipped"}
    assert "within --min-age" in kept[str(paths["pycache"])]
    assert paths["pycache"].exists()
    assert not paths["node_modules"].exists()
    doc = _doc(cli("clean", repo.path, "--yes", "--json", "--min-age", "0s").out)
    assert [i["outcome"] for i in doc["items"]] == ["done"]


def test_scan_filters_select(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    paths = build_project(repo)
    doc = _doc(cli("clean", repo.path, "--yes", "--json", "--ecosystem", "python").out)
    assert [i["path"] for i in doc["items"]] == [str(paths["pycache"])]
    assert paths["node_modules"].exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--min-age", "soon"), "--min-age: expected a duration"),
        (("--include", "sources"), "--include: unknown value 'sources'"),
        (("--interactive", "--yes"), "--interactive asks questions"),
    ],
)
def test_bad_input_exits_2_and_changes_nothing(cli, make_repo, args, message) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    build_project(repo)
    before = snapshot(repo.path)
    res = cli("clean", repo.path, *args)
    assert res.code == 2
    assert message in res.err
    assert len(res.err.strip().splitlines()) == 1
    assert snapshot(repo.path) == before


def test_restore_errors(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    res = cli("restore", "20200101T000000Z-abcdef", "--yes")
    assert res.code == 2
    assert "no quarantine run '20200101T000000Z-abcdef'" in res.err
    res = cli("restore", "--last", "--yes")
    assert res.code == 2
    assert "holds no run" in res.err
    assert cli("restore", "--yes").code == 2

    repo = make_repo()
    paths = build_project(repo)
    run_id = _doc(cli("clean", repo.path, "--yes", "--json").out)["run_id"]
    paths["node_modules"].mkdir()
    (paths["node_modules"] / "new.js").write_text("fresh install\n")
    res = cli("restore", run_id, "--yes")
    assert res.code == 2
    assert "node_modules exists again" in res.err
    assert "nothing was restored" in res.err
    assert not paths["pycache"].exists()  # all or nothing
    assert (paths["node_modules"] / "new.js").read_text() == "fresh install\n"


def test_purge_respects_retention_and_audits(cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    build_project(repo)
    run_id = _doc(cli("clean", repo.path, "--yes", "--json").out)["run_id"]
    res = cli("quarantine", "purge", "--json")  # default retention: 7 days
    assert _doc(res.out)["items"] == []
    assert len(_doc(cli("quarantine", "list", "--json").out)["runs"]) == 1
    res = cli("quarantine", "purge", "--older-than", "0s", "--json")
    assert res.code == 0, res.err
    doc = _doc(res.out)
    assert len(doc["items"]) == 2
    assert not (Path(os.environ["HYGIENE_HOME"]) / "quarantine" / run_id).exists()
    summary = _doc(cli("log", "--summary", "--json").out)
    (node,) = [r for r in summary["per_ecosystem"] if r["key"] == "node"]
    assert node["freed_bytes"] == node["collected_bytes"] > 0
    res = cli("log")
    assert "purge" in res.out


def test_purge_config_retention(cli, make_repo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    build_project(repo)
    cli("clean", repo.path, "--yes")
    config = tmp_path / "h.toml"
    config.write_text('quarantine_retention = "0s"\n')
    doc = _doc(cli("quarantine", "purge", "--json", "--config", config).out)
    assert len(doc["items"]) == 2
    config.write_text("quarantine_retention = 7\n")
    res = cli("quarantine", "purge", "--config", config)
    assert res.code == 2
    assert "quarantine_retention" in res.err


def test_log_summary_of_an_empty_log_says_so(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("log", "--summary")
    assert result.code == 0
    assert result.out.strip() == "The audit log is empty: nothing collected yet."


def test_purge_inside_a_job_reports_the_bytes_it_freed(
    cli, make_repo, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from hygiene.schedule.reclaimed import ENV, read_reclaimed

    repo = make_repo()
    build_project(repo)
    cli("clean", repo.path, "--yes")
    report = tmp_path / "job-report.jsonl"
    monkeypatch.setenv(ENV, str(report))
    doc = _doc(cli("quarantine", "purge", "--older-than", "0s", "--json").out)
    assert doc["bytes"] > 0
    assert read_reclaimed(str(report)) == (doc["bytes"], 0)
