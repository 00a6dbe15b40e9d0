"""The sweep folder on disk: Parquet parts, the design, the manifest file, and reading them back.

* ``DIR/runs/part-NNNNN.parquet``: one row per run (``run_id``, ``point``, ``replication``,
  ``seed``, ``levers.<name>``, ``world.<name>``, every metric at the final step, ``error``);
* ``DIR/timeseries/part-NNNNN.parquet`` (``keep_timeseries: true``): one row per run and step;
* ``DIR/design.parquet``: the design points (parameter values and the unit-cube sample);
* ``DIR/manifest.json``: the sweep, its sha256, the base scenario, seeds, versions, sessions
  (written by :mod:`sim.sweeps.session`).

A file is written under a hidden temporary name, flushed to disk and renamed, so a killed sweep
never leaves a half file that counts. :func:`scan_runs` reads which runs are on disk (for resume);
:func:`read_runs` and :func:`export_csv` read the results.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ..scenario.params import LEVERS, WORLD
from .executors import ChunkResult
from .spec import SweepPlan, SweepRefused


def runs_schema(plan: SweepPlan) -> Any:
    """The Arrow schema of ``runs/`` chunks (the same for every chunk of a sweep)."""
    import pyarrow as pa

    from ..metrics import METRICS

    fields = [pa.field(n, pa.int64()) for n in ("run_id", "point", "replication", "seed")]
    for col, kind, _, _ in _param_columns(plan):
        fields.append(pa.field(col, {"int": pa.int64(), "float": pa.float64(),
                                     "text": pa.string()}[kind]))
    fields += [pa.field(n, pa.float64()) for n in METRICS]
    fields.append(pa.field("error", pa.string()))
    return pa.schema(fields, metadata={"triplewin": "sweep runs, one row per run",
                                       "varied": json.dumps([f.key for f in plan.factors])})


def _param_columns(plan: SweepPlan) -> list[tuple[str, str, bool, Any]]:
    """(column, kind, varied, source) for every lever and world parameter. ``source`` is the
    factor's design column when varied, else the fixed value; a schedule in the base (never
    varied) is stored as JSON text."""
    index = {f.key: j for j, f in enumerate(plan.factors)}
    base = plan.base_params()
    out = []
    for section, params in (("levers", LEVERS), ("world", WORLD)):
        for name, p in params.items():
            col = f"{section}.{name}"
            kind = "int" if p.integer else "float"
            if col in index:
                out.append((col, kind, True, index[col]))
            elif isinstance(base[name], dict):
                text = json.dumps({str(k): v for k, v in base[name].items()})
                out.append((col, "text", False, text))
            else:
                out.append((col, kind, False, base[name]))
    return out


def _runs_table(plan: SweepPlan, values: np.ndarray, res: ChunkResult, schema: Any) -> Any:
    import pyarrow as pa

    from ..metrics import METRICS

    ids = np.asarray(res.run_ids, dtype=np.int64)
    points, reps = ids // plan.replications, ids % plan.replications
    cols: dict[str, Any] = {"run_id": ids, "point": points, "replication": reps,
                            "seed": np.asarray(plan.seeds, dtype=np.int64)[reps]}
    for col, kind, varied, src in _param_columns(plan):
        if varied:
            v = values[points, src]
            cols[col] = np.round(v).astype(np.int64) if kind == "int" else v
        elif kind == "text":
            cols[col] = [src] * len(ids)
        else:
            cols[col] = np.full(len(ids), src, dtype=np.int64 if kind == "int" else float)
    for j, name in enumerate(METRICS):
        cols[name] = res.finals[:, j]
    cols["error"] = res.errors
    return pa.Table.from_pydict(cols, schema=schema)


def _series_table(plan: SweepPlan, res: ChunkResult) -> Any:
    import pyarrow as pa

    from ..metrics import METRICS

    ids, steps, rows = [], [], []
    for run_id, s in zip(res.run_ids, res.series or [], strict=True):
        if s is None:
            continue
        ids.append(np.full(len(s), run_id, dtype=np.int64))
        steps.append(np.arange(len(s), dtype=np.int64))
        rows.append(s)
    n_m = len(METRICS)
    run_id = np.concatenate(ids) if ids else np.zeros(0, np.int64)
    data = np.vstack(rows) if rows else np.zeros((0, n_m))
    cols: dict[str, Any] = {"run_id": run_id, "point": run_id // plan.replications,
                            "replication": run_id % plan.replications,
                            "step": np.concatenate(steps) if steps else np.zeros(0, np.int64)}
    for j, name in enumerate(METRICS):
        cols[name] = data[:, j]
    schema = pa.schema([pa.field(k, pa.int64()) for k in ("run_id", "point", "replication",
                                                           "step")]
                       + [pa.field(n, pa.float64()) for n in METRICS])
    return pa.Table.from_pydict(cols, schema=schema)


def _write_atomic(table: Any, path: Path) -> None:
    """Write a Parquet file under a hidden temporary name, flush it to disk, rename it."""
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        pq.write_table(table, tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:  # interrupted or failed: no hidden temporary file stays behind
        tmp.unlink(missing_ok=True)
        raise


def write_json(data: dict[str, Any], path: Path) -> None:
    """Write JSON under a hidden temporary name and rename it (a reader never sees half)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _chunk_name(chunk: int) -> str:
    return f"part-{chunk:05d}.parquet"


