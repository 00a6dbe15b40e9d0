"""Helpers shared by the array-backed agents."""

from __future__ import annotations

from typing import Any


def array_property(store: str, field: str, doc: str, fixed: bool = False) -> property:
    """A property that reads and writes ``model.<store>.<field>[self.index]``; read-only when
    ``fixed`` (a trait decided when the model is built, such as a firm's home: the model keeps
    views of it that would go stale, and the array itself is made read-only)."""

    def get(self: Any) -> Any:
        return getattr(getattr(self.model, store), field)[self.index].item()

    def set_(self: Any, value: Any) -> None:
        getattr(getattr(self.model, store), field)[self.index] = value

    return property(get, None if fixed else set_, doc=doc)


def freeze(*arrays: Any) -> None:
    """Make arrays read-only: traits fixed for the whole run (an attempt to write one raises
    ``ValueError`` instead of leaving cached views of it stale)."""
    for a in arrays:
        a.flags.writeable = False
