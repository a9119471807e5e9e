"""Where the Plex token from `login` lives between runs: the system keyring when one works, else a file only the
user can read (`config_dir()/token`, mode 0600).

Environment tokens (`PLEX_TOKEN`, `--token`) are the CLI's business; this module only reads and writes storage.
Every token that passes through here is registered for redaction first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path
from typing import Any, Final

from ..errors import RatingsToPlexError
from ..paths import config_dir
from ..security import register_secret

log = logging.getLogger(__name__)

SERVICE: Final = "ratings-to-plex"
USERNAME: Final = "plex-token"
TOKEN_FILE: Final = "token"
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


def save_token(token: str) -> str:
    """Store the token (replacing any earlier one); returns where it went, for the user ("the system keyring…" or
    the file path)."""
    token = token.strip()
    if not token:
        raise RatingsToPlexError("Refusing to store an empty token.")
    register_secret(token)
    backend = _keyring()
    if backend is not None:
        try:
            backend.set_password(SERVICE, USERNAME, token)
        except Exception as exc:  # locked or unavailable keyring: fall back to the file, say why in the log
            log.warning("keyring %s could not store the token (%s); using a file instead",
                        type(backend).__name__, type(exc).__name__)
        else:
            _remove_file()  # one place only, so `logout` cannot leave a stale copy behind
            return _keyring_name(backend)
    _write_private(token_path(), token)
    return str(token_path())


def load_token() -> str | None:
    """The stored token, or None when nobody has signed in (keyring first, then the file)."""
    backend = _keyring()
    if backend is not None:
        try:
            token = backend.get_password(SERVICE, USERNAME)
        except Exception as exc:
            log.warning("keyring %s could not be read (%s)", type(backend).__name__, type(exc).__name__)
            token = None
        if token:
            register_secret(token)
            return str(token)
    path = token_path()
    try:
        _ensure_private(path)
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RatingsToPlexError(f"Cannot read the stored token {path}: {exc.strerror}.") from None
    register_secret(token)
    return token or None


def forget_token() -> list[str]:
    """Remove the stored token from every place it may be; returns the places it was removed from."""
    removed: list[str] = []
    backend = _keyring()
    if backend is not None:
        try:
            if backend.get_password(SERVICE, USERNAME):
                backend.delete_password(SERVICE, USERNAME)
                removed.append(_keyring_name(backend))
        except Exception as exc:
            log.warning("keyring %s could not delete the token (%s)", type(backend).__name__, type(exc).__name__)
    if _remove_file():
        removed.append(str(token_path()))
    return removed


def delete_token() -> bool:
    """Forget the stored token; True when there was one."""
    return bool(forget_token())


def _remove_file() -> bool:
    try:
        token_path().unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise RatingsToPlexError(f"Cannot remove the stored token {token_path()}: {exc.strerror}.") from None
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
