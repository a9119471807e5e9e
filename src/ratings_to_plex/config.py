"""Remembered choices (last server, libraries, types, policy…) in `config_dir()/config.toml`, so the next run and
the GUI start where the user left off. Never the token: that lives in `plex.credentials`.

A broken or unreadable file never stops a run: it is reported in the log and treated as empty (and kept aside as
`config.toml.bad` before it is overwritten).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Any, Final

import tomli_w

from .paths import config_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

log = logging.getLogger(__name__)

CONFIG_FILE: Final = "config.toml"
# Keys that must never be written here, whatever a caller passes.
_FORBIDDEN: Final = frozenset({"token", "plex_token", "access_token", "auth_token", "password"})


def config_path() -> Path:
    return config_dir() / CONFIG_FILE


def load_config() -> dict[str, Any]:
    """The remembered settings; {} when there are none or the file cannot be used."""
    return _read()[0]


def _read() -> tuple[dict[str, Any], bool]:
    """(settings, usable): usable is False when a file exists but cannot be parsed."""
    path = config_path()
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return {}, True
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        log.warning("ignoring the settings file %s: %s", path, exc)
        return {}, False
    return {k: v for k, v in data.items() if k not in _FORBIDDEN}, True


def save_config(updates: dict[str, Any]) -> None:
    """Merge `updates` into the file (a value of None removes its key); failures are logged, never raised."""
    path = config_path()
    data, usable = _read()
    if not usable:
        with contextlib.suppress(OSError):  # keep the user's broken file aside rather than destroy it
            os.replace(path, path.with_name(CONFIG_FILE + ".bad"))
    for key, value in updates.items():
        if key in _FORBIDDEN:
            raise ValueError(f"{key!r} must not be stored in the settings file")
        if value is None:
            data.pop(key, None)
        else:
            data[key] = list(value) if isinstance(value, tuple) else value
    tmp = path.with_name(f".{CONFIG_FILE}.{os.getpid()}.tmp")
    try:
        tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
    except (OSError, TypeError) as exc:  # TypeError: a value TOML cannot hold
        log.warning("could not save settings to %s: %s", path, exc)
        with contextlib.suppress(OSError):
            tmp.unlink()


def remember(**values: Any) -> None:
    """`remember(server="Home", libraries=["Movies"])`: save only the values that are not None."""
    updates = {k: v for k, v in values.items() if v is not None}
    if updates:
        save_config(updates)
