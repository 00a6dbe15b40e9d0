"""Read YAML safely: plain data, the line of every key, and problems that point at a line.

The one YAML reader of the package: scenario files (:mod:`sim.scenario.load`) and sweep files
(:mod:`sim.sweeps.spec`) are read by the same functions, so both get the same limits and the
same messages. Every problem found is a :class:`Problem` printed as::

    FILE:LINE: dotted.key: what is wrong (what is allowed)

How a file is read (:func:`read_mapping` does all of it), in order:

1. bytes (:func:`read_text`): a regular, readable file of at most :data:`MAX_FILE_BYTES`, UTF-8
   text without NUL bytes, and not empty;
2. compose the YAML node tree (:func:`compose`) with :class:`yaml.SafeLoader`, nothing built yet;
   an event pre-pass refuses more than :data:`MAX_YAML_NODES` nodes or :data:`MAX_YAML_DEPTH`
   levels before the slow composer runs;
3. refuse documents that would expand beyond :data:`MAX_YAML_NODES` nodes through aliases (alias
   bombs) or that contain themselves (:func:`check_size`), by memoisation over node identity so
   nothing is expanded;
4. walk the tree once (:func:`walk`): map every dotted key to its line, and flag duplicate keys
   and any tag the safe loader would not build (``!!python/...`` and friends);
5. build plain Python data with the safe constructor (:func:`construct`). Numbers are read as
   YAML 1.2 reads them (``010`` is ten; ``1_000`` and ``1:00`` are text).

A function that finds a file unusable records its problems and raises :class:`Blocked`. Nothing in
a file is ever executed.
"""

from __future__ import annotations

import errno
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

#: Largest file (or ``--set`` value) read, in bytes (named in the error message).
MAX_FILE_BYTES = 1_000_000
#: Largest YAML document, counted in nodes after expanding aliases (refuses alias bombs).
MAX_YAML_NODES = 100_000
#: Deepest nesting of YAML mappings and lists (a scenario needs 3).
MAX_YAML_DEPTH = 64

_TAG_PREFIX = "tag:yaml.org,2002:"
_MERGE_TAG = _TAG_PREFIX + "merge"
_SAFE_TAGS = frozenset(t for t in yaml.SafeLoader.yaml_constructors if t is not None) | {_MERGE_TAG}

Path_ = tuple[str, ...]
Origin = tuple[str, int | None]  # (file as shown to the user, 1-based line or None)
#: Where a file was named: (file as shown, line, dotted key), e.g. a scenario's ``extends:``.
NamedBy = tuple[str, int | None, str]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located by file, line and dotted key."""

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


class Blocked(Exception):
    """A file cannot be used at all; its problems are already in the caller's list."""


def read_text(shown: str, problems: list[Problem], named_by: NamedBy | None = None, *,
              kind: str = "scenario") -> str:
    """Bytes -> text with every file-level check; raise :class:`Blocked` after recording a
    problem. ``named_by`` is the line that named this file (a problem opening it is put there);
    ``kind`` names what the file should be in messages ("expected a scenario YAML file")."""

    def fail_open(message: str) -> NoReturn:
        # before a named file is opened, blame the line that names it
        if named_by is not None:
            problems.append(Problem(named_by[0], named_by[1], named_by[2], f"{shown}: {message}"))
        else:
            problems.append(Problem(shown, None, "", message))
        raise Blocked

    p = Path(shown)
    try:
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
            fail_open(f"is a directory, expected a {kind} YAML file")
        if not p.is_file():
            fail_open(f"not a regular file, expected a {kind} YAML file")
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            fail_open(f"file is {size:,} bytes, larger than the limit of {MAX_FILE_BYTES:,} "
                      "bytes (MAX_FILE_BYTES)")
        with p.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except Blocked:
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
        raise Blocked
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        problems.append(Problem(shown, line, "", "binary file: contains NUL bytes "
                                "(expected YAML text)"))
        raise Blocked
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        problems.append(Problem(shown, line, "", f"not UTF-8 text: invalid byte "
                                f"0x{raw[e.start]:02x} (expected YAML text in UTF-8)"))
        raise Blocked
    if not text.strip():
        problems.append(Problem(shown, None, "", "empty file (expected a mapping with at least "
                                "name:)"))
        raise Blocked
    return text


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
    are left for :func:`compose`, which reports them with the pure-Python loader's messages.
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
    """Walk the parser's events; raise Blocked past MAX_YAML_NODES or MAX_YAML_DEPTH."""
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
            raise Blocked


