"""Config (and summary) values in a stable JSON form, and config inputs as dicts.

``plain(value)`` turns what a script puts in ``run.config`` into JSON data that
reads the same in every run, so runs that differ only by seed still fold into one
group under "all config except seed" (issue 18): NumPy and torch scalars become
numbers, arrays lists, sets sorted lists, enums their value, dataclasses and
plain objects dicts of their fields, paths their text, dates ISO text, types and
functions their qualified name. A value with no such form (its text would hold a
memory address) is stored as ``<module.Type>``, with a one-time warning.

``as_mapping(obj)`` takes what W&B accepts as a config (``init(config=...)``,
``config.update(...)``): a dict, an ``argparse.Namespace``, a dataclass, an
OmegaConf/Hydra config, any object with attributes, or a YAML/JSON file's path.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping
from typing import Any

from ..errors import UsageError
from .warn import warn

__all__ = ["plain", "as_mapping", "NO_FORM"]

NO_FORM = (
    "runfold: config {where}({type}) has no stable text form (its text holds a "
    "memory address), so it was stored as {stored!r}. Store numbers, text, lists "
    "and dicts, or give {type} a __repr__ or a to_dict() method."
)
BAD_CONFIG = (
    "{call} takes a dict, an argparse.Namespace, a dataclass, an OmegaConf/Hydra "
    "config, an object with attributes or the path of a YAML/JSON file; got {type}."
)
_ADDRESS = re.compile(r" (?:object )?at 0x[0-9a-fA-F]+")
_warned: set[str] = set()  # the types warned about, once per process

_SCALARS = (bool, str)


def plain(value: Any, key: str = "") -> Any:
    """``value`` as stable JSON data (see the module docstring); ``key`` names it
    in the warning for a value with no stable form."""
    if value is None or type(value) in _SCALARS:
        return value
    if isinstance(value, str):  # a str enum or subclass: the plain text
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, argparse.Namespace):
        value = vars(value)
    if isinstance(value, Mapping):
        return {_key(k): plain(v, f"{key}.{_key(k)}" if key else _key(k))
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, (list, tuple)):
        return [plain(v, key) for v in value]
    if isinstance(value, (set, frozenset)):
        return _sorted([plain(v, key) for v in value])
    return _other(value, key)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return str.__str__(key)
    found = plain(key)
    return found if isinstance(found, str) else _json(found)


def _json(value: Any) -> str:
    import json  # not at import: ``import runfold`` stays light

    return json.dumps(value, sort_keys=True)


def _sorted(items: list[Any]) -> list[Any]:
    try:
        return sorted(items)
    except TypeError:  # mixed types: by their JSON text, still stable
        return sorted(items, key=_json)


def _other(value: Any, key: str) -> Any:
    import enum

    kind = type(value)
    if isinstance(value, enum.Enum):
        return plain(value.value, key)
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        return plain(value.item(), key)  # NumPy and torch scalars
    if hasattr(value, "tolist") and hasattr(value, "shape"):
        return plain(value.tolist(), key)  # arrays and tensors
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(kind, "__dataclass_fields__") and not isinstance(value, type):
        fields = kind.__dataclass_fields__
        return plain({n: getattr(value, n) for n in fields}, key)
    if _is_omegaconf(value):
        return plain(_omegaconf_container(value), key)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and not isinstance(value, type):
        return plain(to_dict(), key)
    iso = getattr(value, "isoformat", None)
    if callable(iso) and kind.__module__ == "datetime":
        return iso()  # a date, time or datetime (a timedelta keeps its text)
    if isinstance(value, type) or callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', None) or '?'}.{value.__qualname__}"
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, complex) or kind.__module__ == "decimal":
        return str(value)
    return _text(value, key)


def _text(value: Any, key: str) -> Any:
    """A value's own text if it has one without a memory address, else the
    attributes of a plain object, else ``<module.Type>`` and a warning."""
    kind = type(value)
    own_text = (
        kind.__repr__ is not object.__repr__ or kind.__str__ is not object.__str__
    )
    if own_text:
        try:
            text = str(value)
        except Exception:  # noqa: BLE001 - a broken __str__: no form
            text = ""
        if text and not _ADDRESS.search(text):
            return text
    attributes = getattr(value, "__dict__", None)
    if not own_text and isinstance(attributes, dict) and attributes:
        public = {k: v for k, v in attributes.items() if not k.startswith("_")}
        if public:
            return plain(public, key)
    stored = f"<{kind.__module__}.{kind.__qualname__}>"
    name = f"{kind.__module__}.{kind.__qualname__}"
    if name not in _warned:
        _warned.add(name)
        where = f"{key!r} " if key else "value "
        warn(NO_FORM.format(where=where, type=kind.__qualname__, stored=stored))
    return stored


def _is_omegaconf(value: Any) -> bool:
    return type(value).__module__.split(".")[0] == "omegaconf"


def _omegaconf_container(value: Any) -> Any:
    from omegaconf import OmegaConf  # the value's own library: installed

    return OmegaConf.to_container(value, resolve=True)


def as_mapping(config: Any, call: str = "config.update()") -> Mapping[str, Any]:
    """W&B's config inputs as a mapping (see the module docstring)."""
    if config is None:
        return {}
    if isinstance(config, Mapping):
        return config
    if isinstance(config, argparse.Namespace):
        return vars(config)
    if isinstance(config, (str, os.PathLike)):
        return _from_file(os.fspath(config), call)
    if _is_omegaconf(config):
        found = _omegaconf_container(config)
        if isinstance(found, Mapping):
            return found
    kind = type(config)
    if hasattr(kind, "__dataclass_fields__") and not isinstance(config, type):
        return {n: getattr(config, n) for n in kind.__dataclass_fields__}
    if isinstance(config, type):  # a class used as a namespace of settings
        return {
            k: v for k, v in vars(config).items()
            if not k.startswith("_") and not _is_member(v)
        }  # fmt: skip
    attributes = getattr(config, "__dict__", None)
    if isinstance(attributes, dict):
        return {k: v for k, v in attributes.items() if not k.startswith("__")}
    raise UsageError(BAD_CONFIG.format(call=call, type=kind.__name__))


