"""Detection cases the issue names: decoys, nesting, evidence, precious, git-tracked content."""

from __future__ import annotations

from pathlib import Path

from hygiene.config.layers import Config
from tests.scan.helpers import artifacts, make_tree

VENV = {".venv/pyvenv.cfg": "home = /usr/bin\n", ".venv/lib/site.py": "x = 1\n"}


def test_tracked_build_folder_of_scripts_is_not_an_artifact(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("setup.py", "from setuptools import setup\n")
    repo.write("build/release.sh", "#!/bin/sh\n")
    repo.commit()
    assert "build" not in artifacts(repo.path)


def test_untracked_build_folder_beside_setup_py_is_an_artifact(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("setup.py", "from setuptools import setup\n")
    repo.commit()
    repo.write("build/lib/pkg/mod.py", "x = 1\n")
    found = artifacts(repo.path)
    assert found["build"].rule == "python.build"
    assert found["build"].repo == str(repo.path)


def test_cache_inside_a_tracked_build_folder_is_still_found(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("setup.py", "\n")
    repo.write("build/tool.py", "x = 1\n")
    repo.commit()
    repo.write("build/__pycache__/tool.cpython-311.pyc", b"\x00" * 64)
    found = artifacts(repo.path)
    assert set(found) == {"build/__pycache__"}


def test_target_of_html_without_cargo_or_pom_is_not_an_artifact(tmp_path: Path) -> None:
    make_tree(tmp_path, {"site/target/index.html": "<html/>", "site/README.md": "docs"})
    assert artifacts(tmp_path) == {}


def test_target_beside_cargo_and_beside_pom(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "rs/Cargo.toml": "[package]\n",
            "rs/target/debug/app": "bin",
            "jv/pom.xml": "<project/>",
            "jv/target/classes/A.class": "c",
        },
    )
    found = artifacts(tmp_path)
    assert (found["rs/target"].ecosystem, found["jv/target"].ecosystem) == ("rust", "java")
    assert "beside Cargo.toml" in found["rs/target"].reason


def test_env_folder_without_pyvenv_cfg_is_not_a_virtualenv(tmp_path: Path) -> None:
    make_tree(tmp_path, {"app/env/production.yaml": "a: 1\n", "app/pyproject.toml": ""})
    assert artifacts(tmp_path) == {}


def test_any_folder_with_pyvenv_cfg_is_a_virtualenv(tmp_path: Path) -> None:
    make_tree(tmp_path, {"app/my-env/pyvenv.cfg": "home = /usr\n", "app/my-env/bin/python": ""})
    found = artifacts(tmp_path)
    assert found["app/my-env"].category == "virtualenv"
    assert "pyvenv.cfg" in found["app/my-env"].reason


def test_tracked_fixture_node_modules_is_not_an_artifact(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("package.json", "{}")
    repo.write("test/fixtures/package.json", "{}")
    repo.write("test/fixtures/node_modules/dep/index.js", "module.exports = 1\n")
    repo.commit()
    repo.write("node_modules/left-pad/index.js", "x")
    assert set(artifacts(repo.path)) == {"node_modules"}


def test_node_modules_proven_by_its_own_lockfile_without_package_json(tmp_path: Path) -> None:
    make_tree(tmp_path, {"x/node_modules/.package-lock.json": "{}", "x/node_modules/a/i.js": ""})
    assert artifacts(tmp_path)["x/node_modules"].reason == "'node_modules' holds .package-lock.json"


def test_nested_multi_ecosystem_project_finds_both(tmp_path: Path) -> None:
    """A Python service with a React front end inside (kondo #175)."""
    make_tree(
        tmp_path,
        {
            "svc/pyproject.toml": "",
            "svc/stray.py": "",
            **{f"svc/{k}": v for k, v in VENV.items()},
            "svc/web/package.json": "{}",
            "svc/web/node_modules/react/index.js": "",
            "svc/web/.next/cache/x": "",
        },
    )
    found = artifacts(tmp_path)
    assert {"svc/.venv", "svc/web/node_modules", "svc/web/.next"} <= set(found)


def test_artifact_inside_artifact_is_counted_once(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "p/package.json": "{}",
            "p/node_modules/a/package.json": "{}",
            "p/node_modules/a/node_modules/b/i.js": "12345",
            "p/node_modules/a/__pycache__/m.pyc": "",
            **{f"p/{k}": v for k, v in VENV.items()},
            "p/.venv/lib/pip/_internal/operations/build/x.py": "",
            "p/.venv/lib/pip/setup.py": "",
        },
    )
    found = artifacts(tmp_path)
    assert set(found) == {"p/node_modules", "p/.venv"}
    assert found["p/node_modules"].files == 3


def test_cachedir_tag_and_tool_gitignore_are_evidence(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "a/odd-cache/CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n",
            "a/tool-out/.gitignore": "# Created by pytest automatically.\n*\n",
            "a/tool-out/data": "x",
            "a/keep-me/.gitignore": "*\n!.gitignore\n",
            "a/keep-me/notes.txt": "mine",
        },
    )
    found = artifacts(tmp_path)
    assert set(found) == {"a/odd-cache", "a/tool-out"}


def test_cmake_build_dir_with_any_name(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "c/CMakeLists.txt": "",
            "c/out-release/CMakeCache.txt": "# This is the CMakeCache file.\n",
            "c/build/x.o": "",
        },
    )
    found = artifacts(tmp_path)
    assert set(found) == {"c/out-release", "c/build"}


