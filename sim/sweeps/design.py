"""Sweep designs: the design points of a :class:`~sim.sweeps.spec.SweepPlan`.

``grid`` runs every combination of each factor's values; ``random`` draws uniformly with numpy;
``lhs`` (Latin hypercube), ``sobol`` (Saltelli's scheme for Sobol' indices) and ``morris``
(elementary-effect trajectories) are drawn by SALib on the unit cube and mapped onto each factor
(:meth:`~sim.sweeps.spec.Factor.from_unit`). Every design is seeded by the sweep's ``seed``.
"""

from __future__ import annotations

import warnings

import numpy as np

from .spec import SweepPlan


def make_design(plan: SweepPlan) -> tuple[np.ndarray, np.ndarray]:
    """The design: ``(values, unit)``, both points x factors. ``values`` are the parameter values
    the runs use; ``unit`` is the unit-cube sample SALib drew (for grid: each value's position
    0-1 in its list). Seeded by the sweep's ``seed``: the same plan gives the same design."""
    spec, dim = plan.spec, len(plan.factors)
    n = spec.samples or 0
    problem = {"num_vars": dim, "names": [f.key for f in plan.factors],
               "bounds": [[0.0, 1.0]] * dim}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        match spec.design:
            case "grid":
                lists = [f.grid(plan.levels) for f in plan.factors]
                idx = np.stack(np.meshgrid(*[np.arange(len(v)) for v in lists], indexing="ij"),
                               axis=-1).reshape(-1, dim)
                values = np.column_stack([v[idx[:, j]] for j, v in enumerate(lists)])
                unit = np.column_stack([idx[:, j] / max(len(v) - 1, 1)
                                        for j, v in enumerate(lists)])
                return values, unit
            case "random":
                unit = np.random.default_rng(plan.seed).random((n, dim))
            case "lhs":
                from SALib.sample import latin

                unit = latin.sample(problem, n, seed=plan.seed)
            case "sobol":
                from SALib.sample import sobol

                unit = sobol.sample(problem, n, calc_second_order=spec.second_order,
                                    seed=plan.seed)
            case "morris":
                from SALib.sample import morris

                unit = morris.sample(problem, n, num_levels=plan.levels, seed=plan.seed)
            case _:  # pragma: no cover - the schema allows only the above
                raise ValueError(spec.design)
    unit = np.asarray(unit, dtype=float).reshape(-1, dim)
    values = np.column_stack([f.from_unit(unit[:, j]) for j, f in enumerate(plan.factors)])
    return values, unit

