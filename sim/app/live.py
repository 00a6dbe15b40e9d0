"""A live run for the classroom page: the model beside a reference run in the same world.

:class:`LiveRun` steps two :class:`~sim.model.TripleWinModel` instances in lock step with the
same seed (common random numbers): the chosen scenario with the page's lever moves, and a
*reference* the user chooses (:class:`Reference`): any scenario of the library as its file sets
it (baseline, no-cooperation, ...), or "this scenario with one lever changed" (the reference then
follows every other lever move). :meth:`LiveRun.differences` says what differs between the two.
A single run's gains are levels; only the difference from the reference, in the same world and
seed, is shown as ahead or behind, and the paired verdict over replications
(:func:`paired_verdict`) is the only place that speaks of a gain with confidence.

A lever moved during a run becomes a schedule ``{0: start, step: value}`` of the live model, so a
run's lever history is a scenario file that ``triplewin run`` replays exactly
(:func:`lever_path`, used by the class game of :mod:`sim.app.game`).

Nothing here knows about HTTP (see :mod:`sim.app.server`); the page's sliders, charts, metric
help and colours are described by :func:`page_config`, generated from the parameter and metric
declarations.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any

from ..groups import GAIN_OF
from ..groups import GROUPS as VERDICT_GROUPS
from ..metrics import METRICS
from ..plotting.palette import colour_of, palette_json
from ..scenario.params import LEVERS, START_YEAR, UNCERTAINTIES, WORLD, Param
from ..scenario.schema import Scenario, value_at

#: Name of the default reference scenario (file stem) when the library has it.
DEFAULT_REFERENCE = "baseline"
#: The charts of the page: (id, title, metrics). Labels, units and colours come from the metric
#: declarations and the palette.
CHARTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("gains", "Welfare index of each group", ("gain_developed", "gain_developing", "gain_china")),
    ("tech", "Chinese technology level", ("cn_tech_level",)),
    ("shares", "Contract shares", ("cn_contract_share", "dv_cn_share")),
    ("barrier", "Entry barrier in developed hosts", ("dv_barrier",)),
    ("default", "Default rate in developing hosts", ("dg_default_rate",)),
)
GAINS = GAIN_OF  # each group's gain metric, by group key (sim.groups)
#: Smallest y span of a chart, by unit, so early quarters' wiggles do not fill it.
MIN_SPAN = {"share 0-1": 0.05, "index 0-1": 0.04, "USD bn": 10.0}
#: Words shown in capitals in slider labels.
ACRONYMS = frozenset({"ipr", "soe", "bit"})
#: A point difference smaller than this share of the larger gain counts as level.
LEVEL = 0.005
#: Most replications the page may ask for in one verdict.
MAX_VERDICT_REPLICATIONS = 30
#: Most worlds the page may ask for in one verdict across worlds (the command takes more).
MAX_VERDICT_WORLDS = 40


class LiveError(ValueError):
    """A request the page should not have made (unknown lever, value out of range, ...)."""


def slider(p: Param) -> dict[str, Any]:
    """What the page needs to draw a slider for the declared parameter ``p``."""
    high = float(p.high if p.high is not None else p.low + 1)
    return {"name": p.name, "label": lever_label(p.name), "unit": p.unit,
            "low": float(p.low), "high": high, "default": float(p.default),
            "step": (high - float(p.low)) / 100, "meaning": p.meaning, "source": p.source}


def page_config() -> dict[str, Any]:
    """Everything the page builds itself from: one slider per lever, the charts, the colours."""
    levers = [slider(p) for p in LEVERS.values()]
    charts = []
    metrics = {}
    for _cid, _title, names in CHARTS:
        for n in names:
            m = METRICS[n]
            metrics[n] = {"label": m.label, "unit": m.unit, "meaning": m.meaning}
    for cid, title, names in CHARTS:
        m0 = METRICS[names[0]]
        percent = all(METRICS[n].unit.startswith("share") for n in names)
        charts.append({
            "id": cid, "title": title, "unit": m0.unit, "percent": percent,
            "include_zero": percent or m0.group == "gain",
            "min_span": MIN_SPAN.get(m0.unit.split(",")[0], 0.0),
            "series": [{"metric": n, "label": _series_label(n), "colour": colour_of(n)}
                       for n in names],
        })
    return {"levers": levers, "charts": charts, "metrics": metrics, "palette": palette_json(),
            "groups": [{"key": g.key, "metric": g.gain, "title": g.title, "short": g.short}
                       for g in VERDICT_GROUPS],
            "start_year": START_YEAR, "max_replications": MAX_VERDICT_REPLICATIONS,
            "max_worlds": MAX_VERDICT_WORLDS}


def lever_label(name: str) -> str:
    """A slider's label from the lever's name: ``ipr_protection`` -> "IPR protection"."""
    words = [w.upper() if w in ACRONYMS else w for w in name.split("_")]
    return " ".join(words)[0].upper() + " ".join(words)[1:]


def _series_label(metric: str) -> str:
    short = {**{g.gain: g.short for g in VERDICT_GROUPS}, "cn_contract_share": "all contracts",
             "dv_cn_share": "in developed hosts"}
    return short.get(metric, METRICS[metric].label)


# --------------------------------------------------------------------------------------------
# the reference


@dataclass(frozen=True)
class Reference:
    """What the live run is compared with, in the same world and seed.

    ``scenario`` set: that scenario as its file sets it (``label`` names it). ``lever`` set: the
    live run's own settings with that one lever held at ``value`` (it follows every other
    lever move)."""

    label: str
    scenario: Scenario | None = None
    lever: str | None = None
    value: float | None = None

    def describe(self) -> str:
        if self.lever is not None:
            return f"this scenario with {self.lever} = {self.value:g}"
        return self.label


def with_values(base: Scenario, values: dict[str, Any]) -> Scenario:
    """A copy of ``base`` with levers or world values replaced, validated again."""
    if not values:
        return base
    data = base.model_dump()
    for k, v in values.items():
        section = "levers" if k in data["levers"] else "world" if k in data["world"] else None
        if section is None:
            raise LiveError(f"unknown lever or world value {k!r}")
        data[section][k] = v
    try:
        return Scenario.model_validate(data)
    except Exception as e:  # pydantic's message names the key and the allowed range
        raise LiveError(" ".join(str(e).split())) from None


def check_lever(name: Any, value: Any) -> float:
    """A lever value from the page, checked against its declaration."""
    p = LEVERS.get(name) if isinstance(name, str) else None
    if p is None:
        raise LiveError(f"unknown lever {str(name)[:40]!r}; levers are {', '.join(LEVERS)}")
    return check_value(p, name, value)


def check_value(p: Param, name: str, value: Any) -> float:
    """A value from the page for the declared parameter ``p``: a finite number in its range."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise LiveError(f"{name}: expected a number ({p.range_text.split(', or')[0]})")
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise LiveError(f"{name}: {str(value)[:40]!r} is not a number") from None
    if not math.isfinite(v) or v < p.low or (p.high is not None and v > p.high):
        shown = f"{v:g}" if math.isfinite(v) else str(value)[:40]
        raise LiveError(f"{name}: {shown} is out of range ({p.range_text.split(', or')[0]})")
    return v


