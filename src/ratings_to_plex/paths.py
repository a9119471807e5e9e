"""Where the tool keeps things: platformdirs' per-user folders, each overridable by an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "ratings-to-plex"


def _dir(env: str, default: Path) -> Path:
    value = os.environ.get(env)
    path = Path(value).expanduser() if value else default
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """Settings and (when no keyring works) the token file."""
    return _dir("RATINGS_TO_PLEX_CONFIG_DIR", platformdirs.user_config_path(APP))


def data_dir() -> Path:
    """The run journal."""
    return _dir("RATINGS_TO_PLEX_DATA_DIR", platformdirs.user_data_path(APP))


def report_dir() -> Path:
    """Logs and unmatched-row CSVs, unless `--report-dir` says otherwise."""
    return _dir("RATINGS_TO_PLEX_REPORT_DIR", platformdirs.user_log_path(APP))
