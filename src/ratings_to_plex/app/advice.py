"""An error's advice in the words of the interface that shows it.

An error's own text (`str(exc)`) is worded for the command line: "pass a valid --token", "add --mark-watched". The
desktop app has no options, it has tabs and buttons, so an error that says what to do carries a `reason` code and
its `fields` (`errors.RatingsToPlexError`), and each interface words it here. An error without a reason, or with
one an interface does not word, is shown as it is (its text already reads well anywhere).
"""

from __future__ import annotations

from typing import Final, Literal

from ..errors import RatingsToPlexError
from ..security import redact

Interface = Literal["cli", "gui"]

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
_WORDING: Final[dict[str, dict[str, str]]] = {"gui": _GUI}


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
