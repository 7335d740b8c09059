"""Configuration: defaults, then a TOML file, then ``GEOAPP_*`` environment variables.

Every key is documented in README.md (a test keeps the two in step).

Examples
--------
>>> cfg = load_config(env={"GEOAPP_BASEMAP": "none"})
>>> cfg["BASEMAP"]
'none'
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: The repository root (for an editable install: where the bundled data lives).
ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "DATA_DIR": str(ROOT / "data"),
    "LAYERS_DIR": str(ROOT / "layers"),
    "BASEMAP": "osm",
    "BASEMAP_URL": "",
    "BASEMAP_ATTRIBUTION": "",
    "BASEMAP_GCJ02": False,
    "TIANDITU_KEY": "",
    "DEFAULT_LANG": "zh",
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "MAX_LIMIT": 10000,
    "DEFAULT_LIMIT": 100,
    "PUBLIC_URL": "",
    "TRUSTED_HOSTS": "",
    "TRUSTED_PROXY": "",
    "HSTS_SECONDS": 0,
    "EXPENSIVE_WORKERS": 1,
    "EXPENSIVE_QUEUE": 1,
    "RATE_LIMIT_EXPENSIVE": "30 per minute",
    "IMPORT_MAX_BYTES": 200 * 1024 * 1024,
    "IMPORT_MAX_FEATURES": 50_000,
    "IMPORT_MAX_VERTICES": 2_000_000,
    "IMPORT_PENDING_DIR": "",
    "DATABASE_URL": "",
    "SECRET_KEY": "",
    "SESSION_COOKIE_SECURE": False,
    "SSO_HEADER": "",
    "SSO_TRUSTED_PROXIES": "",
    "MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
    "LOGIN_SLOWDOWN_SECONDS": 1,
}


def _coerce(value: str, like: Any) -> Any:
    """An environment variable's text as the type of the key's default (so "false" is False).

    >>> _coerce("false", False), _coerce("20", 1), _coerce("x", "")
    (False, 20, 'x')
    """
    if isinstance(like, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(like, int):
        return int(value)
    return value


def load_config(
    file: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Defaults, updated from a TOML ``file`` (if given), ``GEOAPP_*`` variables and ``overrides``."""
    env = os.environ if env is None else env
    cfg = dict(DEFAULTS)
    file = file or env.get("GEOAPP_CONFIG")
    if file:
        with open(file, "rb") as fh:
            cfg.update({k.upper(): v for k, v in tomllib.load(fh).items()})
    for key, value in env.items():
        if key.startswith("GEOAPP_") and key != "GEOAPP_CONFIG":
            name = key[len("GEOAPP_") :]
            cfg[name] = _coerce(value, DEFAULTS.get(name, ""))
    cfg.update(overrides or {})
    return cfg