def test_precious_is_never_an_artifact(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "g/.env": "SECRET=1",
            "g/.env.local": "SECRET=2",
            "g/infra.tfstate": "{}",
            "g/local.properties": "sdk.dir=/x",
            "g/.vagrant/machines/x": "",
            "g/Game.uproject": "{}",
            "g/Saved/Autosaves/level.umap": "",
            "g/Intermediate/x": "",
            "g/mlruns/0/meta.yaml": "",
            "g/wandb/run-1/files/__pycache__/m.pyc": "",
            "g/app.csproj.user": "",
        },
    )
    found = artifacts(tmp_path)
    assert set(found) == {"g/Intermediate"}


def test_name_only_peers_get_wrong_need_their_marker(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "gradle/build.gradle": "",
            "gradle/bin/my-script.sh": "",
            "net/bin/Debug/app.dll": "",
            "go/go.mod": "",
            "go/vendor/github.com/x/y.go": "",
            "ios/Pods/Lib/a.m": "",
            "web/out/index.html": "",
            "web/public/logo.png": "",
            "py/lib/helper.py": "",
        },
    )
    assert artifacts(tmp_path) == {}


def test_dotnet_bin_obj_beside_csproj(tmp_path: Path) -> None:
    make_tree(tmp_path, {"n/App.csproj": "<Project/>", "n/bin/Debug/a.dll": "", "n/obj/x": ""})
    assert set(artifacts(tmp_path)) == {"n/bin", "n/obj"}


def test_junk_files(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "d/.DS_Store": "",
            "d/Thumbs.db": "",
            "d/notes.txt~": "",
            "d/.a.swp": "",  # unsaved work, never junk (issue 14, item 8)
            "d/notes.txt": "",
        },
    )
    assert set(artifacts(tmp_path)) == {"d/.DS_Store", "d/Thumbs.db", "d/notes.txt~"}


def test_hygieneignore_and_protect_keep_paths(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "a/package.json": "{}",
            "a/node_modules/x/i.js": "",
            "b/package.json": "{}",
            "b/node_modules/y/i.js": "",
            "c/package.json": "{}",
            "c/dist/release-notes.md": "",
            "c/dist/bundle.js": "",
            ".hygieneignore": "a/node_modules/\n",
        },
    )
    found = artifacts(tmp_path, config=Config(protect=("b/",), sources={}))
    assert "a/node_modules" not in found
    assert "b/node_modules" not in found
    assert "c/dist" in found
    found = artifacts(tmp_path, config=Config(protect=("**/release-notes.md",)))
    assert "c/dist" not in found, "a protected file inside keeps its folder"


def test_hygieneignore_inside_a_nested_repo_protects_it(make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("ws/inner")
    repo.write("package.json", "{}")
    repo.write(".hygieneignore", "node_modules/\n")
    repo.commit()
    repo.write("node_modules/x/i.js", "")
    assert artifacts(tmp_path / "ws") == {}


def test_scanning_a_subfolder_of_a_repo_still_asks_git(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write("pkg/setup.py", "")
    repo.write("pkg/build/keep.sh", "")
    repo.commit()
    assert artifacts(repo.path / "pkg") == {}


def test_folder_holding_a_nested_repository_is_refused(tmp_path: Path, make_repo) -> None:  # type: ignore[no-untyped-def]
    make_tree(tmp_path, {"p/package.json": "{}", "p/node_modules/dep/i.js": ""})
    inner = make_repo("p/node_modules/linked-dev-copy")
    inner.write("work.js", "uncommitted work\n")
    assert "p/node_modules" not in artifacts(tmp_path)