# --------------------------------------------------------------------------------------------
# the live run


@dataclass
class LiveRun:
    """One scenario stepping beside its reference, with the same seed."""

    scenario: Scenario
    reference_spec: Reference
    seed: int
    overrides: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        for k, v in list(self.overrides.items()):
            self.overrides[k] = check_lever(k, v)
        self.reset()

    # --- control ---------------------------------------------------------------------------
    def reset(self) -> None:
        """Rebuild both models at step 0 with the current settings (moves held from the start)."""
        from ..model import TripleWinModel
        from ..streams import replication_seeds

        live = with_values(self.scenario, self.overrides)
        # replication 0 of `triplewin run --seed SEED`, for both
        self.rep_seed = replication_seeds(self.seed, 1)[0]
        self.model = TripleWinModel.from_scenario(live, self.rep_seed)
        self.reference = TripleWinModel(rng=self.rep_seed, steps=live.run.steps,
                                        **self.reference_scenario(live).model_params())

    def reference_scenario(self, live: Scenario) -> Scenario:
        """The reference as a scenario, for a live run with the settings of ``live``."""
        ref = self.reference_spec
        if ref.lever is not None:
            return with_values(live, {ref.lever: ref.value})
        assert ref.scenario is not None
        return ref.scenario

    def set_reference(self, ref: Reference) -> None:
        """Compare with ``ref`` from now on: the reference is rebuilt and brought to the live
        run's quarter (replaying the lever moves it follows)."""
        from ..model import TripleWinModel

        self.reference_spec = ref
        live = self.live_scenario()
        model = TripleWinModel(rng=self.rep_seed, steps=live.run.steps,
                               **self.reference_scenario(live).model_params())
        for _ in range(len(self.model.history)):
            model.step()
        self.reference = model

    def set_lever(self, name: str, value: Any) -> None:
        """Move a lever from the next quarter on, in the live model and (when the reference is
        "this scenario with one lever changed", for any other lever) in the reference. The move
        becomes part of the lever's schedule, so the run's history is a scenario file."""
        v = check_lever(name, value)
        self.overrides[name] = v
        step = len(self.model.history)
        self.model.set_lever(name, lever_path(self.model.levers[name], step, v,
                                              LEVERS[name].default))
        ref = self.reference_spec
        if ref.lever is not None and name != ref.lever:
            self.reference.set_lever(name, lever_path(self.reference.levers[name], step, v,
                                                      LEVERS[name].default))

    def set_uncertainty(self, name: str, value: float) -> None:
        """Move a schedulable uncertainty (a government's stance, e.g. investment screening)
        from the next quarter on, in the live model only: like a lever, it becomes part of the
        run's schedule. The value is checked by the caller."""
        step = len(self.model.history)
        self.model.set_uncertainty(name, lever_path(self.model.world[name], step, float(value),
                                                    UNCERTAINTIES[name].default))

    def step(self, n: int = 1) -> None:
        """Advance both models ``n`` quarters (not past the end of the run)."""
        for _ in range(max(0, int(n))):
            if not self.model.running:
                break
            self.model.step()
            self.reference.step()

    @property
    def steps(self) -> int:
        return self.scenario.run.steps

    def live_scenario(self) -> Scenario:
        """The live run as a scenario: the file with every lever's path as moved so far."""
        return with_values(self.scenario, dict(self.model.levers))

    # --- what the page shows ---------------------------------------------------------------
    def lever_now(self) -> dict[str, dict[str, Any]]:
        """Each lever's value this quarter, whether a schedule sets it, the reference's."""
        out = {}
        step = len(self.model.history)
        for name, p in LEVERS.items():
            raw = self.model.levers[name]
            out[name] = {"value": value_at(raw, step, p.default),
                         "scheduled": isinstance(raw, dict) and len(raw) > 1,
                         "reference": value_at(self.reference.levers[name], step, p.default)}
        return out

    def differences(self) -> list[dict[str, Any]]:
        """Levers and world values in which the reference differs from the live run (now)."""
        step = len(self.model.history)
        out = []
        for section, params in (("levers", LEVERS), ("world", WORLD)):
            mine = getattr(self.model, "levers" if section == "levers" else "world")
            theirs = getattr(self.reference, "levers" if section == "levers" else "world")
            for name, p in params.items():
                if name not in mine or name not in theirs:
                    continue
                if section == "world" and mine[name] == theirs[name]:
                    continue
                a = value_at(mine[name], step, p.default) if p.schedulable else mine[name]
                b = value_at(theirs[name], step, p.default) if p.schedulable else theirs[name]
                if section == "levers" and a == b and not (isinstance(mine[name], dict)
                                                           or isinstance(theirs[name], dict)):
                    continue
                if a == b and mine[name] == theirs[name]:
                    continue
                out.append({"name": name, "section": section, "live": float(a),
                            "reference": float(b)})
        return out

    def state(self) -> dict[str, Any]:
        """Both paths of the charted metrics, the point comparison, the lever values, what
        differs from the reference, and the world of host economies."""
        names = sorted({n for _, _, ns in CHARTS for n in ns})
        done = len(self.model.history)
        return {
            "step": done, "steps": self.steps, "done": not self.model.running,
            "quarter": _quarter(done - 1) if done else None,
            "seed": self.seed,
            "live": {n: [row[n] for row in self.model.history] for n in names},
            "reference": {n: [row[n] for row in self.reference.history] for n in names},
            "reference_label": self.reference_spec.describe(),
            "differences": self.differences(),
            "point": self.point_comparison(),
            "levers": self.lever_now(),
            "world": world_view(self.model),
        }

    def point_comparison(self) -> dict[str, Any]:
        """Who is ahead now: live minus reference welfare index, per group (one run, no CI)."""
        if not self.model.history:
            return {}
        out = {}
        for group, g in GAINS.items():
            a = self.reference.history[-1][g]
            b = self.model.history[-1][g]
            d = b - a
            level = abs(d) <= LEVEL * max(abs(a), abs(b), 1e-9)
            out[group] = {"live": b, "reference": a, "difference": d,
                          "ahead": "level" if level else "live" if d > 0 else "reference"}
        return out

    def settings(self) -> tuple[Scenario, Scenario]:
        """What a verdict needs: the reference (A) and the live run (B) as scenarios, each with
        its lever paths as moved so far."""
        live = self.live_scenario()
        if self.reference_spec.lever is not None:
            ref = with_values(self.scenario, dict(self.reference.levers))
        else:
            ref = self.reference_scenario(live)
        return ref, live


