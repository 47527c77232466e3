"""API keys saved by ``runfold login``, one per server, in the user's config file.

The file is ``$XDG_CONFIG_HOME/runfold/config.json`` (default
``~/.config/runfold/config.json``), written with mode 0600 because it holds keys:
``{"api_keys": {"http://host:port": "key"}}``. A key is only ever sent to the
server it was saved for.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["config_path", "saved_api_key", "save_api_key", "normalize_url"]


def normalize_url(url: str) -> str:
    return url.strip().rstrip("/")


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(Path("~/.config").expanduser())
    return Path(base) / "runfold" / "config.json"


def _load(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def saved_api_key(
    base_url: str | None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The key ``runfold login`` saved for ``base_url``, if any."""
    if not base_url:
        return None
    keys = _load(config_path(environ)).get("api_keys")
    if not isinstance(keys, dict):
        return None
    key = keys.get(normalize_url(base_url))
    return key if isinstance(key, str) and key else None


def save_api_key(
    base_url: str, key: str, environ: Mapping[str, str] | None = None
) -> Path:
    """Save ``key`` for ``base_url`` (mode 0600); return the file's path."""
    path = config_path(environ)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = _load(path)
    found = data.get("api_keys")
    keys: dict[str, Any] = found if isinstance(found, dict) else {}
    keys[normalize_url(base_url)] = key
    data["api_keys"] = keys
    partial = path.with_name(path.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2)
    os.chmod(partial, 0o600)  # an older .part may have had looser bits
    os.replace(partial, path)
    return path
