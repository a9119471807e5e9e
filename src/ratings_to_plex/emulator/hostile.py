"""A hostile emulator: the attacks a server, or whatever answers at its address, can make on a client.

Set `emu.faults.hostile = Hostile(Attack.HUGE, paths=("/library/sections/",))` on a running emulator: requests whose
path starts with one of `paths` (at most `times` of them, all when None) get the attack instead of a normal answer.
`TokenTrap` is the "other host" a redirect points at; it records every token that reaches it.

Each attack reproduces one way a hostile server used to exhaust, hang, mislead or rob the client (issue 17).
"""

from __future__ import annotations

import contextlib
import enum
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from .context import XML_TYPE, Context, Request, Response
from .routes import Route, dispatch

_CHUNK = b" " * 65536
_LIMIT = 8 * 2**30  # even an "endless" body ends somewhere, should the client never hang up
_ESCAPE_BODY = (b"<html><body>\x1b[2J\x1b]0;pwned\x07\x1b[31mBad request\x1b[0m\r\nFAKE LOG LINE: token=abc"
                b"\x9b1m\xe2\x80\xae</body></html>")


class Attack(enum.Enum):
    REDIRECT = "redirect"  # 307 to `target` + the same path and query
    HUGE = "huge"  # Content-Length: `size`, then blanks until the client hangs up
    ENDLESS = "endless"  # chunked blanks forever, no length announced
    TRICKLE = "trickle"  # the real reply, one byte every `interval_s`
    TRICKLE_HEAD = "trickle_head"  # the status line and headers, one byte every `interval_s`
    TOTAL_SIZE = "total_size"  # the real reply with totalSize="`total`"
    MALFORMED = "malformed"  # 200 with XML that does not parse
    HTML = "html"  # 200 with a (well-formed) login web page
    TRUNCATED = "truncated"  # announces the real length, sends half, closes
    BAD_RATING_KEY = "bad_rating_key"  # the real reply with every ratingKey made non-numeric
    LOST_REPLY = "lost_reply"  # the request is applied, then the connection drops without an answer
    ESCAPES = "escapes"  # 400 with a body full of terminal escape sequences
    RAW = "raw"  # 200 with `body`, whatever it holds (an entity bomb, say)


@dataclass
class Hostile:
    """One attack, on the requests whose path starts with one of `paths`; `hits` counts the requests attacked."""

    attack: Attack
    paths: tuple[str, ...] = ("/",)
    times: int | None = None
    target: str = ""
    size: int = 2**30
    interval_s: float = 5.0
    total: int = 10**12
    body: bytes = b""
    once_per_key: bool = True  # LOST_REPLY: only the first request per `key` loses its answer (the retry gets one)
    hits: int = 0
    _seen: set[str] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _take(self, req: Request) -> bool:
        if not any(req.path.startswith(p) for p in self.paths):
            return False
        with self._lock:
            if self.attack is Attack.LOST_REPLY and self.once_per_key:
                key = req.query.get("key", req.path)
                if key in self._seen:
                    return False
                self._seen.add(key)
            if self.times is not None and self.hits >= self.times:
                return False
            self.hits += 1
            return True

    def handle(self, handler: BaseHTTPRequestHandler, ctx: Context, route: Route | None, params: dict[str, str],
               req: Request) -> bool:
        """Answer `req` with the attack; False when this request is not attacked (answer it normally)."""
        if not self._take(req):
            return False
        real = (lambda: dispatch(ctx, route, params, req)) if route is not None else (lambda: Response(404))
        with contextlib.suppress(OSError):  # the client hanging up mid-attack is the point of most of them
            _ATTACKS[self.attack](self, handler, real)
        handler.close_connection = True
        return True


def _head(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str]) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str = XML_TYPE) -> None:
    _head(handler, status, {"Content-Type": content_type, "Content-Length": str(len(body)), "Connection": "close"})
    handler.wfile.write(body)


def _redirect(h: Hostile, handler: BaseHTTPRequestHandler, real: Any) -> None:
    _head(handler, 307, {"Location": h.target.rstrip("/") + handler.path, "Content-Length": "0",
                         "Connection": "close"})


def _huge(h: Hostile, handler: BaseHTTPRequestHandler, real: Any) -> None:
    _head(handler, 200, {"Content-Type": XML_TYPE, "Content-Length": str(h.size)})
    handler.wfile.write(b"<MediaContainer>")
    sent = 16
    while sent < h.size:
        piece = _CHUNK[: h.size - sent]
        handler.wfile.write(piece)
        sent += len(piece)


