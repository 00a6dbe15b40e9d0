"""Load a scenario file: YAML, ``extends``, overrides, and errors that point at a line.

:func:`load_scenario` reads a scenario YAML file, follows its ``extends`` chain, applies
``--set KEY=VALUE`` overrides and the ``--seed/--steps/--replications`` flags, and validates the
result against :class:`~sim.scenario.schema.Scenario`. Every kind of bad input ends in a
:class:`ScenarioError` carrying one :class:`Problem` per thing that is wrong, each printed as::

    FILE:LINE: dotted.key: what is wrong (what is allowed)

How a file is read, in order:

1. bytes: must be a regular, readable file of at most :data:`MAX_FILE_BYTES`, UTF-8 text without
   NUL bytes, and not empty;
2. compose the YAML node tree with :class:`yaml.SafeLoader` (nothing is constructed yet);
3. refuse documents that would expand beyond :data:`MAX_YAML_NODES` nodes (alias bombs) or that
   contain themselves, computed with memoisation over node identity so nothing is expanded;
4. walk the tree once: map every dotted key to its line, and flag duplicate keys and any tag that
   the safe loader would not build (``!!python/...`` and friends);
5. construct plain Python data with the safe constructor.

Values from a parent file (``extends``) keep their provenance, so a problem in an inherited value
names the parent file and its line. Only :mod:`yaml`'s safe loader is used: nothing in a scenario
file is ever executed.
"""

from __future__ import annotations

import difflib
import errno
import hashlib
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .library import library_parent
from .params import LEVERS, POPULATION, RUN, UNCERTAINTIES, WORLD
from .schema import Levers, RunSettings, Scenario, World

#: Largest scenario file read, in bytes (named in the error message).
MAX_FILE_BYTES = 1_000_000
#: Largest YAML document, counted in nodes after expanding aliases (refuses alias bombs).
MAX_YAML_NODES = 100_000
#: Deepest nesting of YAML mappings and lists (a scenario needs 3).
MAX_YAML_DEPTH = 64
#: Longest ``extends`` chain followed.
MAX_EXTENDS_DEPTH = 32

NAME_RULE = "lowercase letters, digits and '-', e.g. joint-bidding"

_TAG_PREFIX = "tag:yaml.org,2002:"
_MERGE_TAG = _TAG_PREFIX + "merge"
_SAFE_TAGS = frozenset(t for t in yaml.SafeLoader.yaml_constructors if t is not None) | {_MERGE_TAG}

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

Path_ = tuple[str, ...]
Origin = tuple[str, int | None]  # (file as shown to the user, 1-based line or None)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, located by file, line and dotted key."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        key, message = _cut(self.key, MAX_KEY_CHARS), _cut(self.message, MAX_MESSAGE_CHARS)
        text = f"{where}: {key}: {message}" if key else f"{where}: {message}"
        return _one_line(text)


