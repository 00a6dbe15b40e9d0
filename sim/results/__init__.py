"""Results folders: what a run, a comparison or a worlds experiment leaves on disk.

This package sits above :mod:`sim.experiments` (which computes) and :mod:`sim.plotting` (which
draws from result tables): it is the one place that writes a results folder and asks plotting
for its figures. Neither of the two imports it, nor each other.

* :mod:`.provenance`: the manifest of a run, package versions, the git commit, and the one rule
  that names a new results folder (``results/PARTS.../<UTC time>``).
* :mod:`.folders`: ``timeseries.csv``, ``write_run``, ``write_comparison`` and the worlds
  experiment's folder (``write_worlds``), each written atomically (complete or absent).
* :mod:`.figures`: a run's or a comparison's figures, on worker processes when asked.
* :mod:`.worlds`: a worlds experiment in one call (plan, run, analyse, write).
"""
