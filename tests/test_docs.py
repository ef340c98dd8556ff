"""Every command and option the user docs name exists, as `--help` would show it.

A renamed option or a dropped command otherwise lives on in `docs/` for months.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

from hygiene.cli.app import build_app
from hygiene.cli.main import main
from hygiene.hooks import HOOKS

TOP = Path(__file__).parent.parent
DOCS = [*sorted((TOP / "docs").glob("*.md")), TOP / "README.md"]
# `hygiene ...` inside backticks, or after a `$ ` prompt in a console block.
SPAN = re.compile(r"`(hygiene [^`]+)`")
PROMPT = re.compile(r"^\$ (hygiene .*)$", re.M)


def _root() -> Any:
    # typer carries its own click; a group is whatever has subcommands.
    return typer.main.get_command(build_app())


def _options(command: Any) -> set[str]:
    if command.name in HOOKS:
        # A hook id is handed to its own argparse runner, as pre-commit calls it.
        return _hook_options(command.name)
    names: set[str] = set()
    for param in command.params:
        names.update(o for o in (*param.opts, *param.secondary_opts) if o.startswith("-"))
    return names | {"--help", "-h"}


def _hook_options(hook_id: str) -> set[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main(["hook", hook_id, "--help"])
    return set(re.findall(r"(?<![\w-])--?[a-z][\w-]*", out.getvalue()))


def _invocations() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for pattern in (SPAN, PROMPT):
            found.extend((doc.name, m[1]) for m in pattern.finditer(text))
    return found


def _resolve(root: Any, words: list[str]) -> tuple[Any, list[str]]:
    """The deepest command the words name, and the words after it."""
    command, rest = root, words
    while rest and hasattr(command, "commands") and rest[0] in command.commands:
        command, rest = command.commands[rest[0]], rest[1:]
    return command, rest


def _split(line: str) -> list[str]:
    # Only the hygiene command itself: stop at a pipe, a redirection or a second command.
    line = re.split(r"\s(?:\||>|<|&&|2>)|;", line)[0]
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()


INVOCATIONS = _invocations()


def test_the_docs_name_commands() -> None:
    assert len(INVOCATIONS) > 50


@pytest.mark.parametrize(("doc", "line"), INVOCATIONS)
def test_every_documented_command_and_option_exists(doc: str, line: str) -> None:
    words = _split(line)[1:]
    words = [w for w in words if "..." not in w]
    if not words or words[0].startswith("<"):
        return
    root = _root()
    command, rest = _resolve(root, words)
    assert command is not root or words[0].startswith("-"), (
        f"{doc}: `{line}` names no command hygiene has"
    )
    if hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        pytest.fail(f"{doc}: `{line}`: {command.name} has no command {rest[0]!r}")
    known = _options(command) | (_options(root) if command is root else set())
    for word in rest:
        option = word.split("=", 1)[0]
        if option.startswith("--") and len(option) > 2 and "..." not in option:
            assert option in known, f"{doc}: `{line}`: {command.name} has no option {option}"