#: Longest dotted key and message printed in a problem line (a longer one is cut with "…").
MAX_KEY_CHARS = 120
MAX_MESSAGE_CHARS = 4000  # room for the list of valid keys


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(text: str) -> str:
    """Escape line breaks and other control characters so a problem prints as one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` lists everything found wrong."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class _Blocked(Exception):
    """Internal: a file cannot be used at all (its problems are already collected)."""


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
    except _Blocked:
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
            problems.append(_problem_from_error(err, origins, root))
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
                                f"expected a file name, got {_describe(parent)} "
                                "(a path relative to this file, e.g. baseline.yaml)"))
        raise _Blocked
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
        raise _Blocked
    if len(names) >= MAX_EXTENDS_DEPTH:
        problems.append(Problem(shown, ext_origin[1], "extends",
                                f"extends chain longer than {MAX_EXTENDS_DEPTH} files "
                                "(MAX_EXTENDS_DEPTH)"))
        raise _Blocked

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


def _read_text(shown: str, problems: list[Problem], referrer: Origin | None) -> str:
    """Bytes -> text with every file-level check; raise _Blocked after recording a problem."""

    def fail_open(message: str) -> NoReturn:
        # before a parent is opened, blame the `extends:` line that names it
        if referrer is not None:
            problems.append(Problem(referrer[0], referrer[1], "extends", f"{shown}: {message}"))
        else:
            problems.append(Problem(shown, None, "", message))
        raise _Blocked

    p = Path(shown)
    try:
        if referrer is not None and p.suffix.lower() not in (".yaml", ".yml"):
            # never read (and so never quote) a file that is not a scenario file
            fail_open("not a scenario file (extends names a .yaml or .yml file)")
        if not p.exists():
            if p.is_symlink():
                try:
                    p.resolve(strict=True)
                except RuntimeError:
                    fail_open("symbolic link loop")
                except OSError as e:
                    if e.errno == errno.ELOOP:
                        fail_open("symbolic link loop")
                fail_open("broken symbolic link (its target does not exist)")
            fail_open("file not found")
        if p.is_dir():
            fail_open("is a directory, expected a scenario YAML file")
        if not p.is_file():
            fail_open("not a regular file, expected a scenario YAML file")
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            fail_open(f"file is {size:,} bytes, larger than the limit of {MAX_FILE_BYTES:,} "
                      "bytes (MAX_FILE_BYTES)")
        with p.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except _Blocked:
        raise
    except PermissionError:
        fail_open("cannot read the file: permission denied")
    except OSError as e:
        fail_open(f"cannot read the file: {e.strerror or e}")
    except ValueError as e:  # e.g. an embedded NUL in the name
        fail_open(f"not a usable file name: {e}")

    if len(raw) > MAX_FILE_BYTES:
        problems.append(Problem(shown, None, "", f"file is larger than the limit of "
                                f"{MAX_FILE_BYTES:,} bytes (MAX_FILE_BYTES)"))
        raise _Blocked
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        problems.append(Problem(shown, line, "", "binary file: contains NUL bytes "
                                "(expected YAML text)"))
        raise _Blocked
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        problems.append(Problem(shown, line, "", f"not UTF-8 text: invalid byte "
                                f"0x{raw[e.start]:02x} (expected YAML text in UTF-8)"))
        raise _Blocked
    if not text.strip():
        problems.append(Problem(shown, None, "", "empty file (expected a mapping with at least "
                                "name:)"))
        raise _Blocked
    return text


def _load_file(
    shown: str, problems: list[Problem], referrer: Origin | None
) -> tuple[dict[str, Any], dict[Path_, int]]:
    """One file -> (data, {dotted path: line}); raise _Blocked if it is unusable."""
    text = _read_text(shown, problems, referrer)
    root = _compose(text, shown, problems)
    if root is None:
        problems.append(Problem(shown, None, "", "empty file: only comments "
                                "(expected a mapping with at least name:)"))
        raise _Blocked
    if not isinstance(root, MappingNode):
        problems.append(Problem(shown, root.start_mark.line + 1, "",
                                f"top level must be a mapping of keys to values, got "
                                f"{_node_kind(root)} (valid keys: {_valid_keys(())})"))
        raise _Blocked
    _check_size(root, shown, problems)
    lines, blocking = _walk(root, shown, problems)
    if blocking:
        raise _Blocked
    data = _construct(root, shown, lines, problems)
    if not isinstance(data, dict):  # a mapping node always builds a dict; be explicit anyway
        problems.append(Problem(shown, None, "", "top level must be a mapping of keys to values"))
        raise _Blocked
    for section in ("run", "world", "levers"):
        if section in data and data[section] is None:  # `levers:` with everything commented out
            data[section] = {}
    return data, lines


_EventLoader = getattr(yaml, "CSafeLoader", None) if yaml.__with_libyaml__ else None

_INT_TAG, _FLOAT_TAG = _TAG_PREFIX + "int", _TAG_PREFIX + "float"
#: Numbers as YAML 1.2 (and a reader) reads them: ``010`` is ten, ``1e-1`` a number; YAML 1.1's
#: octal ``010``, sexagesimal ``1:00``, ``1_000`` and ``0b1`` are not numbers (so they are
#: refused where a number belongs). ``0x1F`` and ``0o17`` are hexadecimal and octal.
_INT_RE = re.compile(r"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$")
_FLOAT_RE = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                       r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


class _Loader(yaml.SafeLoader):
    """The safe loader, resolving numbers as YAML 1.2 does (see :data:`_INT_RE`)."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