def _is_member(value: Any) -> bool:
    return callable(value) or isinstance(value, (staticmethod, classmethod, property))


def _from_file(path: str, call: str) -> Mapping[str, Any]:
    """W&B's config file (``config-defaults.yaml``): ``{k: v}`` or ``{k: {"value":
    v, "desc": ...}}``, in YAML or JSON; ``wandb_version`` and ``_wandb`` dropped."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except OSError as exc:
        raise UsageError(
            f"{call}: cannot read the config file {path!r}: {exc}."
        ) from None
    data = _parse(text, path, call)
    if not isinstance(data, Mapping):
        raise UsageError(f"{call}: {path!r} does not hold a mapping of config values.")
    out: dict[str, Any] = {}
    for k, v in data.items():
        if k in ("wandb_version", "_wandb"):
            continue
        is_wrapped = (
            isinstance(v, Mapping) and "value" in v and set(v) <= {"value", "desc"}
        )
        out[str(k)] = v["value"] if is_wrapped else v
    return out


def _parse(text: str, path: str, call: str) -> Any:
    import json

    if not path.lower().endswith((".yaml", ".yml")):
        try:
            return json.loads(text)
        except ValueError:
            if path.lower().endswith(".json"):
                raise UsageError(f"{call}: {path!r} is not valid JSON.") from None
    try:
        import yaml
    except ImportError:
        raise UsageError(
            f"{call}: {path!r} is YAML, which needs PyYAML: pip install pyyaml"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"{call}: {path!r} is not valid YAML ({exc}).") from None
