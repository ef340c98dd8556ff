"""What typer makes of a command's options, for the tests that hold `hygiene.cli.fast`'s tables
to the commands they stand in for."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any


def _path_checks(kind: Any) -> tuple[bool, ...]:
    from typer.models import TyperPath

    assert isinstance(kind, TyperPath)
    return (kind.exists, kind.file_okay, kind.dir_okay, kind.readable, kind.writable,
            kind.resolve_path, kind.allow_dash)  # fmt: skip


def assert_table_is_the_commands(name: str, table: dict[str, tuple[str, str]], args: type) -> None:
    """Each option of the typer command `name` is in `table`, read the same way; `table` holds
    no option the command does not know; and the dataclass `args` has the command's fields and
    defaults."""
    import typer.main
    from typer._click import types
    from typer.models import TyperPath

    from hygiene.cli.app import build_app

    group = typer.main.get_command(build_app([name]))
    command = group.commands[name]  # type: ignore[attr-defined]
    expected: dict[str, tuple[str, str]] = {}
    arguments = []
    for param in command.params:
        if param.param_type_name == "argument":
            # `_path_refused(dir_okay=True)` is click's check for these.
            assert _path_checks(param.type) == (False, True, True, True, False, False, False)
            arguments.append((param.name, param.nargs, param.multiple))
            continue
        if "--help" in param.opts:
            continue
        assert param.nargs == 1 and param.callback is None and param.envvar is None
        if param.is_flag:
            assert param.is_bool_flag and not param.count
            how = "flag"
        elif isinstance(param.type, types.IntRange):
            assert (param.type.min, param.type.min_open, param.type.max) == (1, False, None)
            how = "int"
        elif isinstance(param.type, TyperPath):
            # `_path_refused(dir_okay=False)` is click's check for this one.
            assert _path_checks(param.type) == (False, True, False, True, False, False, False)
            how = "file"
        else:
            assert type(param.type) is types.StringParamType
            how = "texts" if param.multiple else "text"
        assert param.multiple == (how == "texts")
        expected.update(dict.fromkeys(param.opts, (param.name, how)))
        expected.update(dict.fromkeys(param.secondary_opts, (param.name, "off")))
    assert expected == table
    assert arguments == [("roots", -1, False)]
    fields = {f.name: f.default for f in dataclasses.fields(args)}
    assert fields == {p.name: p.default for p in command.params if p.name != "help"}


ROOT = "<root>"  # replaced by a real folder
CONFIG = "<config>"  # replaced by a real config file


def real_args(args: list[str], tmp_path: Path) -> list[str]:
    """`args` with ROOT and CONFIG replaced by a real folder and a real config file."""
    root = tmp_path / "tree"
    root.mkdir(exist_ok=True)
    config = tmp_path / "hygiene.toml"
    config.write_text("large = '1MB'\n", encoding="utf-8")
    return [a.replace(ROOT, str(root)).replace(CONFIG, str(config)) for a in args]
