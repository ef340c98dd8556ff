"""Precious files at any depth inside an artifact keep it (issue 14, item 3).

Secrets, keys, certificates, databases (found by their header, whatever their name) and
editors' unsaved work, inside an artifact: the artifact stays, and the plan says why. Real trees
cleaned through the real CLI, checked on disk.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from cleanhelp import age


def _write(root: Path, spec: dict[str, str | bytes]) -> None:
    for rel, content in spec.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _database(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)")
        conn.execute("INSERT INTO orders (total) VALUES (9.5)")
    conn.close()


def _items(cli, root: Path, *flags: str) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    res = cli("clean", root, "--all", "--json", *flags)
    assert res.code == 0, res.err
    return {
        str(Path(i["path"]).relative_to(root)): (i["outcome"], i["reason"])
        for i in json.loads(res.out)["items"]
    }


def test_secrets_and_state_in_dist_keep_it_and_the_plan_says_why(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _write(
        tmp_path,
        {
            "svc/pyproject.toml": "[project]\nname = 'svc'\n",
            "svc/dist/svc-1.0.tar.gz": b"\x1f\x8b" + b"\0" * 100,
            "svc/dist/.env": "DATABASE_PASSWORD=hunter2\n",
            "svc/dist/server.pem": "-----BEGIN PRIVATE KEY-----\n",
            "svc/build/lib/deep/er/still/.env.production": "TOKEN=1\n",
            "svc/htmlcov/index.html": "<html/>\n",
        },
    )
    _database(tmp_path / "svc/dist/prod.sqlite3")
    age(tmp_path)
    plan = _items(cli, tmp_path, "--dry-run")
    outcome, reason = plan["svc/dist"]
    assert outcome == "skipped"
    assert "holds precious files" in reason and ".env" in reason, reason
    assert plan["svc/build"][0] == "skipped" and ".env.production" in plan["svc/build"][1]
    assert plan["svc/htmlcov"] == ("skipped", "dry run: would quarantine")

    human = cli("clean", tmp_path, "--all", "--dry-run")
    assert human.code == 0, human.err
    assert "holds precious files" in human.out

    done = _items(cli, tmp_path, "--incinerate", "--yes")
    assert done["svc/dist"][0] == "skipped" and done["svc/htmlcov"][0] == "done"
    for rel in ("dist/.env", "dist/server.pem", "dist/prod.sqlite3", "dist/svc-1.0.tar.gz"):
        assert (tmp_path / "svc" / rel).exists(), rel
    assert (tmp_path / "svc/build/lib/deep/er/still/.env.production").exists()


def test_a_database_is_found_by_its_header_whatever_its_name(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _write(tmp_path, {"web/package.json": "{}\n", "web/dist/app.js": "x\n"})
    _database(tmp_path / "web/dist/assets/data/blob.bin")
    _write(tmp_path, {"web/dist/assets/data/shaped.bin": b"\0" * 4096})  # the size, not a db
    age(tmp_path)
    plan = _items(cli, tmp_path, "--dry-run")
    assert plan["web/dist"][0] == "skipped" and "blob.bin" in plan["web/dist"][1], plan


def test_unsaved_editor_work_inside_an_artifact_keeps_it(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _write(
        tmp_path,
        {
            "p/__pycache__/m.cpython-312.pyc": b"\0" * 40,
            "p/__pycache__/#notes.txt#": "unsaved\n",  # a folder with nothing to enter
            "p/package.json": "{}\n",
            "p/node_modules/.cache/babel/.thesis.md.swp": b"b0VIM 9.0" + b"\0" * 100,
            **{f"p/node_modules/pkg{i}/index.js": "x\n" for i in range(40)},
        },
    )
    age(tmp_path)
    done = _items(cli, tmp_path, "--incinerate", "--yes")
    assert done["p/__pycache__"][0] == "skipped" and "#notes.txt#" in done["p/__pycache__"][1]
    assert done["p/node_modules"][0] == "skipped", done
    assert (tmp_path / "p/node_modules/.cache/babel/.thesis.md.swp").exists()
    assert (tmp_path / "p/__pycache__/#notes.txt#").exists()


def test_decoys_templates_and_installed_packages_do_not_keep_an_artifact(
    cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """`.env.example` is a template meant to be shared; a package's own test certificate below
    node_modules/<package>/ or site-packages/ was put there by the package manager."""
    _write(
        tmp_path,
        {
            "a/pyproject.toml": "[project]\n",
            "a/dist/.env.example": "TOKEN=\n",
            "a/dist/.env.sample": "TOKEN=\n",
            "a/dist/app.whl": "x\n",
            "a/.env.example": "TOKEN=\n",
            "b/package.json": "{}\n",
            "b/node_modules/agent-base/test/ssl-cert-snakeoil.key": "-----BEGIN RSA-----\n",
            "b/node_modules/@scope/pkg/fixtures/db.sqlite": "x\n",
            "c/.venv/pyvenv.cfg": "home = /usr/bin\n",
            "c/.venv/lib/python3.12/site-packages/certifi/cacert.pem": "-----BEGIN CERT\n",
        },
    )
    age(tmp_path)
    done = _items(cli, tmp_path, "--incinerate", "--yes")
    assert done["a/dist"][0] == "done", done
    assert done["b/node_modules"][0] == "done", done
    assert done["c/.venv"][0] == "done", done
    res = cli("scan", tmp_path, "--json")
    precious = [p["path"] for p in json.loads(res.out).get("precious", [])]
    assert str(tmp_path / "a/.env.example") not in precious


def test_a_bare_repository_inside_keeps_the_artifact(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A bare repository (a mirror, a local remote used as a backup) inside node_modules or a
    build folder holds commits maybe nowhere else: neither quarantine nor incinerate takes the
    folder holding it, whatever the flags; the folder next to it goes."""
    import subprocess

    from cleanhelp import manifest

    _write(
        tmp_path,
        {
            "web/package.json": "{}\n",
            "web/node_modules/left-pad/index.js": "module.exports = 1\n",
            "web/dist/bundle.js": "bundle\n",
        },
    )
    mirror = tmp_path / "web/node_modules/left-pad/backup.git"
    subprocess.run(["git", "init", "-q", "--bare", str(mirror)], check=True)
    age(tmp_path)
    before = manifest(tmp_path / "web/node_modules")
    for flags in (("--yes",), ("--incinerate", "--yes")):
        res = cli("clean", tmp_path, "--all", "--json", *flags)
        assert res.code == 0, res.err
        assert manifest(tmp_path / "web/node_modules") == before, flags
    assert not (tmp_path / "web/dist").exists()


