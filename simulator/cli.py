"""`hygiene simulate`: a synthetic city's data over simulated days, with and without cleanup."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hygiene.cli import complete
from hygiene.cli.options import CONTEXT, JsonOpt, QuietOpt, sub_app
from hygiene.errors import EXIT_OK, UsageError

PresetOpt = Annotated[
    str | None,
    typer.Option(
        "--preset",
        "-p",
        help="A built-in scenario (see 'simulate presets').",
        autocompletion=complete.scenario_presets,
    ),
]
ScenarioOpt = Annotated[
    Path | None, typer.Option("--scenario", help="A scenario TOML file.", dir_okay=False)
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", min=0, help="Random seed (same seed, same numbers).")
]
DaysOpt = Annotated[int | None, typer.Option("--days", min=1, max=36500, help="Days to simulate.")]


def simulate_callback(
    ctx: typer.Context,
    preset: PresetOpt = None,
    scenario: ScenarioOpt = None,
    population: Annotated[
        float | None, typer.Option("--population", min=0, help="Override the user count.")
    ] = None,
    days: DaysOpt = None,
    seed: SeedOpt = None,
    prices: Annotated[
        Path | None,
        typer.Option(
            "--prices",
            help="A price table TOML replacing the built-in one of its kind.",
            dir_okay=False,
        ),
    ] = None,
    naive: Annotated[
        bool, typer.Option("--naive", help="Also show the seed's flat per-GB sums.")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Narrate each job in the city's language.")
    ] = False,
    json_output: JsonOpt = False,
    csv_output: Annotated[
        bool, typer.Option("--csv", help="Print the daily series as CSV.")
    ] = False,
    html_file: Annotated[
        Path | None,
        typer.Option("--html", help="Also write a self-contained HTML page here.", dir_okay=False),
    ] = None,
    quiet: QuietOpt = False,
) -> int:
    """Simulate a city's data with the cleanup timetable and without it, and bill both."""
    if ctx.invoked_subcommand is not None:
        return EXIT_OK
    from simulator.prices import builtin_prices, with_override
    from simulator.scenario import load_preset, load_scenario
    from simulator.simulation import simulate

    if json_output and csv_output:
        raise UsageError("--json and --csv: choose one format for stdout")
    if (preset is None) == (scenario is None):
        raise UsageError("give one of --preset NAME or --scenario FILE (see 'simulate presets')")
    chosen = load_preset(preset) if preset is not None else load_scenario(scenario)  # type: ignore[arg-type]
    chosen = chosen.overridden(population=population, days=days, seed=seed)
    table = builtin_prices()
    if prices is not None:
        table = with_override(table, prices)
    if html_file is not None and not html_file.parent.is_dir():
        raise UsageError(f"--html: folder {str(html_file.parent)!r} does not exist")
    result = simulate(chosen, table)
    if json_output:
        from hygiene.render.json import dump
        from simulator.report import document

        dump(document(result), sys.stdout)
    elif csv_output:
        import csv

        from simulator.report import csv_header, csv_rows

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(csv_header(result))
        writer.writerows(csv_rows(result))
    else:
        from simulator.render.human import print_report

        print_report(result, explain_jobs=explain, naive=naive)
    if html_file is not None:
        from simulator.render.html import page

        try:
            html_file.write_text(page(result), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--html: cannot write {str(html_file)!r} ({exc.strerror})") from None
        if not quiet:
            print(f"hygiene: wrote {html_file}", file=sys.stderr)
    return EXIT_OK


def presets_command(json_output: JsonOpt = False) -> int:
    """List the built-in scenarios."""
    from simulator.scenario import load_preset, preset_names

    rows = [(name, load_preset(name).title) for name in preset_names()]
    if json_output:
        from hygiene.render.json import SCHEMA, dump

        dump(
            {"schema": SCHEMA, "presets": [{"name": n, "title": t} for n, t in rows]},
            sys.stdout,
        )
    else:
        from simulator.render.human import print_presets

        print_presets(rows)
    return EXIT_OK


def materialize_command(
    users: Annotated[int, typer.Option("--users", min=1, help="Users in the small city.")] = 1000,
    days: Annotated[int, typer.Option("--days", min=1, max=3650, help="Days of history.")] = 60,
    db: Annotated[
        str | None,
        typer.Option("--db", help="SQLAlchemy URL (default: sqlite file city.db in --tree)."),
    ] = None,
    tree: Annotated[
        Path,
        typer.Option(
            "--tree", help="Folder for the workspace (and the default DB).", file_okay=False
        ),
    ] = Path("hygiene-city"),
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed.")] = 1,
    now: Annotated[
        str | None,
        typer.Option("--now", help="The virtual clock's 'now' (ISO 8601; default 2026-03-01)."),
    ] = None,
    run_cleanup: Annotated[
        bool,
        typer.Option("--run-cleanup", help="Then run the real hygiene db clean and hygiene clean."),
    ] = False,
    json_output: JsonOpt = False,
    quiet: QuietOpt = False,
) -> int:
    """Write a small real city (rows and files) and, optionally, clean it with the real tools."""
    import datetime as dt

    from hygiene.units import parse_now
    from simulator.materialize import MaterializeRequest, materialize, run_cleanup_tools

    # The virtual clock is naive UTC: a time without an offset is taken as it is.
    clock = dt.datetime(2026, 3, 1)
    if now:
        clock = parse_now(now, naive=dt.timezone.utc).astimezone(dt.timezone.utc)
        clock = clock.replace(tzinfo=None)
    request = MaterializeRequest(
        users=users, days=days, db_url=db, tree=tree.absolute(), seed=seed, now=clock
    )
    report = (
        None if quiet or json_output else (lambda msg: print(f"hygiene: {msg}", file=sys.stderr))
    )
    written = materialize(request, progress=report)
    comparison = run_cleanup_tools(request, written) if run_cleanup else None
    if json_output:
        from hygiene.render.json import dump
        from simulator.render.materialized import document

        dump(document(written, comparison), sys.stdout)
    else:
        from simulator.render.materialized import print_materialized

        print_materialized(written, comparison)
    return EXIT_OK


def build_simulate_app() -> typer.Typer:
    app = sub_app(
        "simulate",
        "City-scale synthetic workloads: what scheduled cleanup saves, honestly billed.",
        invoke_without_command=True,
        no_args_is_help=False,
    )
    app.callback(invoke_without_command=True, context_settings=CONTEXT)(simulate_callback)
    app.command("presets", context_settings=CONTEXT)(presets_command)
    app.command("materialize", context_settings=CONTEXT)(materialize_command)
    return app
