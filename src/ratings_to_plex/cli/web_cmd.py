"""`web`: serve the browser UI (for a NAS or any headless box) until Ctrl-C or SIGTERM."""

from __future__ import annotations

from pathlib import Path

import typer

from .app import app, err, friendly_errors


@app.command()
@friendly_errors
def web(
    host: str = typer.Option("127.0.0.1", "--host", envvar="RATINGS_TO_PLEX_HOST",
                             help="Address to listen on; anything but loopback needs an access token."),
    port: int = typer.Option(8765, "--port", min=0, max=65535, envvar="RATINGS_TO_PLEX_PORT",
                             help="Port (0: a free one, printed on the URL line)."),
    access_token_file: Path = typer.Option(None, "--access-token-file", envvar="RATINGS_TO_PLEX_ACCESS_TOKEN_FILE",
                                           help="File whose first line is the access token (at least 16 "
                                                "characters); or set RATINGS_TO_PLEX_WEB_TOKEN."),
    import_dir: Path = typer.Option(None, "--import-dir", envvar="RATINGS_TO_PLEX_IMPORT_DIR",
                                    help="A folder of exports the page offers to pick from."),
    max_upload_mb: float = typer.Option(None, "--max-upload-mb", min=0.001,
                                        envvar="RATINGS_TO_PLEX_WEB_MAX_UPLOAD_MB",
                                        help="Largest upload accepted, in MB (default 50)."),
    workers: int = typer.Option(16, "--workers", min=1, max=64, envvar="RATINGS_TO_PLEX_WORKERS",
                                help="Concurrent requests to the Plex server while writing."),
    insecure: bool = typer.Option(False, "--insecure-skip-tls-verify",
                                  envvar="RATINGS_TO_PLEX_INSECURE_SKIP_TLS_VERIFY",
                                  help="Do not check Plex servers' TLS certificates (self-signed local servers "
                                       "only)."),
) -> None:
    """Serve the web UI; prints `URL: http://HOST:PORT/` first, then serves until Ctrl-C.

    Example: RATINGS_TO_PLEX_WEB_TOKEN=$(cat token.txt) ratings-to-plex web --host 0.0.0.0
    """
    from ..web.settings import build_settings

    settings = build_settings(host, port, access_token_file, import_dir=import_dir, max_upload_mb=max_upload_mb,
                              workers=workers, verify_tls=not insecure)
    if insecure:
        err.print("warning: TLS certificate verification is OFF for Plex servers.", markup=False)
    from ..web.serve import serve

    raise typer.Exit(serve(settings))
