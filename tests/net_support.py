"""Network stand-ins for tests, on 127.0.0.1 only: what a user's real network can do that the emulator does not."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler


def closed_port() -> int:
    """A 127.0.0.1 port nobody listens on (bound for a moment, then let go): a server that is down, refusing."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def never_answering() -> Iterator[str]:
    """A server that accepts every connection and never answers a byte (a hung server, a wrong port behind a
    firewall that holds connections): yields its `127.0.0.1:port`; closes every held connection on exit."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


def fixed_reply(status: int, content_type: str, body: bytes) -> type[BaseHTTPRequestHandler]:
    """A request handler (for http.server) that answers every GET with this one reply and logs nothing: a router's
    login page, a 404 from another web server, a bare Plex root behind TLS."""

    class FixedReply(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return FixedReply
