"""The calibrated ensemble file: one writer, one reader, and draws from it.

An ensemble is a Parquet file (``ensemble.parquet``, written by ``triplewin calibrate``): one
row per parameter set, one float64 column per fitted parameter (its registry name: an
uncertainty or structural constant) and ``weight`` (importance weights, summing to 1), with
:data:`ENSEMBLE_MARK` in its schema metadata; ``manifest.json`` beside it describes the
calibration. :func:`write_ensemble` and :func:`read_ensemble` are the one writer and reader;
:func:`draw_worlds` draws parameter sets by weight (the worlds of ``compare --worlds`` and of the
validation), :func:`with_world` sets them in a scenario.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ...experiments.worlds.plan import world_parameters
from ...scenario.declaration import Param
from ...scenario.schema import Scenario
from . import EnsembleError

#: Marker in the Parquet schema metadata of an ensemble file.
ENSEMBLE_MARK = {b"triplewin": b"ensemble"}


def world_param(name: str) -> Param | None:
    """The declared uncertainty or structural constant of this name (None for any other
    name: a lever, a population size, a run setting or an unknown name)."""
    return world_parameters().get(name)


def write_ensemble(frame: Any, path: str | os.PathLike[str]) -> Path:
    """Write an ensemble (a pandas DataFrame: parameter columns and ``weight``) atomically.

    Weights are normalised to sum to 1; columns are float64, ``weight`` last."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    check_ensemble_frame(frame, str(path))
    cols = [c for c in frame.columns if c != "weight"]
    w = frame["weight"].to_numpy(dtype=float)
    arrays = [pa.array(frame[c].to_numpy(dtype=float), pa.float64()) for c in cols]
    arrays.append(pa.array(w / w.sum(), pa.float64()))
    table = pa.Table.from_arrays(arrays, names=[*cols, "weight"])
    table = table.replace_schema_metadata(ENSEMBLE_MARK)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, path)
    return path


def check_ensemble_frame(frame: Any, shown: str) -> None:
    """Raise :class:`EnsembleError` unless ``frame`` is a valid ensemble."""
    if "weight" not in frame.columns:
        raise EnsembleError(f"{shown}: no 'weight' column (an ensemble has one float column "
                            "per parameter, named as in the registry, and 'weight')")
    if len(frame) == 0:
        raise EnsembleError(f"{shown}: no rows (an ensemble has at least one parameter set)")
    for c in frame.columns:
        try:
            v = frame[c].to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise EnsembleError(f"{shown}: column {c!r}: not numbers") from None
        if not np.isfinite(v).all():
            raise EnsembleError(f"{shown}: column {c!r}: not finite everywhere")
        if c == "weight":
            if (v < 0).any() or v.sum() <= 0:
                raise EnsembleError(f"{shown}: column 'weight': weights must be >= 0 with a "
                                    "positive sum")
            continue
        p = world_param(c)
        if p is None:
            raise EnsembleError(f"{shown}: column {c!r}: not an uncertainty or structural "
                                "constant of the parameter registry (allowed: their names "
                                "under world:, and 'weight')")
        if (v < p.low).any() or (p.high is not None and (v > p.high).any()):
            raise EnsembleError(f"{shown}: column {c!r}: values outside {p.range_text}")


def read_ensemble(path: str | os.PathLike[str]) -> tuple[Any, dict[str, Any]]:
    """An ensemble file as (DataFrame with the parameter columns and ``weight``, manifest).

    The manifest is ``manifest.json`` beside the file when there is one, else ``{}``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise EnsembleError(f"{path}: no such file (an ensemble is a Parquet file written by "
                            "`triplewin calibrate`)")
    try:
        frame = pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowException) as e:
        raise EnsembleError(f"{path}: not a readable Parquet file ({' '.join(str(e).split())})"
                            ) from None
    check_ensemble_frame(frame, str(path))
    frame["weight"] = frame["weight"] / frame["weight"].sum()
    man_path = path.with_name("manifest.json")
    manifest = {}
    if man_path.is_file():
        try:
            manifest = json.loads(man_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
    return frame, manifest


def draw_worlds(frame: Any, n: int, seed: int) -> list[dict[str, float]]:
    """``n`` parameter sets from an ensemble by its weights (systematic resampling: every row
    of weight w appears about ``n w`` times; the same ``seed`` gives the same draw)."""
    w = frame["weight"].to_numpy(dtype=float)
    w = w / w.sum()
    u = (np.random.default_rng(np.random.SeedSequence([seed, 0xE45])).random() + np.arange(n)) / n
    idx = np.minimum(np.searchsorted(np.cumsum(w), u), len(w) - 1)
    cols = [c for c in frame.columns if c != "weight"]
    return [{c: float(frame[c].iloc[i]) for c in cols} for i in idx]


def with_world(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """A copy of ``scenario`` with some ``world:`` values set (validated again)."""
    if not values:
        return scenario
    data = scenario.model_dump()
    for k, v in values.items():
        if k not in data["world"]:
            raise EnsembleError(f"{k}: not a world parameter of the scenario")
        data["world"][k] = v
    return Scenario.model_validate(data)
