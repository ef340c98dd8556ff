"""`hygiene hook hygiene-no-artifacts`, in-process through the real entry point in real repos."""

from __future__ import annotations

import pytest

HOOK = "hygiene-no-artifacts"


@pytest.fixture
def repo(make_repo, monkeypatch):  # type: ignore[no-untyped-def]
    r = make_repo()
    r.write("README.md", "hello\n")
    r.commit("README.md")
    monkeypatch.chdir(r.path)
    return r


def stage(repo, *files: str, content: str | bytes = "x\n") -> list[str]:  # type: ignore[no-untyped-def]
    for rel in files:
        repo.write(rel, content)
    repo.git("add", "-f", "--", *files)
    return list(files)


def test_staged_pycache_fails_with_the_fix(repo, cli):  # type: ignore[no-untyped-def]
    files = stage(repo, "pkg/__pycache__/mod.cpython-311.pyc", "pkg/__pycache__/x.pyc", "pkg/m.py")
    result = cli("hook", HOOK, *files)
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == (
        "pkg/__pycache__/ (2 staged files): cache, python.pycache (name '__pycache__')"
    )
    assert lines[1] == "  unstage: git rm -r --cached -- pkg/__pycache__"
    assert lines[2] == "  ignore:  add '__pycache__/' to .gitignore"
    assert lines[-1].startswith("hygiene-no-artifacts: 1 artifact(s) staged")
    assert "pkg/m.py" not in result.out


def test_staged_ds_store_fails(repo, cli):  # type: ignore[no-untyped-def]
    result = cli("hook", HOOK, *stage(repo, "docs/.DS_Store"))
    assert result.code == 1
    assert "docs/.DS_Store: junk, junk.macos" in result.out
    assert "git rm --cached -- docs/.DS_Store" in result.out
    assert "add '.DS_Store' to .gitignore" in result.out


def test_clean_commit_prints_nothing(repo, cli):  # type: ignore[no-untyped-def]
    files = stage(repo, "src/app.py", "src/build.py", "docs/index.md", "Makefile")
    result = cli("hook", HOOK, *files)
    assert (result.code, result.out, result.err) == (0, "", "")


def test_build_folder_of_scripts_without_a_marker_passes(repo, cli):  # type: ignore[no-untyped-def]
    files = stage(repo, "build/release.sh", "build/deploy.sh")
    assert cli("hook", HOOK, *files).code == 0


def test_build_output_beside_a_marker_fails(repo, cli):  # type: ignore[no-untyped-def]
    repo.write("pyproject.toml", "[project]\nname = 'p'\n")
    result = cli("hook", HOOK, *stage(repo, "build/lib/p/__init__.py"))
    assert result.code == 1
    assert "build/ (1 staged file): build, python.build ('build' beside pyproject.toml)" in (
        result.out
    )
    # Anchored, as `hygiene fix` writes it: a marker proved this build/, not every build/.
    assert "  ignore:  add '/build' to .gitignore" in result.out


def test_committed_build_folder_is_deliberate_but_caches_inside_are_not(repo, cli):  # type: ignore[no-untyped-def]
    # A tracked build/ of scripts beside a marker: committed on purpose, as scan judges it.
    repo.write("pyproject.toml", "[project]\nname = 'p'\n")
    repo.write("build/release.sh", "echo release\n")
    repo.commit()
    assert cli("hook", HOOK, *stage(repo, "build/release.sh", content="echo v2\n")).code == 0
    assert cli("hook", HOOK, *stage(repo, "build/new-step.sh")).code == 0
    result = cli("hook", HOOK, *stage(repo, "build/__pycache__/helper.pyc"))
    assert result.code == 1
    assert result.out.startswith("build/__pycache__/ (1 staged file): cache, python.pycache")
    # --enforce-all (CI over all files) drops the "committed on purpose" refusal.
    result = cli("hook", HOOK, "--enforce-all", "build/release.sh")
    assert result.code == 1
    assert "build/ (1 tracked file): build, python.build" in result.out
    assert result.out.rstrip().endswith(
        "1 artifact(s) tracked; unstage them and ignore them as shown"
    )


