"""The emulator: a threaded stdlib HTTP server speaking enough of Plex (PMS + plex.tv) for unmodified plexapi.

Every request is counted, token-checked, delayed by the configured latency and possibly faulted before its
handler runs; the order matters so tests can assert "N requests reached the server" even when faults hit them.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .context import Context, Request, Response
from .counters import Counters
from .discover import PREFIX as DISCOVER_PREFIX
from .discover import DiscoverService, service
from .faults import FaultConfig
from .library import ItemState, Library
from .routes import dispatch, metadata_pattern, resolve

log = logging.getLogger(__name__)

_UNAUTHORIZED = b"<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>"


@dataclass
class EmulatorConfig:
    """How to build and run an emulator; `token=None` picks a random one, `port=0` a free port."""

    movies: int = 200
    shows: int = 20
    episodes_per_show: int = 6
    seed: int = 1
    demo: bool = False
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    port: int = 0
    token: str | None = None
    host: str = "127.0.0.1"
    retry_after: float = 1.0
    pin_expires_s: int = 1800
    extra_resources: int = 0
    server_name: str = "Plex Emulator"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real PMS; every response carries Content-Length
    disable_nagle_algorithm = True  # else each response with a body stalls ~40 ms on delayed ACKs
    timeout = 120  # idle keep-alive connections eventually free their thread
    server: _Server

    def do_GET(self) -> None:
        self._handle()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.client_address[0], *args)

    def _handle(self) -> None:
        ctx = self.server.ctx
        url = urlsplit(self.path)
        path = unquote(url.path) or "/"
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        length = int(headers.get("content-length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        req = Request(self.command, path, query, headers, body)
        found = resolve(self.command, path)
        route, params = found if found else (None, {})
        counted = route is None or not route.control
        if counted:
            ctx.counters.add(self.command, route.pattern if route else metadata_pattern(path))
        if counted and ctx.faults.latency_ms > 0:
            time.sleep(ctx.faults.latency_ms / 1000)
        if (route is None or route.auth) and not ctx.token_ok(req.param("X-Plex-Token"),
                                                             plextv=path.startswith("/api/")):
            self._send(Response(401, _UNAUTHORIZED, "text/html"))
            return
        if counted and self._fault(ctx, path):
            return
        if ctx.faults.hostile is not None and ctx.faults.hostile.handle(self, ctx, route, params, req):
            return
        if route is None:
            self._send(Response(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html"))
            return
        try:
            response = dispatch(ctx, route, params, req)
        except Exception:  # a handler bug must show up as a 500, not a dropped connection
            log.exception("emulator handler failed for %s %s", self.command, self.path)
            response = Response(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>", "text/html")
        self._send(response)

    def _fault(self, ctx: Context, path: str) -> bool:
        """Maybe inject a fault; True when the request has been fully answered (or dropped)."""
        faults = ctx.faults
        kind = faults.choose(path)
        if kind is None:
            return False
        ctx.counters.add_fault(kind)
        if kind == "slow":
            time.sleep(faults.slow_seconds)
            return False
        if kind == "reset":
            self._reset()
            return True
        status = int(kind)
        extra = {"Retry-After": _fmt_seconds(faults.retry_after)} if status == 429 else {}
        self._send(Response(status, f"<html><body><h1>{status} injected fault</h1></body></html>".encode(),
                            "text/html", extra))
        return True

    def _reset(self) -> None:
        """Drop the connection with a TCP RST and no response, like a crashed or overloaded server."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _send(self, response: Response) -> None:
        self.server.ctx.counters.add_status(response.status)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Plex-Protocol", "1.0")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)


def _fmt_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], ctx: Context) -> None:
        self.ctx = ctx
        self.open_sockets: set[socket.socket] = set()
        self._sock_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._sock_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._sock_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def close_open_sockets(self) -> None:
        """Cut keep-alive connections so a stopped emulator really stops answering."""
        with self._sock_lock:
            socks = list(self.open_sockets)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, OSError)):
            return  # clients hanging up (or our own injected resets) are not errors
        super().handle_error(request, client_address)


class Emulator:
    """A running (or startable) emulator; use as a context manager or call start()/stop()."""

    def __init__(self, config: EmulatorConfig | None = None, library: Library | None = None) -> None:
        self.config = config = config or EmulatorConfig()
        if library is None:
            from .demo_data import demo_library
            from .generator import generate_library

            library = demo_library() if config.demo else generate_library(
                config.movies, config.shows, config.episodes_per_show, config.seed)
        self.library = library
        self.counters = Counters()
        self.faults = FaultConfig.spread(config.fault_rate, latency_ms=config.latency_ms, seed=config.seed)
        self.faults.retry_after = config.retry_after
        self.ctx = Context(library, config.token or secrets.token_urlsafe(20), self.counters, self.faults,
                           seed=config.seed, server_name=config.server_name, pin_expires_s=config.pin_expires_s,
                           extra_resources=config.extra_resources)
        self.discover: DiscoverService = service(self.ctx)  # Plex Discover, served under /discover
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> Emulator:
        """Bind and serve in a background daemon thread; returns self."""
        if self._server is not None:
            return self
        self._server = _Server((self.config.host, self.config.port), self.ctx)
        self.ctx.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"plex-emulator-{self.ctx.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_open_sockets()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("emulator not started")
        return self.ctx.base_url

    @property
    def discover_url(self) -> str:
        """Where the Discover side answers: what RATINGS_TO_PLEX_DISCOVER_URL should say."""
        return self.url + DISCOVER_PREFIX

    @property
    def port(self) -> int:
        return self.ctx.port

    # -- token and pins --------------------------------------------------------------------------------------
    @property
    def token(self) -> str:
        """The one valid token (empty string after revoke_token)."""
        return self.ctx.token or ""

    def revoke_token(self) -> None:
        """Make every authenticated request fail with 401 from now on."""
        self.ctx.token = None

    def set_token(self, token: str) -> None:
        self.ctx.token = token

    def approve_pin(self, pin_id: int) -> bool:
        """Link a PIN as if the user approved it in the browser; False if unknown or expired."""
        return self.ctx.approve_pin(int(pin_id))

    def approve_all_pins(self) -> int:
        return self.ctx.approve_all()

    def pin_ids(self) -> list[int]:
        return list(self.ctx.pins)

    # -- assertions ------------------------------------------------------------------------------------------
    def state(self) -> dict[int, ItemState]:
        """User state of every item (seasons and episodes included), for assertions."""
        return self.library.state()

    @property
    def machine_identifier(self) -> str:
        return self.ctx.machine_id
