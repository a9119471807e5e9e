"""The HTTP transport under every Plex and plex.tv request: retries, redirects, size and time limits, safe XML.

A server — or whatever answers at its address — is not trusted to be polite:

* Retries live in the adapter (urllib3 `Retry`): timeouts, connection errors, 5xx and 429 back off and try again,
  honouring `Retry-After`; other 4xx never do. A scrobble (`/:/scrobble`, which adds a view each time it lands) is
  retried only when it surely never left, since a lost answer does not mean a lost scrobble; `apply` re-reads the
  view count before trying again.
* A redirect is followed only within the same origin (scheme, host, port): `requests` would re-send our custom
  `X-Plex-Token` header to any host a server names, and over plain http when told to.
* Every reply is read with a byte cap and each request (all its retries included) has an overall deadline
  (`watchdog`), so a 1 GB page, an endless or a trickled reply ends with a message, not an exhausted machine.
* Replies are parsed in `replies`: a web page, a cut-off or malformed reply is a server error (exit 3), not a bug.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from requests.sessions import merge_setting
from requests.utils import get_environ_proxies, get_netrc_auth
from urllib3 import exceptions as urllib3_exc
from urllib3.poolmanager import ProxyManager
from urllib3.util.retry import Retry

from ..errors import PlexConnectionError
from ..security import clean_text, redact, strip_credentials
from .watchdog import Watch, current_deadline, watch_pools

_RETRY_STATUSES: Final = (429, 500, 502, 503, 504)
_MAX_RETRY_AFTER_S: Final = 60.0
_READ_CHUNK: Final = 64 * 1024
_NOT_IDEMPOTENT: Final = ("/:/scrobble",)  # each request that lands adds one view


class TransportError(PlexConnectionError, requests.exceptions.RequestException):
    """A reply we refuse to use (redirect elsewhere, too big, too slow, cut short, not Plex XML).

    Also a `RequestException`, so code probing several addresses treats it as "this one does not answer".
    """


class _DeadlinePassed(Exception):
    """Raised inside urllib3's retry loop to stop it once the request's overall deadline has passed."""


def origin(url: str) -> str:
    """`scheme://host:port` of a URL, without credentials, path or query — safe to show."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def shown_url(url: str) -> str:
    """A URL as messages show it: origin and path, never the query (which may carry a token) nor credentials."""
    return clean_text(redact(strip_credentials(origin(url) + urlsplit(url).path)))


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    default = {"http": 80, "https": 443}
    return (pa.scheme.lower() == pb.scheme.lower() and (pa.hostname or "") == (pb.hostname or "")
            and (pa.port or default.get(pa.scheme.lower())) == (pb.port or default.get(pb.scheme.lower())))


def _plextv_hop(a: str, b: str) -> bool:
    """plex.tv moving us between its own https hosts (plex.tv ↔ clients.plex.tv) is not another party."""
    pa, pb = urlsplit(a), urlsplit(b)
    ours = all(h == "plex.tv" or h.endswith(".plex.tv") for h in (pa.hostname or "", pb.hostname or ""))
    return ours and pa.scheme == pb.scheme == "https"


