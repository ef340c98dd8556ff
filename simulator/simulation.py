"""`simulate()`: compile a scenario, generate its workload once, run it with and without cleanup."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from simulator.engine import run
from simulator.generate import Generation, generate
from simulator.model import Model, Run, compile_model
from simulator.prices import Prices
from simulator.scenario import Scenario


@dataclass(frozen=True)
class Simulation:
    scenario: Scenario
    prices: Prices
    model: Model
    generation: Generation
    with_cleanup: Run
    without_cleanup: Run
    engine_seconds: float


def simulate(scenario: Scenario, prices: Prices) -> Simulation:
    import numpy as np

    started = time.perf_counter()
    model = compile_model(scenario, prices)
    fee = np.array([model.put_fee[t] for t in model.home_tier], dtype=np.float64)
    gen = generate(scenario, put_fee=fee)
    cleaned = run(model, gen, with_cleanup=True)
    baseline = run(model, gen, with_cleanup=False)
    return Simulation(
        scenario=scenario,
        prices=prices,
        model=model,
        generation=gen,
        with_cleanup=cleaned,
        without_cleanup=baseline,
        engine_seconds=time.perf_counter() - started,
    )


def run_without_job(sim: Simulation, j: int) -> Run:
    """The cleanup run on the same generation with job `j` left out: what that job is worth."""
    import numpy as np

    s = sim.scenario
    jobs = s.jobs[:j] + s.jobs[j + 1 :]
    model = replace(sim.model, scenario=replace(s, jobs=jobs))
    gen = replace(sim.generation, fires=np.delete(sim.generation.fires, j, axis=0))
    return run(model, gen, with_cleanup=True)