def test_insides_of_a_committed_dependency_folder_are_not_judged(repo, cli):  # type: ignore[no-untyped-def]
    repo.write("package.json", "{}\n")
    repo.write("node_modules/left-pad/index.js", "module.exports = 1\n")
    repo.git("add", "-f", ".")
    repo.git("commit", "-q", "-m", "vendored on purpose")
    files = stage(repo, "node_modules/left-pad/.DS_Store", "node_modules/left-pad/x.pyc")
    assert cli("hook", HOOK, *files).code == 0
    result = cli("hook", HOOK, "--enforce-all", *files)
    assert result.code == 1
    assert "node_modules/ (2 tracked files): dependencies, node.node-modules" in result.out


def test_virtualenv_is_proven_by_pyvenv_cfg(repo, cli):  # type: ignore[no-untyped-def]
    repo.write("env/pyvenv.cfg", "home = /usr/bin\n")
    result = cli("hook", HOOK, *stage(repo, "env/lib/python3.11/site-packages/six.py"))
    assert result.code == 1
    assert "env/ (1 staged file): virtualenv, python.virtualenv ('env' holds pyvenv.cfg)" in (
        result.out
    )
    # The same folder name without the proof is somebody's code.
    assert cli("hook", HOOK, *stage(repo, "env2/lib/settings.py")).code == 0


def test_secrets_and_state_are_not_called_artifacts(repo, cli):  # type: ignore[no-untyped-def]
    assert cli("hook", HOOK, *stage(repo, ".env", "data/dev.sqlite3")).code == 0


def test_hygieneignore_protects_like_scan(repo, cli):  # type: ignore[no-untyped-def]
    files = stage(repo, "fixtures/__pycache__/golden.pyc")
    assert cli("hook", HOOK, *files).code == 1
    repo.write(".hygieneignore", "fixtures/\n")
    assert cli("hook", HOOK, *files).code == 0


def test_config_protect_list_is_honoured(repo, cli):  # type: ignore[no-untyped-def]
    files = stage(repo, "keep/.DS_Store")
    repo.write("hygiene.toml", 'protect = ["keep/"]\n')
    assert cli("hook", HOOK, *files).code == 0


def test_bad_config_is_exit_2_naming_the_key(repo, cli):  # type: ignore[no-untyped-def]
    files = stage(repo, ".DS_Store")
    repo.write("hygiene.toml", "protect = 3\n")
    result = cli("hook", HOOK, *files)
    assert result.code == 2
    assert "hygiene.toml: protect:" in result.err


def test_force_added_file_already_ignored_says_so(repo, cli):  # type: ignore[no-untyped-def]
    repo.write(".gitignore", "__pycache__/\n")
    result = cli("hook", HOOK, *stage(repo, "__pycache__/m.pyc"))
    assert result.code == 1
    assert "'__pycache__/' is in .gitignore already" in result.out


def test_no_file_names_means_what_is_staged(repo, cli):  # type: ignore[no-untyped-def]
    stage(repo, "desktop.ini", "ok.txt")
    result = cli("hook", HOOK)
    assert result.code == 1
    assert "desktop.ini: junk, junk.windows" in result.out


def test_committed_junk_passes_unless_enforce_all(repo, cli):  # type: ignore[no-untyped-def]
    repo.write(".DS_Store", "x")
    repo.git("add", "-f", ".DS_Store")
    repo.git("commit", "-q", "-m", "oops")
    assert cli("hook", HOOK, ".DS_Store").code == 0
    assert cli("hook", HOOK, "--enforce-all").code == 1


def test_unusual_file_names_survive(repo, cli):  # type: ignore[no-untyped-def]
    files = stage(repo, "dir with space/__pycache__/m.pyc", "ünï/.DS_Store")
    result = cli("hook", HOOK, *files)
    assert result.code == 1
    assert "git rm -r --cached -- 'dir with space/__pycache__'" in result.out
    assert "ünï/.DS_Store: junk" in result.out
