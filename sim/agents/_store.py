"""Helpers shared by the array-backed agents."""

from __future__ import annotations

from typing import Any


def array_property(store: str, field: str, doc: str) -> property:
    """A property that reads and writes ``model.<store>.<field>[self.index]``."""

    def get(self: Any) -> Any:
        return getattr(getattr(self.model, store), field)[self.index].item()

    def set_(self: Any, value: Any) -> None:
        getattr(getattr(self.model, store), field)[self.index] = value

    return property(get, set_, doc=doc)
