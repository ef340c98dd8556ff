"""Shell completion of option values (issue 18, item 7): typer completes command names by
itself; these complete what goes after `--kind`, `--ecosystem`, `--category`, `--sort`,
`--preset` and a run id. Each reads the same table the option is checked against."""

from __future__ import annotations

from hygiene.scan.arrange import SORTS


def _starting(values: list[str], incomplete: str) -> list[str]:
    return sorted(v for v in set(values) if v.startswith(incomplete))


def kinds(incomplete: str) -> list[str]:
    from hygiene.detectors import ALL_KINDS

    return _starting(["artifact", *ALL_KINDS], incomplete)


def ecosystems(incomplete: str) -> list[str]:
    from hygiene.rules import default_index

    return _starting([rule.ecosystem for rule in default_index().rules], incomplete)


def categories(incomplete: str) -> list[str]:
    from hygiene.rules import ARTIFACT_CATEGORIES

    return _starting(list(ARTIFACT_CATEGORIES), incomplete)


def sorts(incomplete: str) -> list[str]:
    return _starting(list(SORTS), incomplete)


def scenario_presets(incomplete: str) -> list[str]:
    from simulator.scenario import preset_names

    return _starting(preset_names(), incomplete)


def db_presets(incomplete: str) -> list[str]:
    from hygiene.db.presets import PRESETS

    return _starting(list(PRESETS), incomplete)


def run_ids(incomplete: str) -> list[str]:
    from hygiene.clean.quarantine import all_runs

    try:
        return _starting([run.run_id for run in all_runs()], incomplete)
    except OSError:
        return []