_Loader.add_implicit_resolver(_INT_TAG, _INT_RE, list("-+0123456789"))
_Loader.add_implicit_resolver(_FLOAT_TAG, _FLOAT_RE, list("-+.0123456789"))


def _construct_int(constructor: Any, node: ScalarNode) -> int:
    value = constructor.construct_scalar(node)
    if re.fullmatch(r"0x[0-9a-fA-F]+", value):
        return int(value[2:], 16)
    if re.fullmatch(r"0o[0-7]+", value):
        return int(value[2:], 8)
    return int(value, 10)  # leading zeros do not make a number octal


def _construct_float(constructor: Any, node: ScalarNode) -> float:
    value = constructor.construct_scalar(node).lower()
    if value.endswith(".inf"):
        return -math.inf if value.startswith("-") else math.inf
    if value == ".nan":
        return math.nan
    return float(value)


def _precheck(text: str, shown: str, problems: list[Problem]) -> None:
    """Count nodes and nesting on the event stream, stopping early, before composing.

    Composing is pure Python and slow (seconds for 100,000 nodes), so an oversized or absurdly
    deep document is refused here, with libyaml's fast parser when it is installed. Syntax errors
    are left for :func:`_compose`, which reports them with the pure-Python loader's messages.
    """
    loaders = [yaml.SafeLoader] if _EventLoader is None else [_EventLoader, yaml.SafeLoader]
    for loader in loaders:
        try:
            _count_events(text, loader, shown, problems)
            return
        except yaml.YAMLError:
            continue  # libyaml may stop early (e.g. on deep nesting): try the Python parser
        except RecursionError:
            return


def _count_events(text: str, loader: Any, shown: str, problems: list[Problem]) -> None:
    """Walk the parser's events; raise _Blocked past MAX_YAML_NODES or MAX_YAML_DEPTH."""
    nodes = depth = 0
    starts = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    counted = (*starts, yaml.ScalarEvent, yaml.AliasEvent)
    for event in yaml.parse(text, Loader=loader):
        too_many = isinstance(event, counted) and (nodes := nodes + 1) > MAX_YAML_NODES
        if isinstance(event, starts):
            depth += 1
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        if too_many or depth > MAX_YAML_DEPTH:
            what = (f"document has more than {MAX_YAML_NODES:,} YAML nodes (limit "
                    "MAX_YAML_NODES)" if too_many else
                    f"YAML nested more than {MAX_YAML_DEPTH} levels deep (limit MAX_YAML_DEPTH)")
            mark = event.start_mark
            problems.append(Problem(shown, mark.line + 1 if mark else None, "", what))
            raise _Blocked


def _compose(text: str, shown: str, problems: list[Problem]) -> Node | None:
    _precheck(text, shown, problems)
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        what = e.problem or "malformed YAML"
        if e.context:
            what = f"{what} ({e.context})"
        problems.append(Problem(shown, mark.line + 1 if mark else None, "",
                                f"malformed YAML: {what}"))
    except yaml.reader.ReaderError as e:
        line = text[: e.position].count("\n") + 1 if isinstance(e.position, int) else None
        problems.append(Problem(shown, line, "", f"not YAML text: unacceptable character "
                                f"#x{e.character:04x} ({e.reason})"
                                if isinstance(e.character, int) else f"not YAML text: {e}"))
    except yaml.YAMLError as e:
        problems.append(Problem(shown, None, "", f"malformed YAML: {e}"))
    except RecursionError:
        problems.append(Problem(shown, None, "", "YAML nested too deeply"))
    raise _Blocked


def _node_kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    # never quoted: a file that is not a scenario (``extends: /etc/passwd``) must not be shown
    return "a single value" if node.value else "nothing"


