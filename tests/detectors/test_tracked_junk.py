"""Tracked junk: committed artifacts and files the repository's own rules exclude."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.detectors.tracked import TrackedArtifact, tracked_junk


def by_rel(repo) -> dict[str, TrackedArtifact]:  # type: ignore[no-untyped-def]
    return {t.rel: t for t in tracked_junk(str(repo.path))}


def test_a_tracked_pycache_is_reported_once_at_its_top(make_repo) -> None:
    repo = make_repo()
    repo.write("pkg/mod.py", "x = 1\n")
    repo.write("pkg/__pycache__/mod.cpython-312.pyc", b"\0" * 100)
    repo.write("pkg/__pycache__/other.cpython-312.pyc", b"\0" * 50)
    repo.write("docs/.DS_Store", "junk")
    repo.commit()
    found = by_rel(repo)
    assert set(found) == {"pkg/__pycache__", "docs/.DS_Store"}
    cache = found["pkg/__pycache__"]
    assert (cache.files, cache.bytes, cache.folder) == (2, 150, True)
    assert (cache.rule, cache.ignored, cache.suggestion) == (
        "python.pycache",
        False,
        "__pycache__/",
    )
    assert cache.fix == "git rm --cached -r -q -- pkg/__pycache__"
    assert found["docs/.DS_Store"].fix == "git rm --cached -q -- docs/.DS_Store"


def test_files_the_repo_ignores_but_tracks_are_grouped_by_folder(make_repo) -> None:
    repo = make_repo()
    repo.write("out/a.txt", "a")
    repo.write("out/deep/b.txt", "b")
    repo.write("logs/keep.txt", "kept")
    repo.write("logs/run.log", "noise")
    repo.write("src/main.c", "int main;")
    repo.commit()  # forced in with add -f: the ignore rules came later
    repo.write(".gitignore", "out/\n*.log\n")
    found = by_rel(repo)
    assert set(found) == {"out", "logs/run.log"}
    assert found["out"].files == 2
    assert found["out"].rule == "gitignore"
    assert found["out"].ignored is True
    assert found["out"].suggestion is None  # already ignored: no new line needed


def test_untracked_artifacts_and_clean_repos_report_nothing(make_repo) -> None:
    repo = make_repo()
    repo.write("pyproject.toml", "[project]\n")
    repo.write("src/app.py", "x = 1\n")
    repo.write(".env.example", "TOKEN=\n")  # precious rules never make tracked junk
    repo.commit()
    repo.write("src/__pycache__/app.pyc", "x")
    assert by_rel(repo) == {}


def test_a_generic_name_needs_its_evidence_in_the_tracked_tree(make_repo) -> None:
    repo = make_repo()
    repo.write("build/notes.md", "hand written\n")  # no marker beside: not an artifact
    repo.write("web/package.json", "{}")
    repo.write("web/node_modules/left-pad/index.js", "module.exports = 1\n")
    repo.commit()
    found = by_rel(repo)
    assert set(found) == {"web/node_modules"}
    assert found["web/node_modules"].suggestion == "/web/node_modules"


def test_folders_often_committed_on_purpose_are_not_junk(make_repo) -> None:
    repo = make_repo()
    repo.write("pyproject.toml", "[project]\n")
    repo.write("build/release.sh", "#!/bin/sh\n")
    repo.write("go.mod", "module x\n")
    repo.write("vendor/modules.txt", "# vendored on purpose\n")
    repo.write("build/__pycache__/x.pyc", "x")  # but a cache inside one still is
    repo.commit()
    assert set(by_rel(repo)) == {"build/__pycache__"}


def _vocabulary() -> list[str]:
    """Every name the rule table knows (names, markers beside and inside) and some it does not."""
    from hygiene.rules import default_index

    names = {"src", "a.py", "lib", "README.md", "x", "data.bin"}
    for rule in default_index().rules:
        for name in (*rule.names, *rule.beside, *rule.inside):
            names.add(name.replace("*", "q").replace("?", "q").replace("[", "").replace("]", ""))
    return sorted(names)


VOCABULARY = _vocabulary()


@given(
    st.lists(
        st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=4).map("/".join),
        min_size=1,
        max_size=30,
    )
)
@settings(max_examples=300, deadline=None)
def test_the_shortcut_never_hides_tracked_junk(paths: list[str]) -> None:
    """Most repositories hold no name a junk rule could meet and skip the judging; the shortcut
    must never skip a repository where judging would find something."""
    from hygiene.detectors.tracked import _judge

    tracked = sorted(set(paths))
    # A path that is also a folder of another path cannot be tracked as a file.
    tracked = [p for p in tracked if not any(q.startswith(p + "/") for q in tracked)]
    assert _judge("/nonexistent", tracked) == _judge("/nonexistent", tracked, prefilter=False)
