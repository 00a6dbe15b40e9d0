"""The triple-win model: builds the agents, owns the random streams, steps the phases.

``TripleWinModel(**levers_and_uncertainties, rng=seed)`` takes every lever and uncertainty of
:mod:`sim.scenario.params` as a keyword argument (numbers or schedules), so Mesa's own
``batch_run`` and visualisation can drive it; :meth:`TripleWinModel.from_scenario` builds it from
a validated scenario file.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import mesa
import numpy as np

from . import metrics
from .agents import (
    ChineseFirm,
    DevelopedFirm,
    DevelopingFirm,
    HostEconomy,
    IndustrialAssociation,
    Lender,
)
from .batch import Batch, RunSpec, check_params
from .scenario.constants import CONSTANTS
from .scenario.params import SECTORS, START_YEAR


class MetricsCollector(mesa.DataCollector):
    """Mesa's data collector over the model's metrics (``model_vars``, ``get_model_vars_dataframe``
    and ``batch_run`` as usual), collecting a step's whole metric row in one pass.

    The metrics are floats computed once per step (``model.latest``, phase 10), so each is
    appended as it is: the generic ``collect`` would call one reporter and deep-copy its value
    per metric, about 4% of a default step. The reporters stay declared
    (:data:`sim.metrics.REPORTERS`) and give the same values.
    """

    def collect(self, model: TripleWinModel) -> None:
        row = model.latest
        self._collection_steps.append(model.time)
        for name, values in self.model_vars.items():
            values.append(row[name])


class TripleWinModel(mesa.Model):
    """Agent-based model of international industrial capacity cooperation (docs/ODD.md): one run,
    the batch of one of the engine :class:`sim.batch.Batch`.

    The agents' state lives in the batch's arrays (``model.cn``, ``model.hosts``, ...; any
    attribute the model does not define is the batch's); the Mesa agents are views on them,
    grouped in AgentSets, for Mesa's tools, the page and inspection.

    Args:
        rng: seed (int) or numpy SeedSequence/Generator; one seed decides the whole run.
        steps: quarters to run; ``running`` turns False after the last one.
        **params: any lever, uncertainty or population size, as a number or a schedule
            ``{step: value}`` for schedulable ones. Unknown names raise ``TypeError``.
    """

    def __init__(self, *, rng: Any = None, steps: int = 40, **params: Any) -> None:
        check_params(params)
        if rng is None:
            rng = 2015
        if isinstance(rng, np.random.Generator):
            rng = int(rng.integers(2**62))
        seed = int(rng) if not isinstance(rng, np.random.SeedSequence) else int(
            rng.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
        super().__init__(rng=seed)
        self.seed = seed
        self.n_steps = int(steps)
        #: The engine: this run as a batch of one.
        self.batch = Batch([RunSpec(seed=seed, steps=self.n_steps, params=dict(params))])
        b = self.batch
        #: The run's structural constants (numbers; declared in sim.scenario.constants).
        self.k = SimpleNamespace(**{k: getattr(b.k, k)[0].item() for k in CONSTANTS})
        # Mesa agents: thin views on the arrays, grouped in AgentSets
        for i in range(b.hosts.n):
            HostEconomy(self, i)
        for i in range(b.cn.n):
            ChineseFirm(self, i)
        for i in range(b.dv.n):
            DevelopedFirm(self, i)
        for i in range(b.dg.n):
            DevelopingFirm(self, i)
        for i in range(b.lenders.n):
            Lender(self, i)
        for s, name in enumerate(SECTORS):
            IndustrialAssociation(self, s, name)
        self.associations = self.agents_by_type[IndustrialAssociation]
        self.history: list[dict[str, float]] = b.history[0]
        self.datacollector = MetricsCollector(model_reporters=dict(metrics.REPORTERS))

    def __getattr__(self, name: str) -> Any:
        # the run's state: the batch's arrays (only for names the model does not have)
        if name.startswith("__") or name == "batch":
            raise AttributeError(name)
        return getattr(self.batch, name)

    # --- parameters ------------------------------------------------------------------------
    @classmethod
    def from_scenario(cls, scenario: Any, seed: int) -> TripleWinModel:
        """Build from a validated :class:`~sim.scenario.schema.Scenario` and a replication seed."""
        return cls(rng=seed, steps=scenario.run.steps, **scenario.model_params())

    @property
    def levers(self) -> dict[str, Any]:
        """The run's levers as given (numbers or schedules)."""
        return {k: v[0] for k, v in self.batch._levers.raw.items()}

    @property
    def world(self) -> dict[str, Any]:
        """The run's uncertainties, population sizes and constants as given."""
        return {k: v[0] for k, v in self.batch._world.raw.items()}

    @property
    def step_index(self) -> int:
        """The quarter being simulated (0 = 2015Q1)."""
        return self.batch.step_index

    def lever(self, name: str) -> float:
        """Value of a lever in the current quarter (schedules resolved)."""
        return float(self.batch.lever(name)[0])

    def uncertainty(self, name: str) -> float:
        """Value of an uncertainty in the current quarter (schedules resolved)."""
        return float(self.batch.uncertainty(name)[0])

    def set_lever(self, name: str, value: Any) -> None:
        """Change a lever (a number or a schedule) from the next lookup on, e.g. between steps
        in the classroom page."""
        self.batch.set_lever(0, name, value)

    def set_uncertainty(self, name: str, value: Any) -> None:
        """Change a schedulable uncertainty (a number or a schedule) from the next lookup on: a
        stance a government can take, such as investment screening in the class game."""
        self.batch.set_uncertainty(0, name, value)

    @property
    def quarter(self) -> str:
        """Calendar quarter of the step being simulated, e.g. ``2017Q3``."""
        i = self.batch.step_index
        return f"{START_YEAR + i // 4}Q{i % 4 + 1}"

    @property
    def latest(self) -> dict[str, float]:
        """The metrics of the latest quarter."""
        return self.batch.latest[0]

    # --- dynamics ----------------------------------------------------------------------------
    def step(self) -> None:
        """One quarter: the phases of :data:`sim.schedule.PHASES`, in order (the batch's step),
        then the metrics go to the Mesa data collector."""
        self.batch.step()
        self.datacollector.collect(self)
        if not self.batch.running:
            self.running = False

    def run(self) -> list[dict[str, float]]:
        """Run all steps; returns the metric rows, one per step."""
        while self.running:
            self.step()
        return self.history
