"""pyabc's sampler on the sweep executors: the calibration's runs, batched and deterministic
everywhere.

pyabc's documented extension point is a :class:`pyabc.sampler.Sampler` subclass; ours,
``ExecutorSampler`` (made by :func:`make_sampler_class`, so pyabc is imported only when a
calibration runs), submits jobs to a ``concurrent.futures`` executor or a Dask client
(:class:`Executor`: ``serial``, ``process`` or ``dask``). Job j of generation t gets the seed
``SeedSequence([seed, t, j])`` for everything drawn in it (the proposal and the acceptance), and
results are kept in job order up to the n-th accepted one, so the same seed gives the same
ensemble on any executor and any number of workers, and it stops at the run budget.

The jobs go out in groups of consecutive job ids, and the model runs of a group share passes of
the batched engine (:func:`sim.batch.run_batch`, ``batch`` runs per pass). pyabc's
simulate-one function draws the proposal, runs the model and decides the acceptance in one call,
so :func:`_job` calls it twice per job, with the job's seed set before each call: the first
call stops at the model (a batching model, :class:`.fit.Simulator`, raises :class:`Proposed`
with its parameter set), the group's parameter sets then run together, and the second call
draws the same proposal again and gets the model's result from them (:func:`planned`). Every
job thus has exactly the proposal, model run and acceptance it would have alone. A generation
counts the jobs up to its n-th accepted one (``nr_evaluations_``): jobs after it that ran in
the same pass or on another worker are not counted, so the runs counted, and with them where
the budget stops a calibration, do not depend on the batch size, the executor or the workers.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

#: The executors a calibration runs on (checked by
#: :func:`sim.sweeps.executors.check_executor_options`; no ``--scheduler-file``).
EXECUTORS = ("process", "serial", "dask")


class Proposed(BaseException):
    """Raised by a batching model in the first pass of a job (:func:`_job`): the model and the
    parameter set it was asked to run. A ``BaseException``, so that nothing between pyabc's
    simulate-one function and the model can take it for a failure."""

    def __init__(self, model: Any, values: dict[str, float]):
        super().__init__("first pass of a batched calibration job")
        self.model, self.values = model, values


#: The stage of the job running in this thread: None outside a job, "propose" in its first
#: pass, else the results of its parameter sets by :func:`value_key` (second pass).
_STAGE = threading.local()


def value_key(values: dict[str, float]) -> tuple[tuple[str, str], ...]:
    """A parameter set as a key: names with the exact values."""
    return tuple(sorted((k, float(v).hex()) for k, v in values.items()))


def planned(model: Any, values: dict[str, float]) -> Any:
    """What a batching model returns for a parameter set: inside the first pass of a job it
    raises :class:`Proposed`; in the second, it is the set's result (a value, or the exception
    the run raised) from the group's batched runs; outside a job, or for a set the first pass
    did not see, None (the model runs it itself)."""
    stage = getattr(_STAGE, "stage", None)
    if stage is None:
        return None
    if stage == "propose":
        raise Proposed(model, values)
    return stage.get(value_key(values))


def _seeded(simulate_one: Callable[[], Any], seed: int) -> Any:
    import random

    random.seed(seed)
    np.random.seed(seed % 2**32)
    return simulate_one()


def _job(payload: bytes, seeds: list[int], batch: int | None) -> list[Any]:
    """Run one particle of pyabc's simulate-one function per seed, their model runs together
    in passes of ``batch`` runs of the batched engine (``None``: automatic), and return, per
    seed, the particle or the exception that stopped it (a worker function: module level, so
    it pickles)."""
    import cloudpickle

    simulate_one = _unpickled(payload, cloudpickle)
    out: list[Any] = [None] * len(seeds)
    proposed: dict[int, Proposed] = {}
    _STAGE.stage = "propose"
    try:
        for i, seed in enumerate(seeds):
            try:
                out[i] = _seeded(simulate_one, seed)  # a model that does not batch: done
            except Proposed as p:
                proposed[i] = p
            except Exception as e:  # noqa: BLE001 - handed back as this job's outcome
                out[i] = e
    finally:
        _STAGE.stage = None
    if not proposed:
        return out
    results: dict[Any, Any] = {}
    by_model: dict[int, tuple[Any, dict[Any, dict[str, float]]]] = {}
    for p in proposed.values():
        by_model.setdefault(id(p.model), (p.model, {}))[1][value_key(p.values)] = p.values
    for model, sets in by_model.values():
        results.update(zip(sets, model.run_many(list(sets.values()), batch=batch),
                           strict=True))
    _STAGE.stage = results
    try:
        for i in proposed:
            try:
                out[i] = _seeded(simulate_one, seeds[i])
            except Exception as e:  # noqa: BLE001 - handed back as this job's outcome
                out[i] = e
    finally:
        _STAGE.stage = None
    return out


_CACHE: dict[bytes, Any] = {}


def _unpickled(payload: bytes, cloudpickle: Any) -> Any:
    key = hashlib.sha1(payload).digest()
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = cloudpickle.loads(payload)
    return _CACHE[key]


class _Serial:
    """An executor-like object that runs a job when submitted (for ``--executor serial``)."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        from concurrent.futures import Future

        f: Future = Future()
        try:
            f.set_result(fn(*args))
        except Exception as e:  # noqa: BLE001 - handed to the caller through the future
            f.set_exception(e)
        return f


