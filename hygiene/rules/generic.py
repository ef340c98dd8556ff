"""Evidence any tool can leave (CACHEDIR.TAG), and OS and editor junk. Checked last."""

from __future__ import annotations

from hygiene.rules import Rule

# A folder holding `.gitignore` whose only rule is `*` under the writing tool's own line
# (pytest, mypy, ruff, virtualenv, venv): never the bare `*` a user writes (hygiene.rules.proof).
TOOL_GITIGNORE = ".gitignore"

RULES: tuple[Rule, ...] = (
    # https://bford.info/cachedir/: written by cargo, pytest, mypy, ruff, uv and more; the
    # tag counts only with the spec's signature line (hygiene.rules.proof).
    Rule(
        "generic.cachedir-tag",
        "generic",
        "cache",
        (),
        inside=("CACHEDIR.TAG",),
        recreate="rebuilt by the tool that tagged it",
    ),
    Rule(
        "generic.tool-gitignore",
        "generic",
        "cache",
        (),
        inside=(TOOL_GITIGNORE,),
        recreate="rebuilt by the tool that wrote it",
    ),
    Rule(
        "junk.macos",
        "os",
        "junk",
        (".DS_Store", "._*", ".AppleDouble", "__MACOSX"),
        folder=False,
        recreate="not needed",
    ),
    Rule("junk.macos-folder", "os", "junk", ("__MACOSX", ".AppleDouble"), recreate="not needed"),
    Rule(
        "junk.windows",
        "os",
        "junk",
        ("Thumbs.db", "ehthumbs.db", "desktop.ini", "Desktop.ini"),
        folder=False,
        recreate="not needed",
    ),
    # A backup of the last saved version, beside that version; the editors' records of unsaved
    # work are precious (hygiene.rules.precious). A backup whose original is gone is the only
    # copy left, as a .pyc without its .py is (issue 14, item 9): never junk.
    Rule(
        "junk.backup",
        "editor",
        "junk",
        ("*~",),
        folder=False,
        source=("",),
        strip="~",
        recreate="not needed",
    ),
)
