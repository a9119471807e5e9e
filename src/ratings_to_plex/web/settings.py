"""How the web UI is served: where it listens, the access token that guards it, upload limits, the import folder.

Read once at start-up (options and environment), then frozen: a running server never changes its security settings.
The access token is refused when it is too short, and a non-loopback address without one refuses to start, because
anyone on the network could otherwise write to the user's Plex server.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from ..errors import UsageError

TOKEN_ENV: Final = "RATINGS_TO_PLEX_WEB_TOKEN"
UPLOAD_LIMIT_ENV: Final = "RATINGS_TO_PLEX_WEB_MAX_UPLOAD_MB"
IMPORT_DIR_ENV: Final = "RATINGS_TO_PLEX_IMPORT_DIR"
MIN_TOKEN_CHARS: Final = 16
DEFAULT_PORT: Final = 8765
DEFAULT_UPLOAD_MB: Final = 50
LOOPBACK_NAMES: Final = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


@dataclass(frozen=True)
class WebSettings:
    """Everything the web app needs to know about how it is served."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    access_token: str | None = field(default=None, repr=False)
    max_upload_bytes: int = DEFAULT_UPLOAD_MB * 1024 * 1024
    import_dir: Path | None = None  # a folder of exports the user may pick from (listed by opaque id)
    secure_cookies: bool = False  # set behind an HTTPS reverse proxy
    workers: int = 16  # concurrent writes (the app session's)
    verify_tls: bool = True  # False: self-signed local servers only (--insecure-skip-tls-verify)

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def read_access_token(token_file: Path | None) -> str | None:
    """The access token from `--access-token-file` (first line) or `RATINGS_TO_PLEX_WEB_TOKEN`; None when neither.

    Raises UsageError for a file that cannot be read or a token shorter than 16 characters.
    """
    token: str | None = None
    if token_file is not None:
        try:
            lines = token_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise UsageError(f"Cannot read the access token file {token_file}: {exc.strerror or exc}.") from None
        token = lines[0].strip() if lines else ""
    else:
        token = os.environ.get(TOKEN_ENV, "").strip() or None
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        where = str(token_file) if token_file is not None else TOKEN_ENV
        raise UsageError(f"The access token in {where} is too short: use at least {MIN_TOKEN_CHARS} characters.")
    return token


def size_text(size: int) -> str:
    """`50 MB`, `4 KB`, `100 bytes`: an upload limit as a person reads it."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


def too_large_message(limit: int) -> str:
    return (f"The file is larger than the {size_text(limit)} upload limit; export a smaller file or raise "
            f"{UPLOAD_LIMIT_ENV}.")


def upload_limit_bytes() -> int:
    """The upload cap from `RATINGS_TO_PLEX_WEB_MAX_UPLOAD_MB` (default 50 MB)."""
    raw = os.environ.get(UPLOAD_LIMIT_ENV, "").strip()
    if not raw:
        return DEFAULT_UPLOAD_MB * 1024 * 1024
    try:
        megabytes = float(raw)
    except ValueError:
        raise UsageError(f"{UPLOAD_LIMIT_ENV} must be a number of megabytes, not {raw!r}.") from None
    if megabytes <= 0:
        raise UsageError(f"{UPLOAD_LIMIT_ENV} must be more than 0.")
    return int(megabytes * 1024 * 1024)


def import_dir_from_env() -> Path | None:
    """The folder of exports to offer (`RATINGS_TO_PLEX_IMPORT_DIR`); None when unset."""
    raw = os.environ.get(IMPORT_DIR_ENV, "").strip()
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise UsageError(f"{IMPORT_DIR_ENV} names {path}, which is not a folder.")
    return path


def build_settings(host: str, port: int, token_file: Path | None, *, import_dir: Path | None = None,
                   max_upload_mb: float | None = None, workers: int = 16, verify_tls: bool = True) -> WebSettings:
    """Validated settings; raises UsageError (exit 2) when the server would be open to the network."""
    token = read_access_token(token_file)
    if not is_loopback(host) and token is None:
        raise UsageError(f"Refusing to listen on {host} without an access token: set {TOKEN_ENV} or pass "
                         f"--access-token-file (at least {MIN_TOKEN_CHARS} characters).")
    limit = int(max_upload_mb * 1024 * 1024) if max_upload_mb else upload_limit_bytes()
    folder = import_dir if import_dir is not None else import_dir_from_env()
    if folder is not None and not folder.is_dir():
        raise UsageError(f"The import folder {folder} is not a folder (--import-dir / {IMPORT_DIR_ENV}).")
    return WebSettings(host=host, port=port, access_token=token, max_upload_bytes=limit, import_dir=folder,
                       secure_cookies=os.environ.get("RATINGS_TO_PLEX_WEB_SECURE_COOKIES", "") in ("1", "true"),
                       workers=max(1, workers), verify_tls=verify_tls)
