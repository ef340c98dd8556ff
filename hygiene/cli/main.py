"""The one entry point and the one error boundary.

`main(argv) -> int` never raises: user mistakes become one line on stderr and exit 2, internal
errors one line plus a log file under HYGIENE_HOME (exit 3), Ctrl-C exit 130. Typer's pretty
tracebacks stay off so that a database URL with a password never lands in a traceback panel.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Sequence

from hygiene.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, HygieneError


def _say(message: str) -> None:
    # Every message passes the one masking function: a URL with a password can reach a
    # message through a driver's or the config's own text, not only through hygiene's.
    from hygiene.db.url import mask

    print(f"hygiene: {mask(message)}", file=sys.stderr)


def _crash_log(exc: BaseException) -> str:
    import datetime
    import platform
    import traceback

    from hygiene import __version__
    from hygiene.db.url import mask
    from hygiene.paths import hygiene_home
    from hygiene.private import open_private, private_dir

    stamp = datetime.datetime.now().strftime("%Y%m%dT%H%M%S")
    # The command line may hold a database URL with its password: each argument
    # is masked, and so is the traceback, whose messages may quote one.
    argv = [mask(str(arg)) for arg in sys.argv]
    text = (
        f"hygiene {__version__}\npython {platform.python_version()} on {platform.platform()}\n"
        f"argv {argv!r}\n\n{mask(''.join(traceback.format_exception(exc)))}"
    )
    try:
        path = private_dir(hygiene_home() / "logs") / f"crash-{stamp}.log"
        fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError:
        return "no log written"
    return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if len(args) >= 2 and args[0] == "hook":
            # The pre-commit fast path: a hook id skips typer and its ~0.1 s import.
            from hygiene.hooks import HOOKS

            if args[1] in HOOKS:
                from hygiene.cli.hook_runner import run_hook

                return run_hook(args[1], args[2:])
        if args and args[0] == "scan":
            code = _scan_without_typer(args[1:])
            if code is not None:
                return code
        if args and args[0] == "browse":
            code = _browse_without_typer(args[1:])
            if code is not None:
                return code
        return _run(args)
    except HygieneError as exc:
        _say(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `hygiene scan | head`: the reader left; that is not an error.
        return _reader_left()
    except Exception as exc:
        _say(f"internal error: {type(exc).__name__}: {exc} (details in {_crash_log(exc)})")
        return EXIT_INTERNAL


def _scan_without_typer(args: list[str]) -> int | None:
    """`hygiene scan ARGS` when `hygiene.cli.fast` can read ARGS; None: typer's turn.

    What typer's `main` would do around the command is done here too: Ctrl-C and end of input
    say "interrupted" (exit 130). A reader that left the pipe ends it quietly with exit 0, as
    on typer's path (`_reader_left`).
    """
    from hygiene.cli.fast import parse_scan

    values = parse_scan(args)
    if values is None:
        return None
    try:
        from hygiene.cli.scan_run import run_scan

        return run_scan(values)
    except EOFError:
        print(file=sys.stderr)
        _say("interrupted")
        return EXIT_INTERRUPTED
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        return _reader_left()


def _browse_without_typer(args: list[str]) -> int | None:
    """`hygiene browse ARGS` when `hygiene.cli.fast` can read ARGS (the scan starts that much
    sooner); None: typer's turn."""
    from hygiene.cli.fast import parse_browse

    values = parse_browse(args)
    if values is None:
        return None
    from hygiene.cli.browse_run import run_browse

    return run_browse(values)


def _reader_left() -> int:
    """`hygiene scan | head -3`: the reader has what it wanted and closed the pipe. That is not
    a failure (exit 1 is what `--fail-over` says), so exit 0 quietly, the one policy of every
    path (issue 18, item 7). Output still buffered goes nowhere, not to a flush error at exit."""
    for stream in (sys.stdout,):
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            continue  # already closed, or not a real file (a test's capture)
    return EXIT_OK


def entry() -> None:
    """The `hygiene` command: `main`, then exit with its code.

    Everything made so far is frozen out of the collector first: at exit Python collects once
    more, which after a big scan is a pass over every finding (about 12 ms of a 0.5 s scan).
    Frozen objects are freed as usual; only cyclic garbage with finalizers is left to the
    process's end, and nothing of hygiene's needs its finalizer then (output is flushed by the
    interpreter, the worker pool and git processes are closed before `main` returns).
    """
    code = main()
    import gc

    gc.freeze()
    raise SystemExit(code)


def _run(args: list[str]) -> int:
    import typer
    import typer.main

    # typer >= 0.26 carries its own copy of click (pinned in pyproject.toml).
    from typer._click import exceptions as cx

    from hygiene.cli.app import build_app

    command = typer.main.get_command(build_app(args))
    try:
        result = command.main(args=args, prog_name="hygiene", standalone_mode=False)
    except SystemExit:
        from typer._click.utils import PacifyFlushWrapper

        # click turns a closed pipe into exit 1 after wrapping stdout; ours is exit 0.
        if isinstance(sys.stdout, PacifyFlushWrapper):
            return _reader_left()
        raise
    except cx.NoArgsIsHelpError as exc:
        # `hygiene db` with nothing after it: the group's help, on stdout, is the answer.
        print(exc.ctx.get_help() if exc.ctx else "")
        return 0
    except cx.UsageError as exc:
        # The top level is already named by the "hygiene:" prefix; name subcommands only.
        path = exc.ctx.command_path if exc.ctx is not None else "hygiene"
        where = f"{path.removeprefix('hygiene').strip()}: " if path != "hygiene" else ""
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        _say(f"{where}{exc.format_message()}{hint}")
        return EXIT_USAGE
    except typer.Abort:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except typer.Exit as exc:
        result = exc.exit_code
    except cx.ClickException as exc:
        _say(exc.format_message())
        return EXIT_USAGE
    code = int(result) if isinstance(result, int) else 0
    if code == EXIT_INTERRUPTED:
        # typer turns Ctrl-C into a silent exit code 130; say what happened, like the rest.
        _say("interrupted")
    return code