def _check_size(root: Node, shown: str, problems: list[Problem]) -> None:
    """Refuse documents that expand to too many nodes, without expanding anything."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def children(n: Node) -> list[Node]:
        if isinstance(n, MappingNode):
            return [x for kv in n.value for x in kv]
        if isinstance(n, SequenceNode):
            return list(n.value)
        return []

    def size(n: Node) -> int:
        i = id(n)
        if i in sizes:
            return sizes[i]
        if i in active:
            raise _Cycle(n)
        active.add(i)
        total = 1 + sum(size(c) for c in children(n))
        active.discard(i)
        sizes[i] = total
        return total

    try:
        total = size(root)
    except _Cycle as c:
        problems.append(Problem(shown, c.node.start_mark.line + 1, "",
                                "recursive alias: a value contains itself (plain data only)"))
        raise _Blocked from None
    except RecursionError:
        problems.append(Problem(shown, None, "", "YAML nested too deeply"))
        raise _Blocked from None
    if total > MAX_YAML_NODES:
        # point at the innermost node that alone exceeds the limit
        node = root
        while True:
            big = [c for c in children(node) if sizes[id(c)] > MAX_YAML_NODES]
            if not big:
                break
            node = big[0]
        problems.append(Problem(shown, node.start_mark.line + 1, "",
                                f"document expands to more than {MAX_YAML_NODES:,} YAML nodes "
                                "through aliases or sheer size (limit MAX_YAML_NODES); refused "
                                "without expanding it"))
        raise _Blocked


class _Cycle(Exception):
    def __init__(self, node: Node):
        self.node = node


def _scalar_key(node: Node) -> Any:
    """The value of a mapping key node, built safely (scalars only)."""
    if isinstance(node, ScalarNode) and node.tag in _SAFE_TAGS:
        try:
            return _SafeBuilder("").construct_object(node, deep=True)
        except Exception:  # noqa: BLE001 - reported by the construct step
            return node.value
    return None if not isinstance(node, ScalarNode) else node.value


def _walk(root: Node, shown: str, problems: list[Problem]) -> tuple[dict[Path_, int], bool]:
    """Map dotted keys to lines; flag duplicate keys and unsafe tags.

    Returns the line map and whether a blocking problem (an unsafe tag) was found.
    """
    lines: dict[Path_, int] = {}
    blocking = False
    seen_tags: set[int] = set()
    checked: set[int] = set()  # mappings already checked for duplicate keys (aliases)

    def dotted(path: Path_) -> str:
        return ".".join(path)

    def check_tag(node: Node, path: Path_) -> None:
        nonlocal blocking
        if node.tag not in _SAFE_TAGS and id(node) not in seen_tags:
            seen_tags.add(id(node))
            if node.tag == _TAG_PREFIX + "value":  # a bare `=`, which safe_load cannot read
                message = "a bare '=' is not a value (quote it if you mean the text '=')"
            else:
                message = (f"YAML tag {node.tag.replace(_TAG_PREFIX, '!!')} is not allowed "
                           "(plain YAML only: numbers, text, lists and mappings; nothing in a "
                           "file is executed)")
            problems.append(Problem(shown, node.start_mark.line + 1, dotted(path), message))
            blocking = True

    def visit(node: Node, path: Path_) -> None:
        check_tag(node, path)
        if isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                lines.setdefault((*path, str(i)), item.start_mark.line + 1)
                visit(item, (*path, str(i)))
        elif isinstance(node, MappingNode):
            first: dict[Any, int] | None = None if id(node) in checked else {}
            checked.add(id(node))
            merged: list[Node] = []
            for knode, vnode in node.value:
                if knode.tag == _MERGE_TAG:
                    merged.extend(vnode.value if isinstance(vnode, SequenceNode) else [vnode])
                    continue
                check_tag(knode, path)
                key = _scalar_key(knode)
                sub = (*path, str(key))
                line = knode.start_mark.line + 1
                try:
                    hash(key)
                    marker: Any = (type(key) is bool, key)
                except TypeError:
                    marker = None
                if first is None or marker is None:
                    pass
                elif marker in first:
                    problems.append(Problem(shown, line, dotted(sub),
                                            f"duplicate key (first at line {first[marker]}; "
                                            "each key may appear once in a mapping)"))
                else:
                    first[marker] = line
                lines[sub] = line
                visit(vnode, sub)
            for m in merged:  # `<<: *anchor` keys: own keys win
                if isinstance(m, MappingNode):
                    for knode, vnode in m.value:
                        sub = (*path, str(_scalar_key(knode)))
                        lines.setdefault(sub, knode.start_mark.line + 1)
                check_tag(m, path)
                visit_children_only(m, path)

    def visit_children_only(m: Node, path: Path_) -> None:
        if isinstance(m, MappingNode):
            for knode, vnode in m.value:
                check_tag(knode, path)
                visit(vnode, (*path, str(_scalar_key(knode))))

    visit(root, ())
    return lines, blocking


class _SafeBuilder(_Loader):
    """The safe loader, with errors from building one value tied to that value's node."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except _NodeError:
            raise
        except yaml.YAMLError as e:
            raise _NodeError(node, getattr(e, "problem", None) or str(e)) from None
        except Exception as e:  # noqa: BLE001 - e.g. int() of a 5000-digit number
            text = str(e).split(";")[0] or type(e).__name__
            raise _NodeError(node, text) from None


