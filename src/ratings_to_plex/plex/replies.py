"""Reading a Plex reply: XML parsed safely (no entities), and anything that is not Plex XML is a server error.

A web page (a proxy's or router's login page answering 200), malformed or cut-off XML and a root other than
`MediaContainer` become a `TransportError` (exit 3, a plain message) instead of a parser traceback or — for a
well-formed web page — an "empty library". `SafePlexServer` routes every plexapi request through `parse_reply`.
"""

from __future__ import annotations

from typing import Any, Final
from xml.etree import ElementTree as fast_xml
from xml.etree.ElementTree import Element, ParseError

import requests
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as safe_xml
from plexapi.exceptions import BadRequest, NotFound, Unauthorized
from plexapi.server import PlexServer
from plexapi.utils import cleanXMLString
from requests.status_codes import _codes as codes

from ..security import clean_text
from .http import TransportError, shown_url

_MALFORMED_TRIES: Final = 3
_UTF16_32: Final = (b"\xff\xfe", b"\xfe\xff")


def _fromstring(body: bytes) -> Element:
    """defusedxml's guarantees at the C parser's speed. Entities can only be declared in a DTD, so a reply carrying
    one (Plex never sends one) goes through defusedxml, which refuses them — as does a UTF-16/32 reply, where that
    search cannot see a DTD; any other reply is parsed by the C parser, which builds a 1,000-item page in about half
    the time of defusedxml's Python tree builder."""
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body or body[:2] in _UTF16_32 or b"\x00" in body[:4]:
        root: Element = safe_xml.fromstring(body)
        return root
    return fast_xml.fromstring(body)


def parse_reply(response: requests.Response) -> Element | None:
    """A Plex reply's XML root (None for an empty body), no entity expanded; anything else is a `TransportError`.

    Real servers sometimes put characters XML forbids into titles: like plexapi, we strip those and parse again.
    """
    body = response.content
    if not body.strip():
        return None
    where = shown_url(response.url or "")
    if "html" in response.headers.get("Content-Type", "").lower() or body.lstrip()[:5].lower() in (b"<!doc", b"<html"):
        raise TransportError(f"The server at {where} answered with a web page instead of Plex data: is the URL "
                             "your Plex server (and not a proxy's or router's login page)?")
    root: Element
    try:
        try:
            root = _fromstring(body)
        except ParseError:
            root = _fromstring(cleanXMLString(body.decode("utf-8", "replace")).encode("utf-8"))
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise TransportError(f"The server at {where} sent a reply that is not valid Plex XML "
                             f"({clean_text(str(exc))[:80]}); it may be cut short or not a Plex server.") from None
    if root.tag != "MediaContainer":
        raise TransportError(f"The server at {where} sent <{clean_text(root.tag)[:40]}> where Plex sends a "
                             "MediaContainer: is this URL really a Plex server?")
    return root


class SafePlexServer(PlexServer):
    """plexapi's PlexServer, with every reply parsed by `parse_reply` and error bodies cleaned of escapes.

    A read that came back malformed is asked again (a proxy hiccup), a write never is.
    """

    def query(self, key: str, method: Any = None, headers: Any = None, params: Any = None, timeout: Any = None,
              **kwargs: Any) -> Element | None:
        url = self.url(key)
        method = method or self._session.get
        timeout = timeout or self._timeout
        headers = self._headers(**headers or {})
        # Ask again for a read that came back malformed; never for a write (`/:/…`, GET or not).
        tries = _MALFORMED_TRIES if getattr(method, "__name__", "") == "get" and not key.startswith("/:/") else 1
        for attempt in range(tries):
            response = method(url, headers=headers, params=params, timeout=timeout, **kwargs)
            if response.status_code not in (200, 201, 204):
                name = codes.get(response.status_code, ("unknown",))[0]
                message = (f"({response.status_code}) {name}; {shown_url(response.url or url)} "
                           f"{clean_text(response.text)[:200]}")
                raise {401: Unauthorized, 404: NotFound}.get(response.status_code, BadRequest)(message)
            try:
                return parse_reply(response)
            except TransportError:
                if attempt + 1 >= tries:
                    raise
        return None  # pragma: no cover - the loop returns or raises