def compose(text: str, shown: str, problems: list[Problem]) -> Node | None:
    """The document's node tree (None for a document of only comments), nothing built yet;
    :class:`Blocked` for malformed YAML or a document past the node or depth limits."""
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
    raise Blocked


def node_kind(node: Node) -> str:
    """What a node is, for messages ("a mapping", "a list", "a single value", "nothing")."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    # never quoted: a file that is not a scenario (``extends: /etc/passwd``) must not be shown
    return "a single value" if node.value else "nothing"


def check_size(root: Node, shown: str, problems: list[Problem]) -> None:
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
        raise Blocked from None
    except RecursionError:
        problems.append(Problem(shown, None, "", "YAML nested too deeply"))
        raise Blocked from None
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
        raise Blocked


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


def walk(root: Node, shown: str, problems: list[Problem]) -> tuple[dict[Path_, int], bool]:
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


def construct(root: Node, shown: str, lines: dict[Path_, int], problems: list[Problem]) -> Any:
    """Build plain Python data from a checked node tree (:func:`check_size`, :func:`walk`);
    a value that cannot be built is a problem at its line (``lines`` names its key)."""
    builder = _SafeBuilder("")
    try:
        data = builder.construct_document(root)
    except _NodeError as e:
        line = e.node.start_mark.line + 1
        key = next((".".join(p) for p, ln in lines.items() if ln == line), "")
        problems.append(Problem(shown, line, key, f"cannot read this value: {e.message}"))
        raise Blocked from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        problems.append(Problem(shown, mark.line + 1 if mark else None, "",
                                f"cannot read this value: {e.problem or e}"))
        raise Blocked from None
    except Exception as e:  # noqa: BLE001 - anything else the constructor trips on
        problems.append(Problem(shown, None, "", f"cannot read the file: {e}"))
        raise Blocked from None
    finally:
        builder.dispose()
    return data



def describe(v: Any) -> str:
    """A value as a message shows it: "nothing", "a list", "a number (3)", "text ('abc')"."""
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


def read_mapping(shown: str, problems: list[Problem], *, expects: str, valid_keys: str,
                 named_by: NamedBy | None = None, kind: str = "scenario"
                 ) -> tuple[dict[Any, Any], dict[Path_, int]]:
    """Read a YAML file whose top level is a mapping: ``(data, {dotted key path: line})``.

    Every step of the module docstring, in order. Duplicate keys are recorded in ``problems``
    without stopping (the caller decides); anything else wrong raises :class:`Blocked`.

    Args:
        shown: the file as shown to the user (and opened).
        problems: receives every problem found.
        expects: what an empty document should hold, e.g. "a mapping with at least name:".
        valid_keys: the top-level keys, listed when the top level is not a mapping.
        named_by, kind: as for :func:`read_text`.
    """
    text = read_text(shown, problems, named_by, kind=kind)
    root = compose(text, shown, problems)
    if root is None:
        problems.append(Problem(shown, None, "", f"empty file: only comments (expected {expects})"))
        raise Blocked
    if not isinstance(root, MappingNode):
        problems.append(Problem(shown, root.start_mark.line + 1, "",
                                f"top level must be a mapping of keys to values, got "
                                f"{node_kind(root)} (valid keys: {valid_keys})"))
        raise Blocked
    check_size(root, shown, problems)
    lines, blocking = walk(root, shown, problems)
    if blocking:
        raise Blocked
    data = construct(root, shown, lines, problems)
    if not isinstance(data, dict):  # a mapping node always builds a dict; be explicit anyway
        problems.append(Problem(shown, None, "", "top level must be a mapping of keys to values"))
        raise Blocked
    return data, lines


def read_value(raw: str, shown: str, problems: list[Problem]) -> Any:
    """Read one value given on a command line (``--set key=VALUE``) through the same checks as a
    file: size, NUL bytes, safe tags, limits and duplicate keys. Problems carry no line (the
    value is one line); any problem raises :class:`Blocked`. An empty value is None."""
    if len(raw.encode("utf-8", "surrogateescape")) > MAX_FILE_BYTES:
        problems.append(Problem(shown, None, "", f"value longer than {MAX_FILE_BYTES:,} "
                                "bytes (MAX_FILE_BYTES)"))
        raise Blocked
    if "\x00" in raw:
        problems.append(Problem(shown, None, "", "value contains NUL bytes"))
        raise Blocked
    node = compose(raw, shown, problems) if raw.strip() else None
    if node is None:
        return None
    check_size(node, shown, problems)
    walk(node, shown, problems)
    if problems:  # an unsafe tag, or a key given twice, as in a file
        raise Blocked
    return construct(node, shown, {}, problems)