_SafeBuilder.add_constructor(_INT_TAG, _construct_int)
_SafeBuilder.add_constructor(_FLOAT_TAG, _construct_float)


class _NodeError(Exception):
    def __init__(self, node: Node, message: str):
        self.node = node
        self.message = message


def _construct(root: Node, shown: str, lines: dict[Path_, int], problems: list[Problem]) -> Any:
    builder = _SafeBuilder("")
    try:
        data = builder.construct_document(root)
    except _NodeError as e:
        line = e.node.start_mark.line + 1
        key = next((".".join(p) for p, ln in lines.items() if ln == line), "")
        problems.append(Problem(shown, line, key, f"cannot read this value: {e.message}"))
        raise _Blocked from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        problems.append(Problem(shown, mark.line + 1 if mark else None, "",
                                f"cannot read this value: {e.problem or e}"))
        raise _Blocked from None
    except Exception as e:  # noqa: BLE001 - anything else the constructor trips on
        problems.append(Problem(shown, None, "", f"cannot read the file: {e}"))
        raise _Blocked from None
    finally:
        builder.dispose()
    return data


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
                                    f"is {_describe(nxt)}, not a mapping, so "
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
        if len(raw.encode("utf-8", "surrogateescape")) > MAX_FILE_BYTES:
            local.append(Problem("--set", None, key, f"value longer than {MAX_FILE_BYTES:,} "
                                 "bytes (MAX_FILE_BYTES)"))
            raise _Blocked
        if "\x00" in raw:
            local.append(Problem("--set", None, key, "value contains NUL bytes"))
            raise _Blocked
        node = _compose(raw, "--set", local) if raw.strip() else None
        if node is None:
            return None
        _check_size(node, "--set", local)
        _walk(node, "--set", local)
        if local:  # an unsafe tag, or a key given twice, as in a file
            raise _Blocked
        return _construct(node, "--set", {}, local)
    except _Blocked:
        for p in local:  # re-key under the overridden key, without a line (one-line value)
            detail = p.message
            problems.append(Problem("--set", None, key, detail))
        return _INVALID


# --------------------------------------------------------------------------------------------
# pydantic errors -> problems


def _problem_from_error(err: dict[str, Any], origins: dict[Path_, Origin], root: str) -> Problem:
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
        msg = f"expected text, got {_describe(err.get('input'))}"
    elif kind == "model_type":
        msg = (f"expected a mapping of keys to values, got {_describe(err.get('input'))} "
               f"(valid keys: {_valid_keys(path)})")
    elif kind == "invalid_key":
        msg = f"keys must be text, got {_describe(err.get('input'))}"

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


def _describe(v: Any) -> str:
    if v is None:
        return "nothing"
    if isinstance(v, bool):
        return f"a boolean ({v})"
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, (list, tuple)):
        return "a list"
    if isinstance(v, str):
        return f"text ({v[:40]!r})"
    if isinstance(v, (int, float)):
        return f"a number ({v})"
    return type(v).__name__