def _chunk_id(path: Path) -> int | None:
    stem = path.name[len("part-"):-len(".parquet")]
    return int(stem) if path.name.startswith("part-") and stem.isdigit() else None



def read_manifest(out: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a sweep folder; :class:`SweepRefused` if it is not one."""
    path = Path(out) / "manifest.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise SweepRefused(f"{out} is not a sweep folder (no manifest.json)") from None
    except (OSError, ValueError) as e:
        raise SweepRefused(f"{path} is unreadable: {e}") from None
    if not isinstance(data, dict) or data.get("kind") != "sweep":
        raise SweepRefused(f"{out} is not a sweep folder (manifest.json is not a sweep's)")
    return data


def read_design(out: str | os.PathLike[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(factor keys, values, unit)`` from ``DIR/design.parquet``."""
    import pyarrow.parquet as pq

    t = pq.read_table(Path(out) / "design.parquet")
    keys = [c for c in t.column_names if c != "point" and not c.startswith("unit:")]
    values = np.column_stack([t.column(k).to_numpy() for k in keys]) if keys else np.zeros((0, 0))
    unit = np.column_stack([t.column(f"unit:{k}").to_numpy() for k in keys]) if keys else values
    return keys, values.astype(float), unit.astype(float)


def _write_design(tmp: Path, plan: SweepPlan, values: np.ndarray, unit: np.ndarray) -> None:
    import pyarrow as pa

    cols: dict[str, Any] = {"point": np.arange(len(values), dtype=np.int64)}
    for j, f in enumerate(plan.factors):
        cols[f.key] = values[:, j]
    for j, f in enumerate(plan.factors):
        cols[f"unit:{f.key}"] = unit[:, j]
    _write_atomic(pa.table(cols), tmp / "design.parquet")



def write_chunk(out: Path, plan: SweepPlan, values: np.ndarray, res: ChunkResult,
                schema: Any) -> None:
    """Write one finished chunk: its time series first (if kept), then its runs, whose file is
    what makes the chunk count as done (:func:`scan_runs`)."""
    name = _chunk_name(res.chunk)
    if res.series is not None:
        _write_atomic(_series_table(plan, res), out / "timeseries" / name)
    _write_atomic(_runs_table(plan, values, res, schema), out / "runs" / name)


def make_folder(out: Path, plan: SweepPlan, values: np.ndarray, unit: np.ndarray,
                manifest: dict[str, Any]) -> None:
    """Create the sweep folder with its design and manifest, all at once: it is built under a
    temporary name and renamed, so ``out`` never exists half made."""
    from ..safeio import atomic_dir, commit_dir

    tmp = atomic_dir(out)
    try:
        (tmp / "runs").mkdir()
        if plan.spec.keep_timeseries:
            (tmp / "timeseries").mkdir()
        _write_design(tmp, plan, values, unit)
        write_json(manifest, tmp / "manifest.json")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        commit_dir(tmp, out)
    except FileExistsError:
        raise SweepRefused(f"{out} appeared while the sweep was starting; choose a new "
                           "--out") from None


def drop_failed(out: Path) -> int:
    """Take the failed runs off disk, so that the next session runs them again
    (``--resume --retry-failed``); returns how many. Each Parquet file that holds a failed run
    is rewritten without it (atomically, time series first, then runs), or removed when nothing
    else is in it: a kill at any moment leaves every run either on disk or to be run, never
    both."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    dropped = 0
    for f in sorted((out / "runs").glob("part-*.parquet")):
        if _chunk_id(f) is None:
            continue
        t = pq.read_table(f)
        ok = pc.equal(pc.fill_null(t.column("error"), ""), "")
        bad = len(t) - pc.sum(ok.cast("int64")).as_py() if len(t) else 0
        if not bad:
            continue
        series = out / "timeseries" / f.name
        if series.exists():
            ts = pq.read_table(series)
            keep = pc.is_in(ts.column("run_id"), value_set=t.filter(ok).column("run_id"))
            _write_atomic(ts.filter(keep), series)
        if bad == len(t):
            f.unlink()
        else:
            _write_atomic(t.filter(ok), f)
        dropped += bad
    return dropped


def scan_runs(out: Path, n_runs: int) -> tuple[np.ndarray, int, int, list[tuple[int, str]]]:
    """Read which runs are on disk: (done mask, failed count, next chunk number, first failures).
    Also removes temporary files left by a killed session and time-series chunks whose runs
    chunk never landed."""
    import pyarrow.parquet as pq

    runs_dir, ts_dir = out / "runs", out / "timeseries"
    for d in (runs_dir, ts_dir):
        if d.is_dir():
            for stale in d.glob(".part-*.tmp-*"):
                stale.unlink(missing_ok=True)
    done = np.zeros(n_runs, dtype=bool)
    failed, next_chunk, failures = 0, 0, []
    chunks = set()
    for f in sorted(runs_dir.glob("part-*.parquet")):
        cid = _chunk_id(f)
        if cid is None:
            continue
        try:
            t = pq.read_table(f, columns=["run_id", "error"])
        except Exception as e:  # noqa: BLE001 - name the file, let the user decide
            raise SweepRefused(f"{f} is unreadable ({type(e).__name__}: {e}); move it away and "
                               "resume again to redo its runs") from None
        ids = t.column("run_id").to_numpy()
        if ids.size and (ids.max() >= n_runs or done[ids].any()):
            raise SweepRefused(f"{f} holds run ids that are out of range or already on disk; "
                               "is this folder from another sweep?")
        done[ids] = True
        for rid, err in zip(ids.tolist(), t.column("error").to_pylist(), strict=True):
            if err:
                failed += 1
                if len(failures) < 5:
                    failures.append((rid, err))
        chunks.add(cid)
        next_chunk = max(next_chunk, cid + 1)
    if ts_dir.is_dir():
        for f in ts_dir.glob("part-*.parquet"):
            cid = _chunk_id(f)
            if cid is not None and cid not in chunks:
                f.unlink(missing_ok=True)  # its runs chunk never landed: those runs are redone
            elif cid is not None:
                next_chunk = max(next_chunk, cid + 1)
    return done, failed, next_chunk, sorted(failures)



def succeeded(runs: Any) -> np.ndarray:
    """Per row of a runs table, whether the run succeeded: its ``error`` is empty (``""``, or
    missing in a table without the column)."""
    if "error" not in runs:
        return np.ones(len(runs), bool)
    return runs["error"].fillna("").eq("").to_numpy()


def read_runs(out: str | os.PathLike[str], columns: list[str] | None = None) -> Any:
    """All runs of a sweep as a pandas DataFrame, one row per run, sorted by ``run_id``."""
    import pandas as pd

    df = pd.read_parquet(Path(out) / "runs", columns=columns)
    if "run_id" in df.columns:
        df = df.sort_values("run_id", kind="stable").reset_index(drop=True)
    return df


def export_csv(out: str | os.PathLike[str], window: int = 20_000) -> list[Path]:
    """Write ``DIR/runs.csv`` (and ``DIR/timeseries.csv`` when kept), sorted by run id (and
    step), reading a window of runs at a time so memory stays flat. Returns the files."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    out = Path(out)
    manifest = read_manifest(out)
    n_runs = int(manifest["runs"])
    written = []
    for sub, per_run in (("runs", 1), ("timeseries", int(manifest.get("steps") or 1))):
        folder = out / sub
        if not folder.is_dir():
            continue
        dataset = ds.dataset(folder, format="parquet")
        target = out / f"{sub}.csv"
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        step = max(1, window // per_run)
        header = True
        with open(tmp, "w", newline="") as fh:
            for a in range(0, n_runs, step):
                t = dataset.to_table(filter=(pc.field("run_id") >= a) & (pc.field("run_id") <
                                                                          a + step))
                keys = [("run_id", "ascending")] + ([("step", "ascending")] if sub ==
                                                    "timeseries" else [])
                df = t.sort_by(keys).to_pandas()
                if header or len(df):
                    df.to_csv(fh, index=False, header=header)
                    header = False
        os.replace(tmp, target)
        written.append(target)
    return written

