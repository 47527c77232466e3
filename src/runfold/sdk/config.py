"""Run config: attribute and item access, ``update()`` from dicts and Namespaces.

Every change is handed to the run's writer at once (a full snapshot, so replay is
simple and the last record wins), so the config is persisted as soon as it is set.

In a sweep run the sweep's parameters are locked, as in W&B: the script's own
values for them (``init(config=...)``, ``config.update(args)``) are ignored.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..errors import UsageError

__all__ = ["Config", "to_plain"]


def to_plain(value: Any) -> Any:
    """Turn a config value into JSON-able data: NumPy scalars become numbers, tuples
    and sets become lists, Namespaces dicts, anything else its ``str``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, argparse.Namespace):
        value = vars(value)
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_plain(v) for v in value]
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        return to_plain(value.item())
    if hasattr(value, "tolist"):
        return to_plain(value.tolist())
    return str(value)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


class Config:
    """A run's inputs. ``config.lr``, ``config["lr"]``, ``config.update({...})``."""

    def __init__(
        self,
        on_change: Callable[[dict[str, Any]], None] | None = None,
        on_locked: Callable[[str], None] | None = None,
    ) -> None:
        object.__setattr__(self, "_data", {})
        object.__setattr__(self, "_on_change", on_change)
        object.__setattr__(self, "_on_locked", on_locked)  # told of ignored changes
        object.__setattr__(self, "_locked", set())

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change(dict(self._data))

    def _load(self, data: Mapping[str, Any]) -> None:
        """Set values without persisting (a resumed run's earlier config)."""
        self._data.update(data)

    def _lock(self, data: Mapping[str, Any]) -> None:
        """Set the sweep's parameters (without persisting) and keep them."""
        self._data.update({k: to_plain(v) for k, v in data.items()})
        self._locked.update(data)

    def update(
        self, data: Mapping[str, Any] | argparse.Namespace | None = None,
        allow_val_change: bool = True, **kwargs: Any,
    ) -> None:  # fmt: skip
        self._update(data, kwargs, tell=True)

    def _update(
        self, data: Mapping[str, Any] | argparse.Namespace | None,
        kwargs: Mapping[str, Any], *, tell: bool,
    ) -> None:  # fmt: skip
        """``update``; ``tell``: call ``on_locked`` for each sweep parameter it
        would have changed (init's own config is merged under them quietly)."""
        if isinstance(data, argparse.Namespace):
            data = vars(data)
        if data is not None and not isinstance(data, Mapping):
            raise UsageError(
                f"config.update() takes a dict or an argparse.Namespace, not "
                f"{type(data).__name__}."
            )
        merged = {**(data or {}), **kwargs}
        for key in merged:
            if not isinstance(key, str):
                raise UsageError(f"Config keys must be strings; got {key!r}.")
        plain = {k: to_plain(v) for k, v in merged.items()}
        for key in self._locked.intersection(plain):
            if plain.pop(key) != self._data.get(key) and tell and self._on_locked:
                self._on_locked(key)
        self._data.update(plain)
        self._changed()

    def setdefaults(self, data: Mapping[str, Any]) -> None:
        self.update({k: v for k, v in data.items() if k not in self._data})

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __setattr__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __getattr__(self, key: str) -> Any:
        try:
            return self._data[key]
        except KeyError:
            raise AttributeError(
                f"config has no key {key!r}; set it with config.{key} = ... "
                "or config.update({...})"
            ) from None

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self._changed()

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Config):
            other = other._data
        return self._data == other

    __hash__ = None  # type: ignore[assignment]

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def keys(self) -> Any:
        return self._data.keys()

    def items(self) -> Any:
        return self._data.items()

    def values(self) -> Any:
        return self._data.values()

    def as_dict(self) -> dict[str, Any]:
        return dict(self._data)

    def __repr__(self) -> str:
        return f"Config({self._data!r})"
