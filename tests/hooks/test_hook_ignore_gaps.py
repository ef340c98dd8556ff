"""`hygiene hook hygiene-ignore-gaps`, in-process in real repos; `--fix` is `hygiene fix`'s."""

from __future__ import annotations

HOOK = "hygiene-ignore-gaps"


def test_clean_work_tree_prints_nothing(repo, cli):  # type: ignore[no-untyped-def]
    repo.write("__pycache__/app.cpython-311.pyc", "x")
    repo.write(".gitignore", "__pycache__/\n")
    result = cli("hook", HOOK, "app.py")
    assert (result.code, result.out, result.err) == (0, "", "")


def test_unignored_artifacts_and_secrets_fail(repo, cli):  # type: ignore[no-untyped-def]
    repo.write("pkg/__pycache__/m.pyc", "x")
    repo.write(".DS_Store", "x")
    repo.write(".env", "TOKEN=1\n")
    result = cli("hook", HOOK)
    assert result.code == 1
    lines = result.out.splitlines()
    # Secrets first: they are the ones that leak.
    assert lines[0] == (
        ".env: secret, secret.dotenv, not ignored; one `git add .` from being committed"
    )
    assert "pkg/__pycache__/: cache, python.pycache, not ignored" in lines
    assert "  ignore:  add '__pycache__/' to .gitignore" in lines
    assert ".DS_Store: junk, junk.macos, not ignored" in lines
    assert not (repo.path / ".gitignore").exists()  # without --fix nothing is written


def test_fix_twice_appends_once_then_passes(repo, cli):  # type: ignore[no-untyped-def]
    repo.write(".gitignore", "# ours\n*.log\n")
    repo.write("pkg/__pycache__/m.pyc", "x")
    repo.write("node_modules/.package-lock.json", "{}")
    repo.write("package.json", "{}")
    first = cli("hook", HOOK, "--fix")
    assert first.code == 1
    assert first.out.splitlines() == [
        ".gitignore: added '/node_modules', '__pycache__/'",
        "hygiene-ignore-gaps: .gitignore updated; review it and stage it with your commit",
    ]
    text = (repo.path / ".gitignore").read_text()
    assert text.startswith("# ours\n*.log\n")
    assert text.count("__pycache__/") == 1
    second = cli("hook", HOOK, "--fix")
    assert (second.code, second.out) == (0, "")
    assert (repo.path / ".gitignore").read_text() == text


def test_tracked_artifacts_are_not_gaps(repo, cli):  # type: ignore[no-untyped-def]
    repo.write("vendor-cache/.DS_Store", "x")
    repo.git("add", "-f", "vendor-cache/.DS_Store")
    assert cli("hook", HOOK).code == 0


def test_a_line_that_git_does_not_honour_is_reported_after_fix(repo, cli):  # type: ignore[no-untyped-def]
    # The line is there, but a later negation undoes it: --fix must not claim success.
    repo.write(".gitignore", ".DS_Store\n!.DS_Store\n")
    repo.write(".DS_Store", "x")
    result = cli("hook", HOOK, "--fix")
    assert result.code == 1
    assert "still not ignored" in result.out
    assert (repo.path / ".gitignore").read_text() == ".DS_Store\n!.DS_Store\n"
