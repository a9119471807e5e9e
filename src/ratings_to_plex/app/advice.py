"""An error's advice in the words of the interface that shows it.

An error's own text (`str(exc)`) is worded for the command line: "pass a valid --token", "add --mark-watched". The
desktop app and the web UI have no options, they have tabs, steps and buttons, so an error that says what to do
carries a `reason` code and its `fields` (`errors.RatingsToPlexError`), and each interface words it here. An error
without a reason, or with one an interface does not word, is shown as it is (its text already reads well anywhere).
"""

from __future__ import annotations

from typing import Final, Literal

from ..errors import RatingsToPlexError
from ..security import redact

Interface = Literal["cli", "gui", "web"]

_GUI: Final = {
    "token_rejected": "Plex at {where} rejected the token: sign in again with Login to Plex on the Login tab, or "
                      "paste a valid token under Connect by URL + token.",
    "tls_failed": "The TLS certificate check failed for {where}. If this is your own server with a self-signed "
                  "certificate, connect to it with http:// instead (on your home network).",
    "choose_library": "Choose a library on the Login tab (one of: {names}), or tick Search ALL libraries.",
    "watched_only": "{file} lists watched films without ratings: tick \"Mark watched if rating imported\" on the "
                    "Options tab to mark them watched, or choose your ratings.csv or diary.csv on the Source tab.",
    "not_signed_in": "Not signed in: press Login to Plex on the Login tab, or connect by URL + token.",
    "not_text": "{file} is not a text export (it contains NUL bytes): choose the ratings CSV, ZIP or JSON file "
                "itself on the Source tab.",
}
_WEB: Final = {
    "token_rejected": "Plex at {where} rejected the token: sign in again with Sign in with Plex (step 1), or enter "
                      "a valid Plex token with the server URL there.",
    "tls_failed": "The TLS certificate check failed for {where}. If this is your own server with a self-signed "
                  "certificate, connect to it with an http:// Server URL instead (on your home network).",
    "choose_library": "Choose a library under Libraries in step 3 (one of: {names}), or choose All movie and TV "
                      "libraries.",
    "watched_only": "{file} lists watched films without ratings: tick \"Also mark as watched\" in step 3 to mark "
                    "them watched, or upload your ratings.csv or diary.csv in step 2.",
    "not_signed_in": "Not signed in: press Sign in with Plex (step 1), or connect with a server URL and a Plex token.",
    "not_text": "{file} is not a text export (it contains NUL bytes): upload the ratings CSV, ZIP or JSON file "
                "itself in step 2.",
}
_WORDING: Final[dict[str, dict[str, str]]] = {"gui": _GUI, "web": _WEB}


def advise(reason: str, interface: Interface, **fields: str) -> str:
    """Advice by reason code before anything failed (e.g. when a file is chosen that a run would refuse)."""
    return worded(RatingsToPlexError("", reason=reason, **fields), interface)


def worded(exc: RatingsToPlexError, interface: Interface) -> str:
    """The error's message for `interface`; never the token."""
    template = _WORDING.get(interface, {}).get(exc.reason or "")
    if template is None:
        return redact(str(exc))
    try:
        return redact(template.format(**exc.fields))
    except (KeyError, IndexError):  # a field the raiser did not give: its own text still says what happened
        return redact(str(exc))
