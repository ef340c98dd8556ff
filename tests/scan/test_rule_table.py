"""Every rule in the table has a positive fixture and a decoy, generated from the table itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hygiene.rules import Rule, all_rules, default_index, is_glob
from tests.scan.helpers import artifacts, make_tree

RULES = [r for r in all_rules() if not r.precious]
# What the tools themselves write into the markers that count only by what they say.
PROVING = {
    ".gitignore": "# Created by pytest automatically.\n*\n",
    "CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n",
    "CMakeCache.txt": "# This is the CMakeCache file.\n",
    "modules.txt": "# golang.org/x/text v0.3.0\n",
}


def concrete(pattern: str) -> str:
    """A real name that a glob pattern matches (`*.egg-info` -> `demo.egg-info`)."""
    if not is_glob(pattern):
        return pattern
    return pattern.replace("*", "demo").replace("?", "x").replace("[cod]", "c")


def build_positive(root: Path, rule: Rule) -> str:
    """Make the smallest tree in which `rule` must match; return the artifact's relative path."""
    name = concrete(rule.names[0]) if rule.names else "whatever-name"
    project = root / "proj"
    project.mkdir()
    if rule.beside:
        make_tree(project, {concrete(rule.beside[0]): "marker\n"})
    target = project / name
    if rule.folder:
        target.mkdir()
        (target / "payload.bin").write_bytes(b"x" * 1000)
        if not rule.beside and rule.inside:
            evidence = rule.inside[0]
            content = PROVING.get(evidence, "evidence\n")
            (target / evidence).write_text(content, encoding="utf-8")
    else:
        target.write_bytes(b"x" * 100)
        if rule.source:
            stem = name[: -len(rule.strip)] if rule.strip else name.rpartition(".")[0]
            (project / (stem + rule.source[0])).write_text("source\n")
    return f"proj/{name}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_matches_with_its_evidence(tmp_path: Path, rule: Rule) -> None:
    rel = build_positive(tmp_path, rule)
    found = artifacts(tmp_path)
    assert rel in found, f"{rule.id} did not match {rel}: {sorted(found)}"
    assert found[rel].rule == rule.id or found[rel].ecosystem == rule.ecosystem
    assert found[rel].category == rule.category


@pytest.mark.parametrize(
    "rule", [r for r in RULES if r.beside or r.inside or r.source], ids=lambda r: r.id
)
def test_rule_decoy_without_evidence_is_not_an_artifact(tmp_path: Path, rule: Rule) -> None:
    """The same name with no marker beside it and no evidence inside: a hand-made folder."""
    name = concrete(rule.names[0]) if rule.names else "whatever-name"
    make_tree(tmp_path, {f"proj/{name}/notes.txt": "my own files\n", "proj/README.md": "hi\n"})
    found = artifacts(tmp_path)
    assert f"proj/{name}" not in found


@pytest.mark.parametrize(
    "rule", [r for r in RULES if not (r.beside or r.inside or r.source)], ids=lambda r: r.id
)
def test_name_only_rule_decoy_tracked_by_git(make_repo, rule: Rule) -> None:  # type: ignore[no-untyped-def]
    """A name-only artifact that git tracks is someone's content, never garbage."""
    repo = make_repo()
    name = concrete(rule.names[0])
    if rule.folder:
        repo.write(f"{name}/kept.txt", "committed on purpose\n")
    else:
        repo.write(name, "committed on purpose\n")
    repo.commit()
    assert artifacts(repo.path) == {}


def test_every_rule_has_a_recreate_hint() -> None:
    assert all(r.recreate for r in RULES), [r.id for r in RULES if not r.recreate]


def test_rule_ids_are_unique() -> None:
    ids = [r.id for r in all_rules()]
    assert len(ids) == len(set(ids))


_PIECES = ["", ".", "~", "#", "_", "env", "pyc", "swp", "tfstate", "coverage", "key", "a", "x.y"]


@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=5))
def test_the_file_prefilter_never_hides_a_match(parts: list[str]) -> None:
    """`may_match_file` skips the regex on a cheap test; it must agree with the regex alone."""
    index = default_index()
    name = "".join(parts) or "x"
    any_glob = index._any_glob[False]
    by_regex = (False, name) in index._exact or (
        any_glob is not None and any_glob.match(name) is not None
    )
    assert index.may_match_file(name) == by_regex
