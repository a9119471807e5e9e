"""Which Plex account a connection acts as when it is the signed-in account itself (issue 16), so that a second Plex
account signing in under the same OS user, on the same server, is not taken for the first by undo and resume.

How the account is known, best first:
- Signed in through plex.tv (a server from the account's list): the account's uuid from plex.tv's `GET /api/v2/user`
  — the answer the server list already fetched, so it costs no extra request.
- A bare URL + token: nothing is asked of plex.tv (the server may be on a network without internet, and the token
  may be one plex.tv does not know). The account is the uuid learned earlier for this very token (kept in
  `accounts.json` beside the journal), else the token's fingerprint: `token:` + HMAC-SHA256 of the token under a
  fixed key, cut to 24 hex digits. One-way — the token is never stored, and being ~20 random characters it cannot be
  guessed back from it. The key is fixed rather than per installation: a reset settings folder must not turn every
  earlier run into "another account's".

The rule stays on the safe side: a run made by URL with one token is refused to another token whose account is not
known to be the same one (sign in, or use the run's token, to change it); it is never written as someone else.
Runs journaled before accounts were recorded (no account) stay the signed-in account's, as they always were.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Final

from ..errors import RatingsToPlexError
from ..plex.credentials import load_token
from ..plex.servers import account_uuid
from ..security import private_dir

_KEY: Final = b"ratings-to-plex/account-fingerprint/v1"
PREFIX: Final = "token:"


def fingerprint(token: str) -> str:
    """`token:` + 24 hex digits, the same for the same token on every installation; never the token itself."""
    return PREFIX + hmac.new(_KEY, token.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


class AccountBook:
    """Token fingerprint → plex.tv account uuid, as this installation has learned them (a small 0600 JSON file)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # none yet, or unreadable: learned again at the next sign-in
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def learn(self, token: str, uuid: str) -> None:
        """Remember that `token` is account `uuid` (written atomically; a failure to write only costs the memory)."""
        key = fingerprint(token)
        with self._lock:
            known = self._read()
            if not uuid or known.get(key) == uuid:
                return
            known[key] = uuid
            with contextlib.suppress(OSError):
                folder = private_dir(self.path.parent)
                fd, temp = tempfile.mkstemp(dir=folder, prefix=".accounts-", suffix=".json")
                try:
                    with os.fdopen(fd, "w", encoding="utf-8") as fh:
                        json.dump(known, fh, sort_keys=True)
                    os.replace(temp, self.path)
                finally:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(temp)

    def identify(self, token: str, uuid: str | None = None) -> tuple[str, str]:
        """(account id, token id) for a connection as the signed-in account: the uuid when given or learned for this
        token (given ones are learned), else the token's fingerprint; the token id is always the fingerprint."""
        token_id = fingerprint(token)
        if uuid:
            self.learn(token, uuid)
            return uuid, token_id
        with self._lock:
            return self._read().get(token_id) or token_id, token_id

    def signed_in(self, token: str | None, *, verify: bool = True) -> tuple[str, str] | None:
        """(account id, token id) of the account signed in with `token` (or the stored sign-in): its plex.tv uuid —
        already read when its servers were listed — else what is known of the token. None when not signed in."""
        token = token or load_token()
        if not token:
            return None
        try:
            uuid = account_uuid(token, verify=verify)
        except RatingsToPlexError:  # plex.tv unreachable or refusing now: the token still tells the account apart
            uuid = None
        return self.identify(token, uuid)
