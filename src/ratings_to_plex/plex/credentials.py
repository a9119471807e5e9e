"""Where the Plex token from `login` lives between runs: the system keyring when one works, else a file only the
user can read (`config_dir()/token`, mode 0600).

Environment tokens (`PLEX_TOKEN`, `--token`) are the CLI's business; this module only reads and writes storage.
Every token that passes through here is registered for redaction first.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ..errors import RatingsToPlexError
from ..paths import config_dir
from ..security import register_secret

log = logging.getLogger(__name__)

SERVICE: Final = "ratings-to-plex"
USERNAME: Final = "plex-token"
TOKEN_FILE: Final = "token"
CLIENT_ID_FILE: Final = "client-id"
_PRIVATE: Final = 0o600
_POSIX: Final = os.name == "posix"


def token_path() -> Path:
    return config_dir() / TOKEN_FILE


def _keyring() -> Any | None:
    """The keyring backend, or None when only a fail/null (or empty chainer) backend is available."""
    try:
        import keyring
        from keyring.backends import chainer, fail
    except Exception:  # keyring missing or broken (e.g. a frozen build without its backends)
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, fail.Keyring) or type(backend).__module__.endswith(".null"):
        return None
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return None
    return backend


def _keyring_name(backend: Any) -> str:
    return f"the system keyring ({getattr(backend, 'name', type(backend).__name__)})"


@dataclass(frozen=True)
class _Slot:
    """One stored secret: its keyring entry and its fallback file in the config folder."""

    username: str
    filename: str

    @property
    def path(self) -> Path:
        return config_dir() / self.filename


_OWNER: Final = _Slot(USERNAME, TOKEN_FILE)
# Home users' account tokens (from a profile switch), one JSON object {user key: token} in one entry.
_USERS: Final = _Slot("plex-user-tokens", "user-tokens")


def save_token(token: str) -> str:
    """Store the token (replacing any earlier one); returns where it went, for the user ("the system keyring…" or
    the file path)."""
    token = token.strip()
    if not token:
        raise RatingsToPlexError("Refusing to store an empty token.")
    register_secret(token)
    return _save(_OWNER, token)


def _save(slot: _Slot, text: str) -> str:
    backend = _keyring()
    if backend is not None:
        try:
            backend.set_password(SERVICE, slot.username, text)
        except Exception as exc:  # locked or unavailable keyring: fall back to the file, say why in the log
            log.warning("keyring %s could not store the token (%s); using a file instead",
                        type(backend).__name__, type(exc).__name__)
        else:
            _remove_file(slot)  # one place only, so `logout` cannot leave a stale copy behind
            return _keyring_name(backend)
    _write_private(slot.path, text)
    return str(slot.path)


def load_token() -> str | None:
    """The stored token, or None when nobody has signed in (keyring first, then the file)."""
    token = _load(_OWNER)
    register_secret(token)
    return token or None


def _load(slot: _Slot) -> str | None:
    backend = _keyring()
    if backend is not None:
        try:
            text = backend.get_password(SERVICE, slot.username)
        except Exception as exc:
            log.warning("keyring %s could not be read (%s)", type(backend).__name__, type(exc).__name__)
            text = None
        if text:
            return str(text)
    path = slot.path
    try:
        _ensure_private(path)
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RatingsToPlexError(f"Cannot read the stored token {path}: {exc.strerror}.") from None


def forget_token() -> list[str]:
    """Remove the stored token (and the Home users' ones with it) from every place; returns the places the
    account's token was removed from."""
    _forget(_USERS)
    return _forget(_OWNER)


def _forget(slot: _Slot) -> list[str]:
    removed: list[str] = []
    backend = _keyring()
    if backend is not None:
        try:
            if backend.get_password(SERVICE, slot.username):
                backend.delete_password(SERVICE, slot.username)
                removed.append(_keyring_name(backend))
        except Exception as exc:
            log.warning("keyring %s could not delete the token (%s)", type(backend).__name__, type(exc).__name__)
    if _remove_file(slot):
        removed.append(str(slot.path))
    return removed


# -- Home users' tokens ---------------------------------------------------------------------------------------
def load_user_tokens() -> dict[str, str]:
    """Stored Home users' account tokens by user key; {} when none (or the entry cannot be used)."""
    text = _load(_USERS)
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        log.warning("ignoring unreadable stored Home user tokens")
        return {}
    tokens = {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    for token in tokens.values():
        register_secret(token)
    return tokens


def save_user_token(key: str, token: str | None) -> None:
    """Remember (or with None, forget) one Home user's account token, next to the account's own."""
    tokens = load_user_tokens()
    if token:
        register_secret(token)
        tokens[key] = token
    elif tokens.pop(key, None) is None:
        return
    if tokens:
        _save(_USERS, json.dumps(tokens, sort_keys=True))
    else:
        _forget(_USERS)


def _remove_file(slot: _Slot = _OWNER) -> bool:
    try:
        slot.path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise RatingsToPlexError(f"Cannot remove the stored token {slot.path}: {exc.strerror}.") from None
    return True


def _write_private(path: Path, text: str) -> None:
    """Write atomically through a file created 0600 from the start (never briefly world-readable)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), _PRIVATE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        _ensure_private(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise RatingsToPlexError(f"Cannot store the token in {path}: {exc.strerror}.") from None
    _ensure_private(path)


def _ensure_private(path: Path) -> None:
    """Make the file 0600 if it is readable by others (e.g. copied in by hand), and check that it is now."""
    if not _POSIX:
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("token file %s had mode %o; tightening it to 600", path, mode)
        path.chmod(_PRIVATE)
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            raise RatingsToPlexError(f"The token file {path} is readable by other users and its mode cannot be "
                                     "changed; remove it and sign in again.")


# -- this installation's X-Plex-Client-Identifier -------------------------------------------------------------
def client_identifier() -> str:
    """This installation's own `X-Plex-Client-Identifier`, made once and kept in `config_dir()/client-id`.

    Plex tells devices apart by it (the sign-in, the "Authorized devices" list, rate limits), and asks tools not to
    share one constant across installs (PLEX_PROTOCOL.md §7). It is no secret, but it is stable: the same
    installation keeps its id across runs. Also installed into plexapi's headers, so server requests carry it.
    """
    import plexapi

    path = config_dir() / CLIENT_ID_FILE
    try:
        value = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        value = ""
    except OSError as exc:
        log.warning("cannot read %s (%s); using a new client id for this run", path, exc.strerror)
        value = ""
    if not _valid_client_id(value):
        value = _create_client_id(path)
    plexapi.BASE_HEADERS["X-Plex-Client-Identifier"] = value
    return value


def _valid_client_id(value: str) -> bool:
    return 8 <= len(value) <= 64 and all(c.isalnum() or c == "-" for c in value)


def _create_client_id(path: Path) -> str:
    """A fresh random id, written without racing another process doing the same (the first one wins)."""
    import uuid

    value = f"ratings-to-plex-{uuid.uuid4().hex}"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        existing = path.read_text(encoding="utf-8").strip()
        if _valid_client_id(existing):
            return existing
        path.write_text(value + "\n", encoding="utf-8")  # an unusable file (edited by hand): replace it
        return value
    except OSError as exc:
        log.warning("cannot store the client id in %s (%s); it changes with every run", path, exc.strerror)
        return value
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value