def test_a_pycache_holding_anything_but_bytecode_is_kept(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`__pycache__` is proven by its name alone, so its content must be what Python writes
    there, from sources that are still there: bytecode named as PEP 3147 names it (and the
    temporary name importlib writes first). Notes put in by hand, a folder, a name that only
    looks like bytecode, or bytecode whose source is gone keep it whatever the flags, with
    the reason; a plain one goes (pyclean too removes a folder only once it is empty)."""
    from cleanhelp import manifest

    pyc = b"\xa7\r\r\n" + b"\0" * 40
    _write(
        tmp_path,
        {
            "app/pyproject.toml": "[project]\nname = 'app'\n",
            "app/src/main.py": "print('hi')\n",
            "app/src/__pycache__/main.cpython-311.pyc": pyc,
            "app/src/__pycache__/main.cpython-311.pyc.140551": pyc,
            "app/src/__pycache__/main.cpython-312.opt-1.pyc": pyc,
            # Numba's cache of a compiled function, beside the bytecode.
            "app/src/__pycache__/main.step-12.py311.nbi": b"\x80\x04",
            "app/src/__pycache__/main.step-12.py311.1.nbc": b"\x80\x04",
            "app/lib/util.py": "X = 1\n",
            "app/lib/__pycache__/util.cpython-311.pyc": pyc,
            "app/lib/__pycache__/TODO.txt": "the plan for the rewrite\n",
            "app/tools/gen.py": "X = 2\n",
            "app/tools/__pycache__/gen.cpython-311.pyc": pyc,
            "app/tools/__pycache__/drafts/idea.md": "an idea\n",
            # Named like bytecode, but not as Python names it.
            "app/notes/n.py": "",
            "app/notes/__pycache__/n.cpython-311.pyc.2-final-draft.txt": "chapter 2\n",
            "app/notes/__pycache__/.pyc": "hidden\n",
            # The source is gone: the bytecode may be the last trace of that code.
            "app/old/__pycache__/billing.cpython-311.pyc": pyc,
        },
    )
    age(tmp_path)
    plan = _items(cli, tmp_path, "--dry-run")
    assert plan["app/lib/__pycache__"][0] == "skipped"
    assert "TODO.txt (not python's own)" in plan["app/lib/__pycache__"][1], plan
    assert "drafts (not python's own)" in plan["app/tools/__pycache__"][1], plan
    assert "2-final-draft.txt (not python's own)" in plan["app/notes/__pycache__"][1], plan
    assert "its source billing.py is gone" in plan["app/old/__pycache__"][1], plan
    kept = {rel: manifest(tmp_path / "app" / rel) for rel in ("lib", "tools", "notes", "old")}
    done = _items(cli, tmp_path, "--incinerate", "--yes")
    assert done["app/src/__pycache__"][0] == "done"
    assert not (tmp_path / "app/src/__pycache__").exists()
    for rel, seen in kept.items():
        assert manifest(tmp_path / "app" / rel) == seen, rel


def test_a_jupyter_checkpoint_whose_file_is_gone_is_kept(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`.ipynb_checkpoints` holds Jupyter's last saved copy of each file it edits,
    `<name>-checkpoint<ext>`. With the file beside, the copy is a cache; with the file gone
    (deleted by mistake) it is the last copy, and the folder stays, as does anything Jupyter
    does not write there."""
    from cleanhelp import manifest

    _write(
        tmp_path,
        {
            "lab/pyproject.toml": "[project]\nname = 'lab'\n",
            "lab/ok/analysis.ipynb": '{"cells": []}\n',
            "lab/ok/.ipynb_checkpoints/analysis-checkpoint.ipynb": '{"cells": []}\n',
            "lab/ok/prep.py": "x = 1\n",
            "lab/ok/.ipynb_checkpoints/prep-checkpoint.py": "x = 1\n",
            "lab/lost/.ipynb_checkpoints/thesis-checkpoint.ipynb": '{"cells": ["3 years"]}\n',
            "lab/odd/data.csv": "a,b\n",
            "lab/odd/.ipynb_checkpoints/data-checkpoint.csv": "a,b\n",
            "lab/odd/.ipynb_checkpoints/mine.txt": "not Jupyter's\n",
        },
    )
    age(tmp_path)
    plan = _items(cli, tmp_path, "--dry-run")
    lost = plan["lab/lost/.ipynb_checkpoints"]
    assert lost[0] == "skipped" and "its source thesis.ipynb is gone" in lost[1], plan
    assert "mine.txt (not python's own)" in plan["lab/odd/.ipynb_checkpoints"][1], plan
    kept = {rel: manifest(tmp_path / "lab" / rel) for rel in ("lost", "odd")}
    done = _items(cli, tmp_path, "--incinerate", "--yes")
    assert done["lab/ok/.ipynb_checkpoints"][0] == "done"
    for rel, seen in kept.items():
        assert manifest(tmp_path / "lab" / rel) == seen, rel
