"""The `ratings-to-plex` command (typer + rich): thin commands over the library; errors become messages here."""

from __future__ import annotations

from . import (  # noqa: F401 - registers them
    auth_cmd,
    copy_cmd,
    demo_cmd,
    emulator_cmd,
    export_cmd,
    gui_cmd,
    history_cmd,
    sync_cmd,
    users_cmd,
    web_cmd,
)
from .app import app, main

__all__ = ["app", "main"]
