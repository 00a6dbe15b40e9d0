"""pyabc's sampler on the sweep executors: the calibration's runs, deterministic everywhere.

pyabc's documented extension point is a :class:`pyabc.sampler.Sampler` subclass; ours,
``ExecutorSampler`` (made by :func:`make_sampler_class`, so pyabc is imported only when a
calibration runs), submits jobs to a ``concurrent.futures`` executor or a Dask client
(:class:`Executor`: ``serial``, ``process`` or ``dask``). Job j of generation t gets the seed
``SeedSequence([seed, t, j])`` for everything drawn in it (the proposal and the acceptance), and
results are kept in job order up to the n-th accepted one, so the same seed gives the same
ensemble on any executor and any number of workers, and it stops at the run budget.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np

#: The executors a calibration runs on (checked by
#: :func:`sim.sweeps.executors.check_executor_options`; no ``--scheduler-file``).
EXECUTORS = ("process", "serial", "dask")


def _job(payload: bytes, seed: int, batch: int) -> list[Any]:
    """Run ``batch`` simulations of pyabc's simulate-one function with a fixed seed (a worker
    function: module level, so it pickles)."""
    import random

    import cloudpickle

    simulate_one = _unpickled(payload, cloudpickle)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    return [simulate_one() for _ in range(batch)]


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
        """A pyabc sampler that submits jobs to a ``concurrent.futures`` executor or a Dask
        client, stops at a budget, reports progress, and is deterministic (see the module
        docstring)."""

        def __init__(self, client: Any, slots: int, root_seed: int,
                     progress: Callable[[int], None] | None = None):
            super().__init__()
            self.client, self.slots, self.root = client, max(1, slots), root_seed
            self.progress = progress
            self.budget_left: float = np.inf
            self.runs_done = 0

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                    all_accepted=False, ana_vars=None):
            import cloudpickle

            payload = cloudpickle.dumps(simulate_one)
            limit = min(max_eval, self.budget_left)
            results: dict[int, Any] = {}
            running: dict[Any, int] = {}
            next_id, accepted_ids = 0, []
            try:
                while True:
                    while (len(running) < self.slots and len(accepted_ids) < n
                           and next_id < limit):
                        seed = int(np.random.SeedSequence(
                            [self.root, t + 1, next_id]).generate_state(1)[0])
                        running[self.client.submit(_job, payload, seed, 1)] = next_id
                        next_id += 1
                    if not running:
                        break
                    done = _wait_any(list(running))
                    for fut in done:
                        j = running.pop(fut)
                        particle = fut.result()[0]
                        results[j] = particle
                        self.runs_done += 1
                        if self.progress:
                            self.progress(1)
                        if particle.accepted:
                            accepted_ids.append(j)
                    if len(accepted_ids) >= n:
                        last = sorted(accepted_ids)[n - 1]
                        for fut, j in list(running.items()):
                            if j > last and fut.cancel():
                                running.pop(fut)
                        if all(j > last for j in running.values()):
                            break
            finally:
                for fut in running:
                    fut.cancel()
            sample = self._create_empty_sample()
            accepted = sorted(accepted_ids)
            last = accepted[n - 1] if len(accepted) >= n else max(results, default=-1)
            for j in sorted(results):
                if j > last:
                    break
                sample.append(results[j])
            self.nr_evaluations_ = len(results) + len(running)
            if sample.n_accepted < n:
                sample.ok = False
            return sample

    return ExecutorSampler


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
