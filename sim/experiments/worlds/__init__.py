"""Verdicts across worlds: is a triple win robust, and where does it break?

A comparison at the scenario's own setting of the uncertainties is one point in a space nobody
knows. In the terms of exploratory modelling (XLRM: levers, uncertainties, relations, measures),
``triplewin compare A.yaml B.yaml --worlds N`` asks the question in N *worlds*:

* a **world** is one draw of every declared uncertainty and structural constant (every parameter
  of :data:`sim.scenario.params.ALL` that is neither a lever, a population size nor a run
  setting), by Latin hypercube sampling (SALib) over its plausible range
  (:attr:`~sim.scenario.declaration.Param.world_range`), or one parameter set drawn, by weight, from a
  calibrated ensemble (a Parquet file: one column per parameter, named as in the registry, plus
  ``weight``);
* in each world, reference A and policy B run with the same replication seeds (common random
  numbers); the paired differences of the three gains, with 95% confidence intervals, give that
  world's four verdicts exactly as :func:`sim.experiments.compare.verdict` does;
* the **robust verdict** is, for each group and for the triple win, the share of worlds where it
  holds (the mean of the per-world verdicts) with a Wilson 95% interval, each group's worst world,
  and **failure boxes**: PRIM (EMA Workbench) over the varied parameters for the worlds without a
  win, with coverage, density and quasi-p significance, restrictions that are not significant
  (quasi-p > 0.05) dropped.

A parameter that A and B set differently is part of what is compared, and a parameter set by a
schedule in the scenario has a time path of its own: both are held at the scenarios' values, not
varied, and listed as held. Worlds and replication seeds follow from the root seed alone, so the
same command gives the same worlds and the same numbers on any executor.

One module per concern, each imported by name (this package re-exports nothing):

* :mod:`.plan`: the request checked and the worlds drawn (:func:`~.plan.plan_worlds`,
  :class:`~.plan.WorldsPlan`, Latin hypercube or ensemble draws);
* :mod:`.run`: the runs, as chunk tasks of the sweep executors
  (:func:`sim.sweeps.executors.execute`: ``serial``, ``process`` or ``dask``), one chunk per world
  and scenario, each written to Parquet as it finishes; an interrupted experiment resumes from
  the chunks on disk (:func:`~.run.run_worlds`, :func:`~.run.read_world_runs`);
* :mod:`.verdict`: the per-world verdicts, the shares with Wilson intervals, worst worlds and
  PRIM failure boxes (:func:`~.verdict.robustness`, :class:`~.verdict.Robustness`);
* :mod:`.experiment`: the analysis of the finished runs (:func:`~.experiment.analyse`), with
  the scenarios' own world as a full comparison.

The one call that plans, runs, analyses and writes the results folder is
:func:`sim.results.worlds.robust_compare`; the two figures are drawn by :mod:`sim.plotting.worlds`
from the written results.
"""