def lever_path(current: Any, step: int, value: float, default: float) -> Any:
    """A lever's schedule after it is set to ``value`` from ``step`` on: what it was before
    ``step`` (its value at step 0 listed, so the default never fills in), then ``value``."""
    if step <= 0:
        return float(value)
    if isinstance(current, dict):
        path = {k: float(v) for k, v in current.items() if k < step}
        path.setdefault(0, float(value_at(current, 0, default)))
    else:
        path = {0: float(current)}
    path[step] = float(value)
    return dict(sorted(path.items()))


def world_view(m: Any) -> dict[str, Any]:
    """The host economies now, for the page's map: kind, size (GDP), Chinese share of awarded
    value (trailing year), entry barrier, debt/GDP, Chinese capacity placed there, and whether a
    BIT is in force. Rounded: this is for drawing."""
    import numpy as np

    h = m.hosts
    cn = m.cn
    n = h.n
    placed = np.zeros(n)
    for where, cap in (("park_host", "cap_park"), ("dev_host", "cap_dev")):
        idx = getattr(cn, where, None)
        c = getattr(cn, cap, None)
        if idx is not None and c is not None:
            ok = idx >= 0
            placed += np.bincount(idx[ok], weights=c[ok], minlength=n)[:n]

    def r(a: Any, d: int = 3) -> list[float]:
        return [round(float(x), d) for x in np.asarray(a, dtype=float)]

    return {"developed": [bool(x) for x in h.developed], "gdp": r(h.gdp, 1),
            "cn_share": r(h.cn_share()), "barrier": r(h.barrier), "debt": r(h.debt),
            "bit": [bool(x) for x in h.bit], "placed": r(placed, 2),
            "awarded": r(h.all_awarded, 1),
            "home_capacity": round(float(np.sum(cn.cap_home)), 1)}


