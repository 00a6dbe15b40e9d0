"""Pattern-oriented calibration by approximate Bayesian computation, and the accepted ensemble.

``triplewin calibrate`` fits the parameters of :data:`~sim.analysis.patterns.FITTED` (uncertainties
and structural constants, named as in the parameter registry) to the *calibration* patterns of
:mod:`sim.analysis.patterns` on the ``historical`` scenario, and never to the held-out ones.

The inference is pyabc's ABC-SMC (Klinger, Rickert & Hasenauer 2018, *Bioinformatics* 34(20)):

1. generation 0 is rejection ABC: parameter sets drawn from the prior (uniform over each
   parameter's prior range), one run each, kept when the run's distance to the calibration
   targets is at most :data:`FIRST_EPSILON`;
2. each later generation perturbs the accepted sets (a multivariate normal kernel fitted to the
   last population), runs them, and keeps those within a threshold that falls to the median
   distance of the last population (quantile 0.5), with importance weights;
3. it stops when the next generation would not fit in ``--budget`` runs, or when the threshold
   reaches :data:`MIN_EPSILON`.

The distance of a run is the mean over calibration patterns of ``((value - target) /
tolerance)^2``: a run with every pattern inside its tolerance has a distance of at most 1.

Runs go through :mod:`.sampler`'s ``ExecutorSampler``, a pyabc sampler on the same executors as
sweeps (``serial``, ``process``, ``dask``). It gives job j of generation t the seed
``SeedSequence([seed, t, j])`` for everything drawn in that job (the proposal and the acceptance)
and keeps results in job order up to the n-th accepted one, so the same ``--seed`` gives the same
ensemble on any executor, any number of workers and any ``--batch`` (the model runs of a group of
jobs share passes of the batched engine), and a calibration resumed with a larger budget gives
the ensemble an uninterrupted one would have. A model run's own seed derives from
the root seed and its parameter values.

The accepted ensemble (the last complete generation) is ``ensemble.parquet``: one row per
parameter set, one float64 column per fitted parameter (its registry name) and ``weight``
(importance weights, summing to 1). :func:`.ensemble.read_ensemble` and
:func:`.ensemble.write_ensemble` are the one reader and writer; ``manifest.json`` beside it says
which parameter was fitted to which pattern, the priors, the generations and the library
versions. pyabc's own database (``abc.db``) lets
``--resume`` continue from the last complete generation.

One module per concern, each imported by name:

* :mod:`.fit`: the ABC run (pyabc): priors, the model as pyabc sees it, :func:`.fit.calibrate`
  and the manifest;
* :mod:`.ensemble`: the ensemble file (:func:`.ensemble.read_ensemble`,
  :func:`.ensemble.write_ensemble`) and draws from it (:func:`.ensemble.draw_worlds`);
* :mod:`.sampler`: pyabc's sampler on the sweep executors (``serial``, ``process``, ``dask``).

The prior and posterior figure is drawn by :mod:`sim.plotting.calibration`. This package
declares the two errors of the calibration, which its modules raise.
"""


class CalibrationError(Exception):
    """The calibration cannot run as asked (bad parameter, file, budget, ...)."""


class EnsembleError(CalibrationError):
    """An ensemble file is missing, unreadable or malformed."""