class _CappedRetry(Retry):
    """urllib3's Retry with our limits: a minute at most per wait, none past the deadline, no blind scrobbles."""

    def parse_retry_after(self, retry_after: str) -> float:
        """Also accept fractional seconds (urllib3 takes only whole ones or an HTTP date)."""
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            return float(super().parse_retry_after(retry_after))

    def increment(self, method: Any = None, url: Any = None, response: Any = None, error: Any = None,
                  _pool: Any = None, _stacktrace: Any = None) -> _CappedRetry:
        """Give up at once on a failed certificate (it fails again), past the deadline, and for a scrobble that
        may have reached the server (only a failed connect proves it did not)."""
        if isinstance(error, urllib3_exc.SSLError):
            raise error
        deadline = current_deadline()
        if deadline is not None and time.monotonic() >= deadline:
            raise _DeadlinePassed()
        path = urlsplit(str(url or "")).path
        if path.endswith(_NOT_IDEMPOTENT) and not (error is not None and self._is_connection_error(error)):
            reason = error or urllib3_exc.ResponseError(f"status {getattr(response, 'status', '?')}")
            raise urllib3_exc.MaxRetryError(_pool, url, reason)
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def _left(self) -> float:
        deadline = current_deadline()
        return _MAX_RETRY_AFTER_S if deadline is None else max(0.0, deadline - time.monotonic())

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, _MAX_RETRY_AFTER_S, self._left())

    def get_backoff_time(self) -> float:
        return min(float(super().get_backoff_time()), self._left())


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try, and how much to accept, before a request counts as failed."""

    attempts: int = 5
    backoff_s: float = 0.25
    timeout_s: float = 30.0  # per connect and per read of the socket
    deadline_s: float = 120.0  # one request from first byte sent to last byte read, every retry included
    max_bytes: int = 32 * 1024 * 1024  # a page of 1,000 items is a few MB

    def adapter(self, pool_size: int) -> GuardedAdapter:
        retry = _CappedRetry(
            total=self.attempts, connect=self.attempts, read=self.attempts, status=self.attempts,
            backoff_factor=self.backoff_s, backoff_max=10.0, status_forcelist=_RETRY_STATUSES,
            allowed_methods=None, respect_retry_after_header=True, raise_on_status=False,
        )
        return GuardedAdapter(self, max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter that reads every body itself: capped in bytes, bounded in time, re-fetched when cut short."""

    def __init__(self, policy: RetryPolicy, **kwargs: Any) -> None:
        self.policy = policy
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: bool | str = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        policy, url = self.policy, request.url or ""
        # Only a read is safe to send again after its answer was cut short mid-body.
        tries = 1 + (max(0, policy.attempts) if request.method in ("GET", "HEAD") else 0)
        with Watch(policy.deadline_s) as watch:
            for attempt in range(tries):
                try:
                    response = super().send(request, stream=True, timeout=timeout, verify=verify, cert=cert,
                                            proxies=proxies)
                except _DeadlinePassed:
                    raise self._too_slow(url) from None
                try:
                    response._content = self._read_body(response, url, watch)
                    return response
                except TransportError:
                    raise
                except (urllib3_exc.ProtocolError, urllib3_exc.ReadTimeoutError, urllib3_exc.DecodeError, OSError):
                    response.close()
                    if watch.expired:
                        raise self._too_slow(url) from None
                    if attempt + 1 >= tries:
                        raise TransportError(f"The server at {shown_url(url)} cut its answer short (the connection "
                                             f"closed mid-reply), {attempt + 1} time(s); try again later.") from None
                time.sleep(min(policy.backoff_s * 2 ** attempt, 10.0, max(0.0, watch.deadline - time.monotonic())))
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        watch_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        """Through an HTTP(S) proxy (`HTTPS_PROXY`, …) too, the deadline can cut the connection: requests keeps a
        manager per proxy, whose pools were not the watched ones (a server trickling its headers was never cut)."""
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, ProxyManager):  # not SOCKS: its pools have their own connection class
            watch_pools(manager)
        return manager

    def _read_body(self, response: requests.Response, url: str, watch: Watch) -> bytes:
        """The whole body, refusing more than `max_bytes`; the watch cuts a body that is still coming at the
        deadline (a cut close-delimited body looks complete, hence the check after the last read too)."""
        cap = self.policy.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            response.close()
            raise self._too_big(url, int(declared))
        body = bytearray()
        while True:
            chunk = response.raw.read1(_READ_CHUNK, decode_content=True)
            if watch.expired:
                response.close()
                raise self._too_slow(url)
            if not chunk:
                return bytes(body)
            body += chunk
            if len(body) > cap:
                response.close()
                raise self._too_big(url, None)

    def _too_big(self, url: str, declared: int | None) -> TransportError:
        size = f"{declared / 2**20:,.0f} MB" if declared else f"more than {self.policy.max_bytes // 2**20} MB"
        return TransportError(f"The server at {shown_url(url)} sent {size} in one reply (a Plex reply is far "
                              f"smaller); stopped reading it. Is this really your Plex server?")

    def _too_slow(self, url: str) -> TransportError:
        return TransportError(f"The server at {shown_url(url)} took longer than {self.policy.deadline_s:g} s to "
                              "answer one request (it is sending very slowly or not at all); gave up on it.")


class _NoAuth(AuthBase):
    """No credentials: .netrc had none for this server (so requests does not look again)."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return r


_NO_AUTH: Final = _NoAuth()


class GuardedSession(requests.Session):
    """A requests Session that refuses redirects to another origin and keeps `verify=False` when asked."""

    def __init__(self) -> None:
        super().__init__()
        self._env_cache: dict[tuple[str, str | None], tuple[dict[str, str], str | None, Any]] = {}

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        target = super().get_redirect_target(resp)
        if target is None:
            return None
        here = resp.url or (resp.request.url if resp.request else "") or ""
        there = urljoin(here, target)
        if not (_same_origin(here, there) or _plextv_hop(here, there)):
            if resp.raw is not None:
                resp.close()
            raise TransportError(f"The server at {origin(strip_credentials(here))} redirected to {shown_url(there)}; "
                                 "not following a redirect to another address, since your Plex token would go "
                                 "with it. If that address is really your server, use it as the URL.")
        return target

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        """requests' own merge, with the environment read once per server address for the session's life: it
        decodes every environment variable twice (proxies, then the no_proxy check) on every request, about a
        fifth of a write's client CPU. `verify=False` survives REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE (psf/requests#3829).
        """
        if self.trust_env:
            env_proxies, bundle, _ = self._environment(str(url), proxies.get("no_proxy") if proxies else None)
            if proxies is not None:
                for key, value in env_proxies.items():
                    proxies.setdefault(key, value)
            if verify is True or verify is None:
                verify = bundle or verify
        settings = {"proxies": merge_setting(proxies, self.proxies), "stream": merge_setting(stream, self.stream),
                    "verify": merge_setting(verify, self.verify), "cert": merge_setting(cert, self.cert)}
        if self.verify is False:
            settings["verify"] = False
        return settings

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        """requests looks for ~/.netrc (three stat calls) on every request: looked up once per server address."""
        if self.trust_env and not request.auth and not self.auth:
            request.auth = self._environment(str(request.url), None)[2] or _NO_AUTH
        return super().prepare_request(request)

    def _environment(self, url: str, no_proxy: str | None) -> tuple[dict[str, str], str | None, Any]:
        """(proxies from the environment, CA bundle from the environment, .netrc credentials) for `url`'s server."""
        end = url.find("/", url.find("//") + 2)
        key = (url if end < 0 else url[:end], no_proxy)  # scheme://netloc (and maybe more), without a urlsplit
        found = self._env_cache.get(key)
        if found is None:
            found = (get_environ_proxies(url, no_proxy=no_proxy),
                     os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE"), get_netrc_auth(url))
            self._env_cache[key] = found
        return found


def make_session(*, verify: bool = True, retry: RetryPolicy | None = None, pool_size: int = 16) -> requests.Session:
    """The session every Plex and plex.tv call uses."""
    session = GuardedSession()
    session.verify = verify
    adapter = (retry or RetryPolicy()).adapter(pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