def make_sampler_class() -> type:
    """pyabc's ``Sampler`` subclass of the calibration (pyabc imported here)."""
    from pyabc.sampler import Sampler

    class ExecutorSampler(Sampler):
        """A pyabc sampler that submits groups of jobs to a ``concurrent.futures`` executor or
        a Dask client, their model runs ``batch`` per pass of the batched engine (``None``:
        chosen by free memory), stops at a budget, reports progress, and is deterministic (see
        the module docstring)."""

        def __init__(self, client: Any, slots: int, root_seed: int,
                     progress: Callable[[int], None] | None = None,
                     batch: int | None = None):
            from ...batch import BATCH_CAP, auto_batch

            super().__init__()
            self.client, self.slots, self.root = client, max(1, slots), root_seed
            self.progress = progress
            self.batch = batch
            #: Most jobs in one group: one pass of the batched engine.
            self.group_cap = int(batch) if batch else auto_batch(BATCH_CAP)
            self.budget_left: float = np.inf
            self.runs_done = 0

        def group_size(self, needed: int, done: int, accepted: int, left: float) -> int:
            """Jobs in the next group: about the jobs still expected to be needed (``needed``
            acceptances at the rate so far), shared over the slots, at most a pass of the
            engine and the jobs left in the budget. It changes the work done, never the
            results."""
            expected = -(-needed * (done + 1) // (accepted + 1))
            share = -(-expected // self.slots)
            return int(max(1, min(self.group_cap, share, left)))

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                    all_accepted=False, ana_vars=None):
            import cloudpickle

            payload = cloudpickle.dumps(simulate_one)
            limit = min(max_eval, self.budget_left)
            results: dict[int, Any] = {}
            errors: dict[int, BaseException] = {}
            running: dict[Any, list[int]] = {}
            next_id, accepted_ids = 0, []
            try:
                while True:
                    while (len(running) < self.slots and len(accepted_ids) < n
                           and next_id < limit):
                        size = self.group_size(n - len(accepted_ids), len(results),
                                               len(accepted_ids), limit - next_id)
                        ids = list(range(next_id, next_id + size))
                        seeds = [int(np.random.SeedSequence(
                            [self.root, t + 1, j]).generate_state(1)[0]) for j in ids]
                        running[self.client.submit(_job, payload, seeds, self.batch)] = ids
                        next_id += size
                    if not running:
                        break
                    done = _wait_any(list(running))
                    for fut in done:
                        ids = running.pop(fut)
                        for j, outcome in zip(ids, fut.result(), strict=True):
                            self.runs_done += 1
                            if isinstance(outcome, BaseException):
                                errors[j] = outcome
                                continue
                            results[j] = outcome
                            if outcome.accepted:
                                accepted_ids.append(j)
                        if self.progress:
                            self.progress(len(ids))
                    _raise_counted_error(errors, accepted_ids, running, n)
                    if len(accepted_ids) >= n:
                        last = sorted(accepted_ids)[n - 1]
                        for fut, ids in list(running.items()):
                            if ids[0] > last and fut.cancel():
                                running.pop(fut)
                        if all(ids[0] > last for ids in running.values()):
                            break
            finally:
                for fut in running:
                    fut.cancel()
            _raise_counted_error(errors, accepted_ids, {}, n)
            sample = self._create_empty_sample()
            accepted = sorted(accepted_ids)
            last = accepted[n - 1] if len(accepted) >= n else max(results, default=-1)
            for j in sorted(results):
                if j > last:
                    break
                sample.append(results[j])
            # the jobs one at a time would have run: up to the n-th accepted one, else all
            self.nr_evaluations_ = last + 1 if len(accepted) >= n else len(results)
            if sample.n_accepted < n:
                sample.ok = False
            return sample

    return ExecutorSampler


def _raise_counted_error(errors: dict[int, BaseException], accepted: list[int],
                         running: dict[Any, list[int]], n: int) -> None:
    """Raise the error of the first failed job that the jobs run one at a time would have
    reached (fewer than ``n`` acceptances before it), once every job before it has finished;
    a failed job after the n-th acceptance is never counted and its error is dropped."""
    if not errors:
        return
    first = min(errors)
    if any(ids[0] < first for ids in running.values()):
        return  # an earlier job may still bring the n-th acceptance
    if sum(j < first for j in accepted) < n:
        raise errors[first]


def _wait_any(futures: list[Any]) -> list[Any]:
    """Futures that have finished (waits for at least one), concurrent.futures or Dask."""
    if futures and type(futures[0]).__module__.startswith("distributed"):
        from distributed import wait as dwait

        return list(dwait(futures, return_when="FIRST_COMPLETED").done)
    from concurrent.futures import FIRST_COMPLETED, wait

    return list(wait(futures, return_when=FIRST_COMPLETED).done)


class Executor:
    """The executor of a calibration: a context manager giving (client, slots). The options
    are checked before (:func:`.fit.check_executor`)."""

    def __init__(self, kind: str, workers: int, scheduler: str | None):
        self.kind, self.workers, self.scheduler = kind, max(1, workers), scheduler
        self._close: list[Callable[[], None]] = []

    def __enter__(self) -> tuple[Any, int]:
        if self.kind == "serial" or (self.kind == "process" and self.workers == 1):
            return _Serial(), 1
        if self.kind == "process":

            from ...experiments import workers as workers_m

            try:
                pool = workers_m.pool(self.workers)
            except workers_m.UNAVAILABLE as e:
                workers_m.fall_back(e, "the calibration runs")
                return _Serial(), 1
            self._close.append(lambda: pool.shutdown(wait=False, cancel_futures=True))
            return pool, self.workers
        import logging as _logging

        from dask.distributed import Client, LocalCluster

        # jobs cancelled at the end of a generation may still run when the cluster closes
        _logging.getLogger("distributed.nanny").setLevel(_logging.ERROR)

        if self.scheduler:
            client = Client(self.scheduler, timeout="30s")
        else:
            cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None,
                                   silence_logs=_logging.WARNING)
            client = Client(cluster)
            self._close.append(cluster.close)
        self._close.insert(0, client.close)
        slots = sum(client.nthreads().values()) or self.workers
        return client, slots

    def __exit__(self, *exc: Any) -> None:
        for f in self._close:
            try:
                f()
            except Exception:  # noqa: BLE001 - closing down; nothing more to do
                pass
