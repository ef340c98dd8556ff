"""`hygiene report`: the control room. Last and next run per job, failures, bytes reclaimed per
week and disk usage now; `--json` for dashboards, `--prometheus FILE` for node-exporter."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hygiene.cli.options import ConfigOpt, JsonOpt, QuietOpt
from hygiene.cli.schedule import NowOpt, parse_now
from hygiene.errors import EXIT_OK, UsageError


def report_command(
    json_output: JsonOpt = False,
    prometheus: Annotated[
        Path | None,
        typer.Option(
            "--prometheus",
            help="Also write the node-exporter textfile format to FILE (e.g. "
            "/var/lib/node_exporter/textfile/hygiene.prom).",
            dir_okay=False,
        ),
    ] = None,
    weeks: Annotated[int, typer.Option("--weeks", min=1, help="Weeks in the chart.")] = 8,
    config_path: ConfigOpt = None,
    quiet: QuietOpt = False,
    now: NowOpt = None,
) -> int:
    """The control room: how the collection is going."""
    from hygiene.config.layers import load_config
    from hygiene.paths import hygiene_home
    from hygiene.render import schedule as render
    from hygiene.schedule.cron import local_zone
    from hygiene.schedule.report import build_report, write_prometheus

    config = load_config(Path.cwd(), config_path)
    moment = parse_now(now).astimezone(local_zone())
    disk_paths = [Path.home(), Path.cwd(), hygiene_home().parent]
    report = build_report(config.jobs, now=moment, disk_paths=disk_paths, weeks=weeks)
    if prometheus is not None:
        if not prometheus.parent.is_dir():
            # As `simulate --html` does: a mistyped folder is refused, not made (issue 18).
            raise UsageError(f"--prometheus {prometheus}: no folder {prometheus.parent}")
        try:
            write_prometheus(report, prometheus)
        except OSError as exc:
            raise UsageError(f"--prometheus {prometheus}: cannot write: {exc.strerror}") from None
        if not quiet:
            print(f"hygiene: wrote {prometheus}", file=sys.stderr)
    if json_output:
        from hygiene.render.json import dump

        dump(render.report_document(report), sys.stdout)
    elif prometheus is None or not quiet:
        render.print_report(report, local_zone())
    return EXIT_OK
