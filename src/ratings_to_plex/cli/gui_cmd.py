"""`gui`: open the desktop app (the same as the `ratings-to-plex-gui` script)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from .app import app, friendly_errors


@app.command()
@friendly_errors
def gui(
    file: Path = typer.Option(None, "--file", help="Export file to start with (IMDb or Letterboxd)."),
    url: str = typer.Option(None, "--url", envvar="PLEX_URL",
                            help="Connect straight to this server URL (token from PLEX_TOKEN)."),
    self_test: bool = typer.Option(False, "--self-test", help="Open the window, build every tab, print "
                                                               "'self-test ok' and exit (used by CI)."),
) -> None:
    """Open the desktop app: sign in, choose an export, preview the changes, then write them.

    Example: ratings-to-plex gui --file ratings.csv
    """
    from ..gui import run_app

    raise typer.Exit(run_app(url=url, token=os.environ.get("PLEX_TOKEN"), sample_file=file, self_test=self_test))
