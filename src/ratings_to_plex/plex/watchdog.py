"""The overall deadline of one request, enforced by cutting its connection when the time is up.

A socket timeout bounds each read, not a request: a server trickling one byte every few seconds — in its status line,
its headers or its body — never trips it. So each request sent through `http.GuardedAdapter` runs under a `Watch`:
the connection it uses registers itself when the request goes out, and when the deadline passes the watch shuts that
socket down, which ends the blocked read at once (urllib3 then sees a dropped connection and `http` reports it as a
request that took too long).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType
from typing import Any, Final

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

_local = threading.local()  # the watch of the request this thread is sending (requests is synchronous)

_TICK_S: Final = 0.25  # how often the patrol looks for requests past their deadline


class Watch:
    """While active, the connection of the current request is shut down once `seconds` have passed (again on every
    tick while it goes on, which also catches a connection opened after the deadline)."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self._conn: HTTPConnection | None = None
        self._lock = threading.Lock()

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def attach(self, conn: HTTPConnection) -> None:
        """Called by the connection as it sends (each retry may use another one)."""
        with self._lock:
            self._conn = conn

    def cut(self) -> None:
        with self._lock:
            sock = getattr(self._conn, "sock", None)
        if not isinstance(sock, socket.socket):  # TLS inside TLS (an https:// proxy): urllib3's SSLTransport
            sock = getattr(sock, "socket", None)
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> Watch:
        _local.watch = self
        _patrol.add(self)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        _patrol.remove(self)
        with self._lock:
            self._conn = None
        _local.watch = None


class _Patrol:
    """One daemon thread for every watch (not a timer thread per request: a run sends tens of thousands)."""

    def __init__(self) -> None:
        self._active: dict[int, Watch] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, watch: Watch) -> None:
        with self._lock:
            self._active[id(watch)] = watch
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="r2p-deadlines", daemon=True)
                self._thread.start()

    def remove(self, watch: Watch) -> None:
        with self._lock:
            self._active.pop(id(watch), None)

    def _run(self) -> None:
        while True:
            time.sleep(_TICK_S)
            now = time.monotonic()
            with self._lock:
                due = [w for w in self._active.values() if w.deadline <= now]
            for watch in due:
                watch.cut()


_patrol = _Patrol()


def current_deadline() -> float | None:
    """The deadline (monotonic) of the request this thread is sending, if it runs under a watch."""
    watch: Watch | None = getattr(_local, "watch", None)
    return None if watch is None else watch.deadline


def _attach(conn: HTTPConnection) -> None:
    watch: Watch | None = getattr(_local, "watch", None)
    if watch is not None:
        watch.attach(conn)


class _WatchedHTTPConnection(HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach(self)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach(self)
        super().request(*args, **kwargs)


class _WatchedPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def watch_pools(manager: PoolManager) -> None:
    """Make `manager` open connections that register with the current request's `Watch`."""
    manager.pool_classes_by_scheme = {"http": _WatchedPool, "https": _WatchedHTTPSPool}