def paired_verdict(reference: Scenario, live: Scenario, seed: int,
                   replications: int) -> dict[str, Any]:
    """The paired comparison over ``replications`` runs: the live run's settings (B, its lever
    paths as moved) against the reference (A), common random numbers, 95% CIs (as
    ``triplewin compare`` does)."""
    from ..experiments.compare import compare
    from ..plotting.findings import outcome

    if not 2 <= int(replications) <= MAX_VERDICT_REPLICATIONS:
        raise LiveError(f"replications must be 2 to {MAX_VERDICT_REPLICATIONS}")
    a = reference.model_copy(update={"run": live.run})
    c = compare(a, live, replications=int(replications), seed=seed)
    groups = {}
    for group, g in GAINS.items():
        d = c.metrics[g]
        groups[group] = {"reference": d["a"], "live": d["b"], "delta": d["delta"],
                         "ci_low": d["ci_low"], "ci_high": d["ci_high"], "outcome": outcome(d)}
    return {"replications": int(replications), "groups": groups,
            "triple_win": bool(c.verdict["triple_win"])}


def robust_verdict(reference: Scenario, live: Scenario, seed: int, replications: int,
                   worlds: int) -> dict[str, Any]:
    """The verdict across ``worlds`` plausible worlds (as ``triplewin compare --worlds``): in
    each world, the live run's settings against the reference with the same seeds; the share of
    worlds in which each group gains and the triple win holds, with Wilson 95% intervals, and
    the scenario's own world beside them. Nothing is kept on disk."""
    from ..results.worlds import robust_compare

    if not 2 <= int(worlds) <= MAX_VERDICT_WORLDS:
        raise LiveError(f"worlds must be 2 to {MAX_VERDICT_WORLDS}")
    if not 2 <= int(replications) <= MAX_VERDICT_REPLICATIONS:
        raise LiveError(f"replications must be 2 to {MAX_VERDICT_REPLICATIONS}")
    a = reference.model_copy(update={"run": live.run})
    b = live.model_copy(update={"name": "your-run"})  # the headline names the two sides
    rob, own, _ = robust_compare(a, b, int(worlds), out=None, seed=seed,
                                 replications=int(replications), plots=False)

    def num(x: Any) -> float | None:
        return float(x) if x is not None and math.isfinite(float(x)) else None

    keys = [*GAINS, "triple_win"]
    return {"worlds": int(worlds), "replications": int(replications),
            "share": {k: num(rob.share.get(k)) for k in keys},
            "ci": {k: [num(v) for v in rob.ci.get(k, (None, None))] for k in keys},
            "own_world": {k: bool(own.verdict[k]) for k in keys},
            "headline": rob.headline(), "notes": list(rob.notes)}


def _quarter(step: int) -> str:
    return f"{START_YEAR + step // 4}Q{step % 4 + 1}"
