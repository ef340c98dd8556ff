"""JSONC: VS Code's settings syntax parsed, and keys added without disturbing anything else."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hygiene.fix.jsonc import JsoncError, add_members, loads

SETTINGS = """// Workspace settings
{
    /* the editor */
    "editor.tabSize": 2, // two spaces
    "url": "http://example.com/*not a comment*/", // slashes in strings stay
    "files.watcherExclude": {
        "**/.git/objects/**": true, // VS Code's default
    },
}
"""


def test_comments_and_trailing_commas_parse() -> None:
    assert loads(SETTINGS) == {
        "editor.tabSize": 2,
        "url": "http://example.com/*not a comment*/",
        "files.watcherExclude": {"**/.git/objects/**": True},
    }


def test_a_broken_file_names_line_and_column() -> None:
    with pytest.raises(JsoncError, match="line 2"):
        loads('{\n  "a": tru\n}')


def test_adding_to_an_existing_object_keeps_every_comment_and_line() -> None:
    edited = add_members(SETTINGS, "files.watcherExclude", {"**/node_modules/**": True})
    assert edited is not None
    assert loads(edited)["files.watcherExclude"] == {
        "**/.git/objects/**": True,
        "**/node_modules/**": True,
    }
    for line in SETTINGS.splitlines():
        assert line in edited.splitlines()
    assert '        "**/node_modules/**": true,\n    },' in edited  # its style: trailing commas


def test_adding_a_new_key_goes_inside_the_top_object() -> None:
    edited = add_members(SETTINGS, "search.exclude", {"target": True})
    assert edited is not None
    assert loads(edited)["search.exclude"] == {"target": True}
    assert edited.startswith("// Workspace settings\n{\n    /* the editor */")


def test_present_entries_are_not_added_twice() -> None:
    assert add_members(SETTINGS, "files.watcherExclude", {"**/.git/objects/**": True}) == SETTINGS


@pytest.mark.parametrize(
    "text",
    [
        '{"search.exclude": ["not", "an", "object"]}',
        '{"search.exclude": {}, "search.exclude": {}}',
        "[1, 2]",
        '{"a": ',
    ],
)
def test_unsafe_edits_are_refused(text: str) -> None:
    assert add_members(text, "search.exclude", {"x": True}) is None


def test_an_empty_file_gets_a_fresh_object() -> None:
    edited = add_members("", "search.exclude", {"x": True})
    assert edited is not None
    assert loads(edited) == {"search.exclude": {"x": True}}


keys = st.text(alphabet="abcxyz*/._-", min_size=1, max_size=8)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    existing=st.dictionaries(keys, st.booleans() | st.integers() | st.text(max_size=5)),
    inner=st.dictionaries(keys, st.booleans(), max_size=3),
    wanted=st.dictionaries(keys, st.just(True), min_size=1, max_size=3),
    indent=st.sampled_from([None, 2, 4, "\t"]),
)
def test_edits_parse_back_to_exactly_the_original_plus_the_additions(
    existing: dict[str, object], inner: dict[str, bool], wanted: dict[str, bool], indent: object
) -> None:
    document = {**existing, "files.watcherExclude": inner}
    text = json.dumps(document, indent=indent)  # type: ignore[arg-type]
    edited = add_members(text, "files.watcherExclude", wanted)
    assert edited is not None
    expected = {**document, "files.watcherExclude": {**wanted, **inner}}
    assert loads(edited) == expected
