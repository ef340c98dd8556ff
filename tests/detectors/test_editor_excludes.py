"""Editor excludes: big artifact folders VS Code would still watch or search."""

from __future__ import annotations

from pathlib import Path

import pytest

from hygiene.detectors.editor import EditorExclude, covered, glob_regex
from hygiene.scan.engine import ScanRequest, scan

SETTINGS = """{
    // we like two spaces
    "editor.tabSize": 2,
    "files.watcherExclude": {
        "**/.venv/**": true,
    },
}
"""


def _fill(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"f{i}.js").write_text("x", encoding="utf-8")


def editor_findings(root: Path) -> dict[str, EditorExclude]:
    result = scan(ScanRequest(roots=(root,), kinds=frozenset({"editor-exclude"})))
    return {f.rel: f for f in result.findings if isinstance(f, EditorExclude)}


@pytest.fixture
def project(make_repo):  # type: ignore[no-untyped-def]
    repo = make_repo()
    repo.write(".vscode/settings.json", SETTINGS)
    repo.write("package.json", "{}")
    repo.write("Cargo.toml", "[package]\n")
    _fill(repo.path / "node_modules" / "pkg", 1000)
    _fill(repo.path / "target" / "debug", 1000)
    _fill(repo.path / ".venv" / "lib", 1000)
    (repo.path / ".venv" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    _fill(repo.path / "small" / "__pycache__", 3)
    return repo


def test_defaults_user_settings_and_ignore_files_all_count(project) -> None:
    found = editor_findings(project.path)
    # .venv: the settings keep it from the watcher, but nothing ignores it, so search reads it.
    # node_modules: search skips it by VS Code's default; the watcher does not.
    assert set(found) == {"node_modules", "target", ".venv"}
    assert (found["node_modules"].watcher_exclude, found["node_modules"].search_exclude) == (
        "node_modules/**",
        None,
    )
    assert (found["target"].watcher_exclude, found["target"].search_exclude) == (
        "target/**",
        "target",
    )
    assert (found[".venv"].watcher_exclude, found[".venv"].search_exclude) == (None, ".venv")
    assert found["target"].files == 1000


def test_gitignored_folders_are_not_searched_unless_ignore_files_are_off(project) -> None:
    project.write(".gitignore", "target/\n.venv/\n")
    found = editor_findings(project.path)
    assert found["target"].search_exclude is None
    assert ".venv" not in found  # watcher excluded and not searched
    project.write(
        ".vscode/settings.json", SETTINGS.replace("2,", '2, "search.useIgnoreFiles": false,')
    )
    assert editor_findings(project.path)["target"].search_exclude == "target"


def test_the_global_excludes_file_counts_only_when_search_is_told_to_use_it(
    project, tmp_path: Path
) -> None:
    excludes = tmp_path / "global-ignore"
    excludes.write_text("target/\n", encoding="utf-8")
    project.git("config", "core.excludesFile", str(excludes))
    assert editor_findings(project.path)["target"].search_exclude == "target"
    project.write(
        ".vscode/settings.json",
        SETTINGS.replace("2,", '2, "search.useGlobalIgnoreFiles": true,'),
    )
    assert editor_findings(project.path)["target"].search_exclude is None


def test_no_settings_file_no_findings(project) -> None:
    (project.path / ".vscode" / "settings.json").unlink()
    assert editor_findings(project.path) == {}


def test_a_broken_settings_file_is_an_error_not_a_crash(project) -> None:
    project.write(".vscode/settings.json", "{ nope")
    result = scan(ScanRequest(roots=(project.path,), kinds=frozenset({"editor-exclude"})))
    assert result.findings == ()
    assert any("settings.json" in e.path for e in result.errors)


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("**/node_modules", "a/b/node_modules", True),
        ("**/node_modules", "node_modules", True),
        ("**/node_modules/**", "web/node_modules/x", True),
        ("target/**", "target/debug", True),
        ("target/**", "sub/target/debug", False),
        ("**/*.{js,ts}", "a/b.ts", True),
        ("**/.git/objects/**", "node_modules/x", False),
    ],
)
def test_vscode_globs(pattern: str, path: str, matches: bool) -> None:
    assert bool(glob_regex(pattern).match(path)) is matches


def test_a_pattern_on_a_parent_covers_the_folder() -> None:
    assert covered(["vendor"], "vendor/node_modules")
    assert not covered(["vendor"], "src/node_modules")


@pytest.fixture
def user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME and XDG_CONFIG_HOME in tmp_path, where platformdirs looks for VS Code's user folder."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    return tmp_path / "home" / ".config"


@pytest.mark.parametrize("product", ["Code", "Code - Insiders", "VSCodium"])
def test_a_folder_excluded_in_the_users_settings_is_not_reported(
    project, user_config: Path, product: str
) -> None:
    assert "target" in editor_findings(project.path)  # nothing excludes it yet
    settings = user_config / product / "User" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(
        '{\n  // the user\'s own\n  "files.watcherExclude": {"**/target/**": true},\n'
        '  "search.exclude": {"**/target": true, "**/node_modules": false},\n}\n',
        encoding="utf-8",
    )
    found = editor_findings(project.path)
    assert "target" not in found
    # The workspace's own watcher exclude still counts beside the user's.
    assert (found[".venv"].watcher_exclude, found[".venv"].search_exclude) == (None, ".venv")
    # The user turned node_modules' default search exclude off: now search reads it too.
    assert found["node_modules"].search_exclude == "node_modules"

    # Where the workspace says otherwise, the workspace wins (VS Code merges the objects).
    project.write(".vscode/settings.json", '{"files.watcherExclude": {"**/target/**": false}}')
    assert editor_findings(project.path)["target"].watcher_exclude == "target/**"
