"""`when` conditions: run on AC power, above a battery level, below a CPU load.

An unmet condition defers a job (it stays due and the next tick asks again); it never fails it.
psutil is imported only when a job has conditions; the machine reading is a value, so tests
pass a `Machine` in rather than patching psutil.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hygiene.schedule.settings import Condition


@dataclass(frozen=True)
class Machine:
    on_ac: bool  # True on a desktop without a battery
    battery_percent: float | None  # None: no battery
    cpu_percent: float  # 1-minute load average as a share of all cores, 0-100+


def read_machine() -> Machine:
    import os

    import psutil

    battery = psutil.sensors_battery()
    on_ac = True if battery is None or battery.power_plugged is None else battery.power_plugged
    # The load average, not a sampled cpu_percent: it needs no sleep and reflects the last
    # minute rather than one instant.
    load = psutil.getloadavg()[0]
    cores = os.cpu_count() or 1
    return Machine(
        on_ac=bool(on_ac),
        battery_percent=None if battery is None else float(battery.percent),
        cpu_percent=100.0 * load / cores,
    )


def unmet(conditions: Sequence[Condition], machine: Machine) -> str | None:
    """Why the job must wait, or None when every condition holds."""
    for condition in conditions:
        limit = condition.limit if condition.limit is not None else 0.0
        if condition.kind == "on-ac-power" and not machine.on_ac:
            return "on battery power (needs on-ac-power)"
        if (
            condition.kind == "battery-above"
            and machine.battery_percent is not None
            and not machine.on_ac
            and machine.battery_percent <= limit
        ):
            return f"battery at {machine.battery_percent:.0f}% (needs above {limit:g}%)"
        if condition.kind == "cpu-below" and machine.cpu_percent >= limit:
            return f"CPU load {machine.cpu_percent:.0f}% (needs below {limit:g}%)"
    return None
