"""Running the web app under uvicorn on a socket we bind ourselves.

Binding first lets `--port 0` print the real port on the `URL:` line before anything else, and makes "address in
use" a plain one-line error instead of a uvicorn traceback.
"""

from __future__ import annotations

import errno
import logging
import socket
import sys
from types import FrameType

from ..errors import UsageError
from .settings import WebSettings


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (IPv6 when the host is an IPv6 address)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"Port {port} on {host} is already in use: pick another with --port "
                             "(or --port 0 for a free one).") from None
        raise UsageError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_for(host: str, port: int) -> str:
    shown = f"[{host.strip('[]')}]" if ":" in host.strip("[]") else host
    return f"http://{shown}:{port}/"


def serve(settings: WebSettings) -> int:
    """Serve until SIGINT/SIGTERM; returns the exit code."""
    import uvicorn

    from .server import create_app, stop_streams

    sock = bind(settings.host, settings.port)
    port = int(sock.getsockname()[1])
    print(f"URL: {url_for(settings.host, port)}", flush=True)
    if settings.access_token is None:
        print("Listening on loopback only; no access token needed.", file=sys.stderr, flush=True)
    app = create_app(settings)
    _quiet_logging()
    config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=3, server_header=False)

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            stop_streams(app)  # open progress streams end now instead of holding the shutdown up
            super().handle_exit(sig, frame)

    try:
        Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the stop signal once it has shut down cleanly
        pass
    finally:
        sock.close()
    return 0


def _quiet_logging() -> None:
    """Warnings and errors on stderr, every line through the token-redacting filter; no access log (URLs carry
    the CSRF token of uploads)."""
    from ..security import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
