"""Run config: attribute and item access, ``update()`` from dicts and Namespaces.

Every change is handed to the run's writer at once (a full snapshot, so replay is
simple and the last record wins), so the config is persisted as soon as it is set.

In a sweep run the sweep's parameters are locked, as in W&B: the script's own
values for them (``init(config=...)``, ``config.update(args)``) are ignored.

W&B's rule for changing a value: ``init(config=...)`` always applies (over a
resumed run's values too); afterwards, giving a key that is set a different
value raises ``ConfigError`` unless ``allow_val_change=True`` is passed (to that
``update`` call, or to ``init`` for the whole run).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..errors import ConfigError, UsageError
from .configvalues import as_mapping, plain

__all__ = ["Config", "to_plain"]


def to_plain(value: Any, key: str = "") -> Any:
    """A config value as stable JSON data (``configvalues.plain``): NumPy and torch
    values become numbers or lists, sets sorted lists, enums their value,
    dataclasses dicts, paths text; what has no stable text is ``<module.Type>``."""
    return plain(value, key)


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
        object.__setattr__(self, "_allow_changes", False)  # init(allow_val_change=)

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change(dict(self._data))

    def _load(self, data: Mapping[str, Any]) -> None:
        """Set values without persisting (a resumed run's earlier config)."""
        self._data.update(data)

    def _allow_changes_always(self, allow: bool) -> None:
        """``init(allow_val_change=True)``: any value may change, in every call."""
        object.__setattr__(self, "_allow_changes", allow)

    def _lock(self, data: Mapping[str, Any]) -> None:
        """Set the sweep's parameters (without persisting) and keep them."""
        self._data.update({k: plain(v, k) for k, v in data.items()})
        self._locked.update(data)

    def update(
        self, data: Any = None, allow_val_change: bool | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        """Set values from a dict, an ``argparse.Namespace``, a dataclass, an
        OmegaConf config, an object's attributes or a YAML/JSON file, and keyword
        arguments. A key already set keeps its value unless ``allow_val_change``
        (W&B's rule: ConfigError otherwise)."""
        self._update(data, kwargs, tell=True, allow=bool(allow_val_change))

    def _update(
        self, data: Any, kwargs: Mapping[str, Any], *, tell: bool, allow: bool = True,
    ) -> None:  # fmt: skip
        """``update``; ``tell``: call ``on_locked`` for each sweep parameter it
        would have changed (init's own config is merged under them quietly);
        ``allow``: values may change."""
        merged = {**as_mapping(data), **kwargs}
        for key in merged:
            if not isinstance(key, str):
                raise UsageError(f"Config keys must be strings; got {key!r}.")
        values = {k: plain(v, k) for k, v in merged.items()}
        for key in self._locked.intersection(values):
            if values.pop(key) != self._data.get(key) and tell and self._on_locked:
                self._on_locked(key)
        if not (allow or self._allow_changes):
            self._refuse_changes(values)
        self._data.update(values)
        self._changed()

    def _refuse_changes(self, values: Mapping[str, Any]) -> None:
        for key, value in values.items():
            old = self._data.get(key, value)
            if old != value and not (_is_nan(old) and _is_nan(value)):
                raise ConfigError(
                    f"config[{key!r}] is {old!r}; it was not changed to {value!r}. "
                    "Pass allow_val_change=True to config.update() (or to "
                    "runfold.init()) to change it, or log a value that changes "
                    "during training with runfold.log()."
                )

    def setdefaults(self, data: Any) -> None:
        """Set the keys of ``data`` that are not set yet."""
        found = as_mapping(data, "config.setdefaults()")
        self.update({k: v for k, v in found.items() if k not in self._data})

    def persist(self) -> None:
        """W&B's: write the config now (Runfold writes each change at once)."""
        self._changed()

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
