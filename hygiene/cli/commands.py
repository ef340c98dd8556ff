"""Every hygiene command, as data: the typer app registers them from here, and a scheduled
job's `run` is checked against the same names, without importing typer."""

from __future__ import annotations

# name -> (how it is added, module, attribute), in `--help` order. `simulate` is the simulator's
# own command: named here by its module, so hygiene never imports the simulator until asked.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "scan": ("command", "hygiene.cli.scan", "scan_command"),
    "fix": ("command", "hygiene.cli.fix", "fix_command"),
    "clean": ("command", "hygiene.cli.clean", "clean_command"),
    "browse": ("command", "hygiene.cli.browse", "browse_command"),
    "restore": ("command", "hygiene.cli.restore", "restore_command"),
    "quarantine": ("group", "hygiene.cli.quarantine", "app"),
    "log": ("command", "hygiene.cli.log", "log_command"),
    "hook": ("factory", "hygiene.cli.hook", "build_hook_app"),
    "db": ("group", "hygiene.cli.db", "db_app"),
    "schedule": ("factory", "hygiene.cli.schedule", "build"),
    "report": ("command", "hygiene.cli.report", "report_command"),
    "simulate": ("factory", "simulator.cli", "build_simulate_app"),
}
