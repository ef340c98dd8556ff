"""`hygiene browse` as a command: no terminal, no app; textual only when browse runs."""

from __future__ import annotations

import subprocess
import sys


def test_no_terminal_exits_2_with_one_line(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    res = cli("browse", tmp_path)  # pytest's captured stdout is not a terminal
    assert res.code == 2
    assert res.out == ""
    lines = res.err.strip().splitlines()
    assert len(lines) == 1
    assert "browse needs a terminal" in lines[0]
    assert "hygiene scan" in lines[0] and "hygiene clean" in lines[0]


def test_piped_binary_exits_2(tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = subprocess.run(
        [sys.executable, "-m", "hygiene", "browse", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1


def test_other_commands_never_import_textual(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # `--help` builds the whole typer app, reading browse's signature: still no textual.
    code = (
        "import contextlib, io, sys\n"
        "from hygiene.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "    main(['clean', sys.argv[1], '--dry-run', '--quiet'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('textual')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.strip() == "[]"
