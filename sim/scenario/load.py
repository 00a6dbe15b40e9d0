"""Load a scenario file: YAML, ``extends``, overrides, and errors that point at a line.

:func:`load_scenario` reads a scenario YAML file, follows its ``extends`` chain, applies
``--set KEY=VALUE`` overrides and the ``--seed/--steps/--replications`` flags, and validates the
result against :class:`~sim.scenario.schema.Scenario`. Every kind of bad input ends in a
:class:`ScenarioError` carrying one :class:`Problem` per thing that is wrong, each printed as::

    FILE:LINE: dotted.key: what is wrong (what is allowed)

A file is read with :func:`sim.yamlsafe.read_mapping` (file checks, safe composition, the node,
depth and alias limits, unsafe tags, duplicate keys, YAML 1.2 numbers, a line for every key); this
module adds what belongs to scenarios: the ``extends`` chain, overrides, and the schema's errors
turned into problems at the right file and line.

Values from a parent file (``extends``) keep their provenance, so a problem in an inherited value
names the parent file and its line. Only :mod:`yaml`'s safe loader is used: nothing in a scenario
file is ever executed.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..yamlsafe import (
    Blocked,
    NamedBy,
    Origin,
    Path_,
    Problem,
    describe,
    read_mapping,
    read_value,
)
from .library import library_parent
from .params import LEVERS, RUN, WORLD
from .schema import NAME_RULE, Levers, RunSettings, Scenario, World

__all__ = ["MAX_EXTENDS_DEPTH", "ScenarioError", "load_scenario",
           "problem_from_error", "resolved_dict", "scenario_sha256"]

#: Longest ``extends`` chain followed.
MAX_EXTENDS_DEPTH = 32

#: The model that owns the keys at each section (for "valid keys" and "did you mean").
_SECTIONS: dict[tuple[str, ...], type[BaseModel]] = {
    (): Scenario,
    ("run",): RunSettings,
    ("world",): World,
    ("levers",): Levers,
}
_SECTION_OF = {
    **{k: "levers" for k in LEVERS},
    **{k: "world" for k in WORLD},
    **{k: "run" for k in RUN},
}


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` lists everything found wrong."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --------------------------------------------------------------------------------------------
# public API


def load_scenario(
    path: str | os.PathLike[str],
    overrides: Sequence[str] = (),
    *,
    seed: Any = None,
    steps: Any = None,
    replications: Any = None,
    notes: list[str] | None = None,
) -> Scenario:
    """Load, merge, override and validate a scenario file.

    Args:
        path: the scenario YAML file.
        overrides: ``dotted.key=value`` strings (the CLI's ``--set``); values are read as YAML.
        seed, steps, replications: the CLI flags; when not None they override ``run.*``.
            A ``steps`` shorter than a schedule cuts the schedule at the run's end (the steps
            beyond it could not act anyway), with a line in ``notes``.
        notes: if given, receives one line per adjustment worth telling the user.

    Returns:
        The validated :class:`Scenario`; its :attr:`~Scenario.files` are the files read (the
        ``extends`` chain, child first). ``extends: NAME.yaml`` names a file next to the child,
        else the library's file of that name (:func:`sim.scenario.library.library_parent`).

    Raises:
        ScenarioError: with every problem found, for any kind of bad input.
    """
    problems: list[Problem] = []
    files: list[str] = []  # the extends chain, child first: the order problems are listed in
    try:
        data, origins = _load_chain(str(path), problems, files, chain=(), referrer=None)
    except Blocked:
        raise ScenarioError(_in_file_order(problems, files)) from None

    for text in overrides:
        _apply_override(text, data, origins, problems)
    for flag, key, value in (("--seed", "seed", seed), ("--steps", "steps", steps),
                             ("--replications", "replications", replications)):
        if value is not None:
            run = data.get("run")
            if not isinstance(run, dict):
                run = data["run"] = {}
                origins[("run",)] = (flag, None)
            run[key] = value
            origins[("run", key)] = (flag, None)
    if isinstance(steps, int) and not isinstance(steps, bool) and steps >= 1:
        _cut_schedules(data, steps, notes)

    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        root = str(path)
        for err in e.errors():
            problems.append(problem_from_error(err, origins, root))
    if problems:
        raise ScenarioError(_in_file_order(problems, files))
    scenario._files = tuple(os.path.realpath(f) for f in files)
    return scenario


def _cut_schedules(data: dict[str, Any], steps: int, notes: list[str] | None) -> None:
    """Drop schedule steps at or beyond ``steps`` (the run's end set by ``--steps``)."""
    from .schema import quarter_of, step_of

    cut = []
    for section in ("levers", "world"):
        values = data.get(section)
        if not isinstance(values, dict):
            continue
        for name, v in values.items():
            if not isinstance(v, dict):
                continue
            late = [k for k in v if (st := step_of(k)) is not None and st >= steps]
            if not late or len(late) == len(v):
                continue  # nothing to cut, or nothing would be left (the schema says why)
            values[name] = {k: x for k, x in v.items() if k not in late}
            cut.append(f"{section}.{name}")
    if cut and notes is not None:
        shown = ", ".join(cut[:3]) + (f" and {len(cut) - 3} more" if len(cut) > 3 else "")
        notes.append(f"--steps {steps} ends the run at {quarter_of(steps - 1)}, before scheduled "
                     f"changes of {shown}; those changes are dropped (they could not act)")


_SOURCES_AFTER_FILES = ("--set", "--seed", "--steps", "--replications")


def _in_file_order(problems: list[Problem], files: list[str]) -> list[Problem]:
    """Sort problems: files of the extends chain (child first), then ``--set``, then flags;
    within a file by line. Problems on the same line keep their order."""
    order = [*files, *_SOURCES_AFTER_FILES]

    def key(p: Problem) -> tuple[int, int]:
        return (order.index(p.file) if p.file in order else len(order), p.line or 0)

    return sorted(problems, key=key)


def resolved_dict(scenario: Scenario) -> dict[str, Any]:
    """The resolved scenario as JSON-ready data (schedule steps become string keys)."""
    return scenario.model_dump(mode="json")


def scenario_sha256(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(_no_negative_zero(resolved_dict(scenario)), sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _no_negative_zero(value: Any) -> Any:
    """``-0.0`` as ``0.0`` (the same value to the model, so the same hash)."""
    if isinstance(value, float) and value == 0.0:
        return 0.0
    if isinstance(value, dict):
        return {k: _no_negative_zero(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_negative_zero(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------
# files and the extends chain


def _load_chain(
    shown: str, problems: list[Problem], files: list[str], chain: tuple[str, ...],
    referrer: Origin | None,
) -> tuple[dict[str, Any], dict[Path_, Origin]]:
    """Load ``shown`` and its ancestors; return merged data and per-key origins."""
    files.append(shown)
    data, lines = _load_file(shown, problems, referrer)
    origins: dict[Path_, Origin] = {p: (shown, ln) for p, ln in lines.items()}
    real = os.path.realpath(shown)

    parent = data.get("extends")
    if parent is None:
        return data, origins
    ext_origin: Origin = (shown, lines.get(("extends",)))
    if not isinstance(parent, str) or not parent.strip() or "\x00" in parent:
        problems.append(Problem(shown, ext_origin[1], "extends",
                                f"expected a file name, got {describe(parent)} "
                                "(a path relative to this file, e.g. baseline.yaml)"))
        raise Blocked
    parent_shown = os.path.normpath(os.path.join(os.path.dirname(shown), parent))
    from_library = library_parent(shown, parent)  # no such file here: the library's
    if from_library is not None:
        parent_shown = str(from_library)
    parent_real = os.path.realpath(parent_shown)
    names = [*chain, real]
    if parent_real in names:
        cycle = " -> ".join(_short(p) for p in [*names[names.index(parent_real):], parent_real])
        problems.append(Problem(shown, ext_origin[1], "extends",
                                f"extends cycle: {cycle} (a file cannot extend itself, directly "
                                "or through others)"))
        raise Blocked
    if len(names) >= MAX_EXTENDS_DEPTH:
        problems.append(Problem(shown, ext_origin[1], "extends",
                                f"extends chain longer than {MAX_EXTENDS_DEPTH} files "
                                "(MAX_EXTENDS_DEPTH)"))
        raise Blocked

    base, base_origins = _load_chain(parent_shown, problems, files, tuple(names), ext_origin)
    _merge(base, base_origins, data, origins, ())
    return base, base_origins


def _short(real: str) -> str:
    try:
        return os.path.relpath(real)
    except ValueError:  # other drive on Windows
        return real


def _merge(base: dict, base_origins: dict[Path_, Origin], over: dict,
           over_origins: dict[Path_, Origin], at: Path_) -> None:
    """Deep-merge ``over`` into ``base`` in place, moving origins along.

    Top-level sections (``run``, ``world``, ``levers``) merge key by key; every value below them
    (a number or a whole schedule) replaces the parent's value.
    """
    for key, value in over.items():
        path = (*at, str(key))
        if len(at) == 0 and isinstance(value, dict) and isinstance(base.get(key), dict):
            base_origins[path] = over_origins.get(path, base_origins.get(path))  # type: ignore[assignment]
            _merge(base[key], base_origins, value, over_origins, path)
            continue
        base[key] = value
        for p in [p for p in base_origins if p[: len(path)] == path]:
            del base_origins[p]
        for p, o in over_origins.items():
            if p[: len(path)] == path:
                base_origins[p] = o



def _load_file(
    shown: str, problems: list[Problem], referrer: Origin | None
) -> tuple[dict[str, Any], dict[Path_, int]]:
    """One file -> (data, {dotted path: line}); raise Blocked if it is unusable."""
    named_by: NamedBy | None = None if referrer is None else (*referrer, "extends")
    if named_by is not None and Path(shown).suffix.lower() not in (".yaml", ".yml"):
        # never read (and so never quote) a file that is not a scenario file
        problems.append(Problem(*named_by, f"{shown}: not a scenario file (extends names a "
                                ".yaml or .yml file)"))
        raise Blocked
    data, lines = read_mapping(shown, problems, expects="a mapping with at least name:",
                               valid_keys=_valid_keys(()), named_by=named_by)
    for section in ("run", "world", "levers"):
        if section in data and data[section] is None:  # `levers:` with everything commented out
            data[section] = {}
    return data, lines


# --------------------------------------------------------------------------------------------
# overrides


def _qualify(parts: list[str]) -> list[str]:
    """Let ``--set joint_bidding=1`` mean ``levers.joint_bidding=1``: a bare parameter name is
    placed under the one section that declares it (levers, world or run)."""
    from .params import LEVERS, RUN, WORLD

    if parts[0] in _TOP_LEVEL:
        return parts
    for section, names in (("levers", LEVERS), ("world", WORLD), ("run", RUN)):
        if parts[0] in names:
            return [section, *parts]
    return parts


_TOP_LEVEL = ("name", "description", "extends", "run", "world", "levers")


def _apply_override(text: str, data: dict, origins: dict[Path_, Origin],
                    problems: list[Problem]) -> None:
    """Apply one ``dotted.key=value`` override to the merged data."""
    key, eq, raw = text.partition("=")
    key = key.strip()
    if not eq or not key:
        problems.append(Problem("--set", None, key or text,
                                f"malformed override {text!r} (expected KEY=VALUE, e.g. "
                                "levers.joint_bidding=0.8)"))
        return
    parts = key.split(".")
    if any(not p.strip() for p in parts):
        problems.append(Problem("--set", None, key, "empty part in the dotted key (expected "
                                "e.g. levers.joint_bidding=0.8)"))
        return
    parts = [p.strip() for p in parts]
    parts = _qualify(parts)
    key = ".".join(parts)
    if parts[0] == "extends":
        problems.append(Problem("--set", None, key, "extends cannot be overridden (edit the "
                                "file, or write a small file that extends it)"))
        return
    value = _parse_value(raw, key, problems)
    if value is _INVALID:
        return

    target = data
    for i, part in enumerate(parts[:-1]):
        k: Any = int(part) if part.isdigit() and i >= 2 else part
        nxt = target.get(k)
        if nxt is None:
            nxt = target[k] = {}
        if not isinstance(nxt, dict):
            problems.append(Problem("--set", None, ".".join(parts[: i + 1]),
                                    f"is {describe(nxt)}, not a mapping, so "
                                    f"{key} cannot be set (set the whole value instead)"))
            return
        origins.setdefault(tuple(parts[: i + 1]), ("--set", None))
        target = nxt
    last: Any = int(parts[-1]) if parts[-1].isdigit() and len(parts) >= 3 else parts[-1]
    target[last] = value
    path = tuple(parts)
    for p in [p for p in origins if p[: len(path)] == path]:
        del origins[p]
    origins[path] = ("--set", None)


_INVALID = object()


def _parse_value(raw: str, key: str, problems: list[Problem]) -> Any:
    """Read an override value as YAML through the same safe checks as a file."""
    local: list[Problem] = []
    try:
        return read_value(raw, "--set", local)
    except Blocked:
        for p in local:  # re-key under the overridden key, without a line (one-line value)
            problems.append(Problem("--set", None, key, p.message))
        return _INVALID


# --------------------------------------------------------------------------------------------
# pydantic errors -> problems


def problem_from_error(err: dict[str, Any], origins: dict[Path_, Origin], root: str) -> Problem:
    """One pydantic validation error as a :class:`Problem` at the file and line that gave the
    value (``origins``: dotted key path -> (file, line); ``root`` when nothing is known)."""
    ctx = err.get("ctx") or {}
    if isinstance(ctx.get("path"), str):
        path: Path_ = tuple(ctx["path"].split("."))
    else:
        path = tuple(str(x) for x in err.get("loc", ()))
    key = ".".join(path)
    kind = err.get("type", "")
    msg = str(err.get("msg", "invalid value"))

    if kind == "extra_forbidden":
        msg = _unknown_key_message(path)
    elif kind == "missing":
        msg = "required key is missing"
        if path == ("name",):
            msg += f" (a scenario name: {NAME_RULE})"
    elif kind == "string_pattern_mismatch" and path == ("name",):
        msg = f"{err.get('input')!r} is not a valid name ({NAME_RULE})"
    elif kind == "string_type":
        msg = f"expected text, got {describe(err.get('input'))}"
    elif kind == "model_type":
        msg = (f"expected a mapping of keys to values, got {describe(err.get('input'))} "
               f"(valid keys: {_valid_keys(path)})")
    elif kind == "invalid_key":
        msg = f"keys must be text, got {describe(err.get('input'))}"

    file, line = _locate(path, origins, root)
    line = _refine_line(err, path, origins, line)
    return Problem(file, line, key, msg)


def _locate(path: Path_, origins: dict[Path_, Origin], root: str) -> Origin:
    """The origin of ``path``, or of its nearest ancestor that has one."""
    for n in range(len(path), 0, -1):
        if path[:n] in origins:
            return origins[path[:n]]
    return (root, None)


def _refine_line(err: dict[str, Any], path: Path_, origins: dict[Path_, Origin],
                 line: int | None) -> int | None:
    """For a bad schedule, point at the step that is wrong rather than at the lever."""
    value = err.get("input")
    ctx = err.get("ctx") or {}
    step: Any = None
    if "step" in ctx:  # schedule_beyond_run names the step
        step = ctx["step"]
    elif "k" in ctx:  # bad_step names the key
        step = ctx["k"]
    elif "got" in ctx and isinstance(value, dict):  # a bad value: find the first that matches
        got = ctx["got"]
        for k, v in value.items():
            if (v == got and type(v) is type(got)) or type(v).__name__ == got or (
                v is None and got == "nothing"
            ):
                step = k
                break
    if step is None or not path:
        return line
    origin = origins.get((*path, str(step)))
    return origin[1] if origin is not None else line


def _valid_keys(section: Path_) -> str:
    model = _SECTIONS.get(section)
    return ", ".join(sorted(model.model_fields)) if model else "none"


def _unknown_key_message(path: Path_) -> str:
    section, name = path[:-1], path[-1]
    model = _SECTIONS.get(section)
    if model is None:
        return "unknown key (this value takes no keys)"
    valid = sorted(model.model_fields)
    hint = ""
    home = _SECTION_OF.get(name)
    if home is not None and (home,) != section:
        hint = f"; {name} belongs under {home}:"
    else:
        close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
        if close:
            hint = f"; did you mean {close[0]}?"
        elif not section:  # a misspelt parameter at the top level
            near = difflib.get_close_matches(name, list(_SECTION_OF), n=1, cutoff=0.6)
            if near:
                hint = f"; did you mean {_SECTION_OF[near[0]]}.{near[0]}?"
    return f"unknown key{hint} (valid: {', '.join(valid)})"


