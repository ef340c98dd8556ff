"""Issue 18, item 1's class: an artifact whose project marker is not beside it, because the tool
writes it at a workspace root or in a member or meta-build folder. Each is proven by what the
tool itself writes there, never by its name alone; each has a decoy a user could write.

Go, Stack and sbt are not installable here: the files are written exactly as each tool writes
them, from the sources and documents cited on each test."""

from __future__ import annotations

from pathlib import Path

from tests.scan.helpers import artifacts, make_tree

HPACK_CABAL = (
    "cabal-version: 1.12\n\n"
    "-- This file has been generated from package.yaml by hpack version 0.36.0.\n"
    "--\n-- see: https://github.com/sol/hpack\n\n"
    "name:           core\nversion:        0.1.0.0\nbuild-type:     Simple\n"
)


def test_a_go_workspace_vendor_folder_is_proven_by_its_modules_txt(tmp_path: Path) -> None:
    """`go work vendor` (Go 1.22+) writes `vendor/` beside `go.work`, at the workspace root,
    and its `modules.txt` starts with `## workspace` before the `# module version` lines: as in
    golang/go src/cmd/go/testdata/script/work_vendor_modules_txt_conditional.txt
    (https://go.dev/ref/mod#go-work-vendor)."""
    make_tree(
        tmp_path / "ws",
        {
            "go.work": "go 1.22\n\nuse (\n\t./a\n\t./b\n)\n",
            "a/go.mod": "module example.com/a\n\ngo 1.22\n\nrequire golang.org/x/text v0.14.0\n",
            "a/a.go": 'package a\n\nimport _ "golang.org/x/text/language"\n',
            "b/go.mod": "module example.com/b\n\ngo 1.22\n",
            "vendor/modules.txt": (
                "## workspace\n"
                "# golang.org/x/text v0.14.0\n"
                "## explicit; go 1.18\n"
                "golang.org/x/text/language\n"
            ),
            "vendor/golang.org/x/text/language/doc.go": "package language\n",
        },
    )
    found = artifacts(tmp_path)
    assert "ws/vendor" in found, sorted(found)
    assert found["ws/vendor"].rule == "go.vendor"
    assert "modules.txt" in found["ws/vendor"].reason


def test_a_vendor_folder_with_a_users_workspace_notes_is_not_an_artifact(tmp_path: Path) -> None:
    make_tree(
        tmp_path / "ws",
        {
            "go.work": "go 1.22\n\nuse ./a\n",
            "a/go.mod": "module example.com/a\n\ngo 1.22\n",
            "vendor/modules.txt": "## workspace setup\nWhat we vendored by hand and why.\n",
            "vendor/patched/lib.go": "package patched\n",
        },
    )
    assert "ws/vendor" not in artifacts(tmp_path)


def test_a_stack_members_own_work_folder_is_found_beside_its_cabal_file(tmp_path: Path) -> None:
    """Stack keeps a work folder in the project folder (beside `stack.yaml`) and one in each
    local package's folder, beside the package's `.cabal` file (hpack writes it from
    `package.yaml`): https://docs.haskellstack.org/en/stable/topics/stack_work/"""
    make_tree(
        tmp_path / "hs",
        {
            "stack.yaml": "snapshot: lts-22.6\npackages:\n- core\n",
            ".stack-work/stack.sqlite3.pantry-write-lock": "",
            "core/package.yaml": "name: core\nversion: 0.1.0.0\n",
            "core/core.cabal": HPACK_CABAL,
            "core/src/Lib.hs": "module Lib where\n",
            "core/.stack-work/dist/x86_64-linux/ghc-9.6.3/build/Lib.o": "o",
        },
    )
    found = artifacts(tmp_path)
    assert "hs/core/.stack-work" in found, sorted(found)
    assert found["hs/core/.stack-work"].rule == "haskell.stack-work"
    assert "hs/.stack-work" in found


def test_a_stack_work_folder_beside_no_haskell_project_is_not_an_artifact(tmp_path: Path) -> None:
    make_tree(tmp_path / "notes", {".stack-work/todo.txt": "mine\n", "README.md": "notes\n"})
    assert artifacts(tmp_path) == {}


def test_sbts_meta_build_target_is_found_beside_project_sbt_files(tmp_path: Path) -> None:
    """sbt compiles the build definition in `project/` into `project/target/`, beside
    `project/build.properties` and the `*.sbt` plugin files, one level below `build.sbt`:
    https://www.scala-sbt.org/1.x/docs/Organizing-Build.html"""
    make_tree(
        tmp_path / "app",
        {
            "build.sbt": 'lazy val root = (project in file(".")).settings(name := "app")\n',
            "project/build.properties": "sbt.version=1.9.8\n",
            "project/plugins.sbt": 'addSbtPlugin("org.scalameta" % "sbt-scalafmt" % "2.5.2")\n',
            "project/target/config-classes/$abc.class": "c",
            "project/target/scala-2.12/sbt-1.0/update/update_cache_2.12/output": "{}",
            "target/scala-2.13/classes/Main.class": "c",
        },
    )
    found = artifacts(tmp_path)
    assert "app/project/target" in found, sorted(found)
    assert found["app/project/target"].rule == "scala.sbt-target"
    assert "app/target" in found


def test_a_target_folder_beside_a_non_sbt_build_properties_is_not_an_artifact(
    tmp_path: Path,
) -> None:
    make_tree(
        tmp_path / "ant",
        {"build.properties": "dist.dir=dist\n", "target/deploy-notes.txt": "mine\n"},
    )
    assert "ant/target" not in artifacts(tmp_path)