def _endless(h: Hostile, handler: BaseHTTPRequestHandler, real: Any) -> None:
    _head(handler, 200, {"Content-Type": XML_TYPE, "Transfer-Encoding": "chunked"})
    frame = b"%x\r\n" % len(_CHUNK) + _CHUNK + b"\r\n"
    handler.wfile.write(b"10\r\n<MediaContainer>\r\n")
    for _ in range(_LIMIT // len(_CHUNK)):
        handler.wfile.write(frame)


def _trickle(h: Hostile, handler: BaseHTTPRequestHandler, real: Any) -> None:
    response = real()
    _head(handler, response.status, {"Content-Type": response.content_type,
                                     "Content-Length": str(len(response.body))})
    for i in range(len(response.body)):
        handler.wfile.write(response.body[i:i + 1])
        handler.wfile.flush()
        time.sleep(h.interval_s)


def _trickle_head(h: Hostile, handler: BaseHTTPRequestHandler, real: Any) -> None:
    head = b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-Padding-%d: %s\r\n" % (i, b"x" * 60) for i in range(60))
    for i in range(len(head)):
        handler.wfile.write(head[i:i + 1])
        handler.wfile.flush()
        time.sleep(h.interval_s)


def _total_size(h: Hostile, handler: BaseHTTPRequestHandler, real: Any) -> None:
    response = real()
    body = re.sub(rb'totalSize="\d+"', b'totalSize="%d"' % h.total, response.body)
    if b"totalSize=" not in body:
        body = body.replace(b"<MediaContainer ", b'<MediaContainer totalSize="%d" ' % h.total, 1)
    _send(handler, response.status, body, response.content_type)


def _malformed(h: Hostile, handler: BaseHTTPRequestHandler, real: Any) -> None:
    _send(handler, 200, b'<?xml version="1.0"?><MediaContainer size="3"><Video ratingKey="1" title="A & B">'
                        b"</MediaContainer>")


def _html(h: Hostile, handler: BaseHTTPRequestHandler, real: Any) -> None:
    _send(handler, 200, b"<html><head><title>Sign in</title></head><body><form>Router login</form></body></html>",
          "text/html; charset=utf-8")


def _truncated(h: Hostile, handler: BaseHTTPRequestHandler, real: Any) -> None:
    body = real().body or b"<MediaContainer/>"
    _head(handler, 200, {"Content-Type": XML_TYPE, "Content-Length": str(len(body)), "Connection": "close"})
    handler.wfile.write(body[: len(body) // 2])
    handler.wfile.flush()


def _bad_rating_key(h: Hostile, handler: BaseHTTPRequestHandler, real: Any) -> None:
    response = real()
    _send(handler, response.status, re.sub(rb'ratingKey="(\d+)"', rb'ratingKey="x\1"', response.body),
          response.content_type)


def _lost_reply(h: Hostile, handler: BaseHTTPRequestHandler, real: Any) -> None:
    real()  # applied on the server…
    handler.close_connection = True  # …and the answer never arrives (TCP RST)
    with contextlib.suppress(OSError):
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()


def _escapes(h: Hostile, handler: BaseHTTPRequestHandler, real: Any) -> None:
    _send(handler, 400, _ESCAPE_BODY, "text/html")


def _raw(h: Hostile, handler: BaseHTTPRequestHandler, real: Any) -> None:
    _send(handler, 200, h.body)


_ATTACKS = {
    Attack.REDIRECT: _redirect, Attack.HUGE: _huge, Attack.ENDLESS: _endless, Attack.TRICKLE: _trickle,
    Attack.TRICKLE_HEAD: _trickle_head,
    Attack.TOTAL_SIZE: _total_size, Attack.MALFORMED: _malformed, Attack.HTML: _html, Attack.TRUNCATED: _truncated,
    Attack.BAD_RATING_KEY: _bad_rating_key, Attack.LOST_REPLY: _lost_reply, Attack.ESCAPES: _escapes,
    Attack.RAW: _raw,
}


class _TrapHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _TrapServer

    def do_GET(self) -> None:
        self.server.trap.record(self.headers.get("X-Plex-Token"), self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b'<?xml version="1.0"?><MediaContainer size="0"/>'
        self.send_response(200)
        self.send_header("Content-Type", XML_TYPE)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_PUT = do_POST = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _TrapServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, trap: TokenTrap) -> None:
        self.trap = trap
        super().__init__(("127.0.0.1", 0), _TrapHandler)


class TokenTrap:
    """Another host on loopback that answers everything with an empty MediaContainer and records what it got."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self._server = _TrapServer(self)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name="token-trap")

    def record(self, token: str | None, path: str) -> None:
        with self._lock:
            self.paths.append(path)
            if token:
                self.tokens.append(token)

    def __enter__(self) -> TokenTrap:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
