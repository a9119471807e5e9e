"""Network stand-ins for tests, on 127.0.0.1 only: what a user's real network can do that the emulator does not."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler


def closed_port() -> int:
    """A 127.0.0.1 port nobody listens on (bound for a moment, then let go): a server that is down, refusing."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def listening(on_connection: Callable[[socket.socket], None]) -> Iterator[int]:
    """A listener on 127.0.0.1 that hands every accepted connection to `on_connection` (on its accepting thread);
    yields its port; stops accepting and closes the listener on exit."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            on_connection(client)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(2)
        listener.close()


@contextmanager
def never_answering() -> Iterator[str]:
    """A server that accepts every connection and never answers a byte (a hung server, a wrong port behind a
    firewall that holds connections): yields its `127.0.0.1:port`; closes every held connection on exit."""
    held: list[socket.socket] = []
    try:
        with listening(held.append) as port:
            yield f"127.0.0.1:{port}"
    finally:
        for conn in held:
            conn.close()


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


@contextmanager
def forwarding_proxy() -> Iterator[str]:
    """A plain HTTP proxy on 127.0.0.1 (what `HTTP_PROXY=http://…` points at): takes absolute-URI requests, sends them
    on to their 127.0.0.1 host and relays the answer byte for byte, as it comes. Yields its URL; counts requests in
    `forwarding_proxy.seen` (a list of request lines)."""
    from urllib.parse import urlsplit

    seen: list[str] = []
    forwarding_proxy.seen = seen  # type: ignore[attr-defined]

    def relay(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def handle(client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head and (chunk := client.recv(65536)):
            head += chunk
        line, _, rest = head.partition(b"\r\n")
        method, target, version = line.decode("latin-1").split(" ", 2)
        seen.append(f"{method} {target}")
        parts = urlsplit(target)
        if parts.hostname != "127.0.0.1":  # tests never leave loopback
            client.close()
            return
        upstream = socket.create_connection(("127.0.0.1", parts.port or 80))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = [h for h in rest.split(b"\r\n") if not h.lower().startswith((b"connection:", b"proxy-connection:"))]
        body_start = headers.index(b"")  # one request per connection (each is seen): the server closes after it
        headers[body_start:body_start] = [b"Connection: close"]
        upstream.sendall(f"{method} {path} {version}\r\n".encode("latin-1") + b"\r\n".join(headers))
        threading.Thread(target=relay, args=(client, upstream), daemon=True).start()
        relay(upstream, client)

    with listening(lambda client: threading.Thread(target=handle, args=(client,), daemon=True).start()) as port:
        yield f"http://127.0.0.1:{port}"
