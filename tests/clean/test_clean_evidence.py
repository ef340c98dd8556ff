"""What counts as proof that a folder is disposable (issue 14, items 2, 8 and 9).

Evidence must be something a tool writes about itself, never something a user writes by hand:
a `.gitignore` of a bare `*`, an empty `CACHEDIR.TAG`. Each case is a real tree, cleaned for
good through the real CLI, and checked on disk afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cleanhelp import age

SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55\n"

# The exact text each tool writes (sources cited in hygiene/rules/proof.py).
TOOL_GITIGNORES = {
    "pytest": "# Created by pytest automatically.\n*\n",
    "mypy": "# Automatically created by mypy\n*\n",
    "ruff": "# Automatically created by ruff.\n*\n",
    "virtualenv": "# created by virtualenv automatically\n*\n",
    "venv": "# Created by venv; see https://docs.python.org/3/library/venv.html\n*\n",
}


def _write(root: Path, spec: dict[str, str | bytes]) -> None:
    for rel, content in spec.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    age(root)


def _incinerate(cli, root: Path) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    res = cli("clean", root, "--all", "--incinerate", "--yes", "--json")
    assert res.code == 0, res.err
    return {
        str(Path(i["path"]).relative_to(root)): (i["outcome"], i["reason"])
        for i in json.loads(res.out)["items"]
    }


@pytest.mark.parametrize(
    "gitignore",
    ["*\n", "*", "# my own data\n*\n", "\n*\n\n", "# Created by pytest\n*\n"],
    ids=["bare", "no-newline", "own-comment", "blank-lines", "near-miss"],
)
def test_a_bare_star_gitignore_is_no_proof(cli, tmp_path: Path, gitignore: str) -> None:  # type: ignore[no-untyped-def]
    _write(
        tmp_path,
        {
            "datasets/.gitignore": gitignore,
            "datasets/train.parquet": b"PAR1" + b"\0" * 100,
            "datasets/notes.md": "where the data came from\n",
            "private/.gitignore": gitignore,
            "private/credentials.txt": "user: me\n",
        },
    )
    items = _incinerate(cli, tmp_path)
    assert "datasets" not in items and "private" not in items, items
    assert (tmp_path / "datasets/train.parquet").exists()
    assert (tmp_path / "private/credentials.txt").exists()


@pytest.mark.parametrize("tool", sorted(TOOL_GITIGNORES))
def test_a_tool_written_gitignore_is_proof(cli, tmp_path: Path, tool: str) -> None:  # type: ignore[no-untyped-def]
    _write(tmp_path, {"out/.gitignore": TOOL_GITIGNORES[tool], "out/blob": "cached\n"})
    items = _incinerate(cli, tmp_path)
    assert items["out"][0] == "done", items
    assert not (tmp_path / "out").exists()


def test_cachedir_tag_needs_its_signature(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _write(
        tmp_path,
        {
            "tagged/CACHEDIR.TAG": SIGNATURE + "# This file is a cache directory tag.\n",
            "tagged/blob": "cached\n",
            "untagged/CACHEDIR.TAG": "I wrote this myself\n",
            "untagged/thesis.tex": "chapter one\n",
            "empty-tag/CACHEDIR.TAG": "",
            "empty-tag/thesis.tex": "chapter two\n",
        },
    )
    items = _incinerate(cli, tmp_path)
    assert items["tagged"][0] == "done", items
    assert "untagged" not in items and "empty-tag" not in items, items
    assert (tmp_path / "untagged/thesis.tex").exists()
    assert (tmp_path / "empty-tag/thesis.tex").exists()


def test_self_identifying_markers_are_read_not_just_named(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`CMakeCache.txt` and go's `modules.txt` prove a folder by what they say, not by name."""
    _write(
        tmp_path,
        {
            "cm-real/CMakeCache.txt": "# This is the CMakeCache file.\n# For build in directory\n",
            "cm-real/app.o": "x",
            "cm-fake/CMakeCache.txt": "todo: learn cmake\n",
            "cm-fake/notes.txt": "mine\n",
            "go-real/go.mod": "module x\n",
            "go-real/vendor/modules.txt": "# golang.org/x/text v0.3.0\n## explicit\n",
            "go-real/vendor/golang.org/x/text/a.go": "package text\n",
            "go-fake/vendor/modules.txt": "my module notes\n",
            "go-fake/vendor/mine.go": "package mine\n",
        },
    )
    items = _incinerate(cli, tmp_path)
    assert {k for k, v in items.items() if v[0] == "done"} == {
        "cm-real",
        "go-real/vendor",
    }, items
    assert (tmp_path / "cm-fake/notes.txt").exists()
    assert (tmp_path / "go-fake/vendor/mine.go").exists()


def test_editor_recovery_files_are_reported_never_collected(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Item 8: unsaved work in a vim swap file or an Emacs auto-save file stays put."""
    _write(
        tmp_path,
        {
            "doc/.thesis.tex.swp": b"b0VIM 9.0" + b"\0" * 200,
            "doc/.thesis.tex.swo": b"b0VIM 9.0" + b"\0" * 200,
            "doc/#thesis.tex#": "unsaved paragraph\n",
            "doc/.~lock.budget.ods#": ",me,host,01.01.2026 10:00,file:///home/me/.config;\n",
            "doc/thesis.tex": "the last save\n",
            "doc/thesis.tex~": "the previous save\n",  # a backup beside its saved version: junk
        },
    )
    items = _incinerate(cli, tmp_path)
    assert {k for k, v in items.items() if v[0] == "done"} == {"doc/thesis.tex~"}, items
    for name in (".thesis.tex.swp", ".thesis.tex.swo", "#thesis.tex#", ".~lock.budget.ods#"):
        assert (tmp_path / "doc" / name).exists(), name
    res = cli("scan", tmp_path, "--json")
    assert res.code == 0, res.err
    precious = {
        str(Path(p["path"]).relative_to(tmp_path)): p["category"]
        for p in json.loads(res.out).get("precious", [])
    }
    assert precious.get("doc/.thesis.tex.swp") == "recovery", precious


def test_sourceless_bytecode_is_never_collected(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Item 9: a `.pyc` with no `.py` beside it may be the only copy of that program."""
    _write(
        tmp_path,
        {
            "app/licensed_app.pyc": b"\x42\x0d\x0d\x0a" + b"\0" * 60,
            "app/helper.py": "x = 1\n",
            "app/helper.pyc": b"\x42\x0d\x0d\x0a" + b"\0" * 60,  # its source is beside it
            "app/old.pyo": b"\x03\xf3\x0d\x0a" + b"\0" * 60,
        },
    )
    items = _incinerate(cli, tmp_path)
    assert {k for k, v in items.items() if v[0] == "done"} == {"app/helper.pyc"}, items
    assert (tmp_path / "app/licensed_app.pyc").exists()
    assert (tmp_path / "app/old.pyo").exists()
