"""Parameter sweeps, one module per concern.

* :mod:`~sim.sweeps.spec`: the sweep file, its schema and checks, and the :class:`SweepPlan`
  (design points x replications = runs, with common random numbers across points);
* :mod:`~sim.sweeps.design`: the designs (grid, random, and SALib's lhs, sobol and morris);
* :mod:`~sim.sweeps.executors`: chunks of runs on ``serial``, ``process`` or ``dask`` workers
  (also used by ``compare --worlds`` and scenario discovery);
* :mod:`~sim.sweeps.store`: the sweep folder on disk (Parquet parts, design, manifest) and
  reading results back;
* :mod:`~sim.sweeps.session`: :func:`~sim.sweeps.session.run_sweep`, resume, and how each
  session ended.

The modules import one way only: spec <- design, executors <- store <- session.
"""
