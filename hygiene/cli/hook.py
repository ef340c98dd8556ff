"""`hygiene hook ...`: add the pre-commit hooks to a project, or run one by hand.

Running a hook normally never reaches typer: `hygiene.cli.main` sends `hygiene hook <hook-id>`
to the argparse fast path in `hook_runner.py`. The hook commands are listed here too so that
`hygiene hook --help` shows them; they forward to the same runner.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from hygiene.cli.options import CONTEXT, sub_app
from hygiene.errors import EXIT_OK, UsageError
from hygiene.hooks import HOOKS

# The hook commands take their own options (argparse), `--help` included.
PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


def install_command(
    hook: Annotated[
        list[str] | None,
        typer.Option("--hook", help="Add only this hook (repeat); default: all of them."),
    ] = None,
    repo: Annotated[
        str | None,
        typer.Option(
            "--repo",
            help="Take the hooks from this repository URL (needs --rev); default: the "
            "repository this hygiene was installed from, at that commit, when its install "
            "records one.",
        ),
    ] = None,
    rev: Annotated[
        str | None, typer.Option("--rev", help="The tag or commit of --repo to pin.")
    ] = None,
    local: Annotated[
        bool,
        typer.Option(
            "--local",
            help="Run the hygiene on PATH (`language: system`) instead of one pre-commit "
            "installs into its own environment.",
        ),
    ] = False,
    install: Annotated[
        str | None,
        typer.Option(
            "--install",
            metavar="SPEC",
            help="Write the `repo: local`, `language: python` entry, pre-commit installing "
            "SPEC (a wheel, a git URL; hygiene-cli==VERSION where hygiene's repository is "
            "unknown).",
            show_default=False,
        ),
    ] = None,
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            dir_okay=False,
            help="The pre-commit config (default: .pre-commit-config.yaml at the repo root).",
        ),
    ] = None,
) -> int:
    """Add the hygiene hooks to .pre-commit-config.yaml (created if missing); keep the rest."""
    from hygiene.git.staged import repo_root
    from hygiene.hooks.install import CONFIG_NAME, choose_form, plan_install, write
    from hygiene.paths import display

    path = config_file or Path(repo_root(os.getcwd()), CONFIG_NAME)
    if local and (repo is not None or install is not None):
        raise UsageError("--local runs the installed hygiene; it takes no --repo or --install")
    if rev is not None and repo is None:
        raise UsageError("--rev needs --repo (the repository it is a tag or commit of)")
    form = choose_form(repo=repo, rev=rev, local=local, install=install)
    plan = plan_install(
        path=path,
        hook_ids=hook or list(HOOKS),
        repo=form.repo,
        rev=form.rev,
        local=local,
        install=install,
    )
    write(plan)
    shown = display(path)
    if plan.present:
        print(f"hygiene: already in {shown}: {', '.join(plan.present)}", file=sys.stderr)
    if plan.added:
        verb = "created" if plan.created else "updated"
        print(f"hygiene: {verb} {shown}: added {', '.join(plan.added)}", file=sys.stderr)
        for line in form.said:
            print(f"hygiene: {line}", file=sys.stderr)
        print("hygiene: run `pre-commit install` once to run them on every commit", file=sys.stderr)
    return EXIT_OK


def _forward(hook_id: str) -> Callable[[typer.Context], int]:
    def command(ctx: typer.Context) -> int:
        from hygiene.cli.hook_runner import run_hook

        return run_hook(hook_id, list(ctx.args))

    return command


def build_hook_app() -> typer.Typer:
    app = sub_app(
        "hook", "Pre-commit hooks: add them to .pre-commit-config.yaml, or run one by hand."
    )
    app.command("install", context_settings=CONTEXT)(install_command)
    for hook_id, summary in HOOKS.items():
        app.command(hook_id, help=summary, add_help_option=False, context_settings=PASSTHROUGH)(
            _forward(hook_id)
        )
    return app
