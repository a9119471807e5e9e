"""One browser's way through the app: signed in or not, the connected server, the chosen file, the preview, the
job it follows. Kept on the server (in the `BrowserSession`), so nothing sensitive ever reaches the page.

Only state and the small steps that change it live here; every rule and every Plex or journal call is the
application session's (`ratings_to_plex.app`). The steps block (network, files), so routes run them in a thread.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from ..app import AppSession, Connection, Job, JobRunner, Plan, RunSummary
from ..app import account as plex_account
from ..app.advice import worded
from ..errors import AuthError, RatingsToPlexError, UsageError
from ..security import register_secret
from .signin import PinSignIn, PinState, start_pin
from .uploads import ImportFolder, StoredFile, UploadArea

if TYPE_CHECKING:
    from ..app import ReadResult
    from ..app.account import HomeUser, ServerInfo
    from ..app.backup import Backup
    from ..app.rows import PreviewRow
    from .sessions import BrowserSession

TYPE_LABELS: Final = ("Movie", "TV Series", "TV Mini Series", "TV Movie", "TV Episode", "Other")
POLICIES: Final = (("overwrite", "Overwrite Plex's rating"), ("only-empty", "Only rate unrated items"),
                   ("newer", "Keep whichever is newer"))


@dataclass
class Services:
    """What every browser session shares: one application session (one journal), one job runner (so one write
    per server at a time across tabs and browsers), the upload area and the import folder."""

    app: AppSession
    runner: JobRunner
    uploads: UploadArea
    imports: ImportFolder | None


@dataclass
class Choices:
    """What the user picked in the Preview form (kept so the page shows it again)."""

    libraries: tuple[str, ...] = ()  # section keys, as text
    all_libraries: bool = False
    types: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(TYPE_LABELS, True))
    policy: str = "overwrite"
    force: bool = False
    mark_watched: bool = False
    discover: bool = False  # also rate rows in no library on Plex Discover


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def env_choices() -> Choices:
    """The Preview form's first values from the same variables the CLI reads (`RATINGS_TO_PLEX_POLICY`, `_FORCE`,
    `_MARK_WATCHED`, `_ALL_LIBRARIES`), so a container is set up by its environment alone."""
    policy = os.environ.get("RATINGS_TO_PLEX_POLICY", "").strip()
    return Choices(all_libraries=_env_flag("RATINGS_TO_PLEX_ALL_LIBRARIES"), force=_env_flag("RATINGS_TO_PLEX_FORCE"),
                   mark_watched=_env_flag("RATINGS_TO_PLEX_MARK_WATCHED"),
                   policy=policy if policy in dict(POLICIES) else "overwrite")


@dataclass
class ExportChoice:
    """What the user picked in the Export form (shown again after the export)."""

    libraries: tuple[str, ...] = ()  # section keys, as text; empty: the Preview form's libraries
    all_libraries: bool = False
    fmt: str = "letterboxd"
    watched: bool = False


@dataclass
class Flow:
    """The state of one browser session (see the module docstring). Guarded by `lock`."""

    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    started: bool = False
    pin: PinSignIn | None = None
    pin_declined: bool = False  # cancelled or signed out: no new PIN until asked for
    token: str | None = field(default=None, repr=False)
    account: bool = False  # `token` is a Plex account's (PIN or stored sign-in), not just a server's
    servers: list[ServerInfo] = field(default_factory=list)
    users: list[HomeUser] = field(default_factory=list)  # the account's Plex Home users (the picker)
    server_id: str | None = None  # the server last chosen (kept while a failed user switch connects nobody)
    conn: Connection | None = None
    url: str | None = None  # the URL typed on the token form (shown again after an error; not secret)
    file: StoredFile | None = None
    source: ReadResult | None = None
    source_format: str | None = None  # the file step's "Read as" menu: a format chosen by hand; None: detected
    choices: Choices = field(default_factory=lambda: env_choices())
    plan: Plan | None = None
    rows: list[PreviewRow] = field(default_factory=list)  # the preview table, built once per plan
    job: Job | None = None  # the last job this browser started (followed by the page)
    collected: str | None = None  # id of the job whose result was taken in
    summary: RunSummary | None = None
    export_choice: ExportChoice = field(default_factory=ExportChoice)
    exported: Any = None  # backups.Exported: the files of the last export, for download
    backup: Backup | None = None  # a backup uploaded to restore, and its file
    backup_file: StoredFile | None = None
    messages: list[tuple[str, str]] = field(default_factory=list)

    @property
    def signed_in(self) -> bool:
        return self.conn is not None or self.token is not None

    def busy(self) -> bool:
        return self.job is not None and not self.job.finished


def flow_of(session: BrowserSession) -> Flow:
    """The browser session's flow, created on first use."""
    with session.lock:
        if session.flow is None:
            session.flow = Flow()
        flow: Flow = session.flow
        return flow


def drop_flow(session: BrowserSession, uploads: UploadArea) -> None:
    """A session expired or the server stops: cancel its PIN wait and delete its upload."""
    flow = session.flow
    if isinstance(flow, Flow):
        if flow.pin is not None:
            flow.pin.cancel.set()
        uploads.discard(flow.file)
        uploads.discard(flow.backup_file)
        if flow.exported is not None:
            uploads.discard(flow.exported.stored)


# -- signing in and connecting ---------------------------------------------------------------------------------
def start(flow: Flow, services: Services) -> None:
    """First page view: connect as `PLEX_URL` + `PLEX_TOKEN` say, else use the stored sign-in (like the app)."""
    with flow.lock:
        if flow.started:
            return
        flow.started = True
    url, token = os.environ.get("PLEX_URL", "").strip(), os.environ.get("PLEX_TOKEN", "").strip()
    try:
        if url and token:
            register_secret(token)
            connect_url(flow, services, url, token)
        elif token or plex_account.load_token():
            signed_in(flow, services, token or str(plex_account.load_token()), save=False)
    except RatingsToPlexError as exc:
        flow.messages.append(("error", worded(exc, "web")))


def offer_pin(flow: Flow, services: Services) -> None:
    """Not signed in and no PIN under way: ask for one, so the page shows the sign-in link at once."""
    with flow.lock:
        wanted = not flow.signed_in and flow.pin is None and not flow.pin_declined
    if wanted:
        begin_pin(flow, services)


def begin_pin(flow: Flow, services: Services) -> None:
    """Ask plex.tv for a PIN; the page shows its link while a thread waits for the approval."""
    with flow.lock:
        if flow.pin is not None and flow.pin.state is PinState.WAITING:
            return
        flow.pin_declined = False

    def done(sign_in: PinSignIn) -> None:
        if sign_in.state is PinState.WAITING and sign_in.token:
            try:
                signed_in(flow, services, sign_in.token, save=True)
            except RatingsToPlexError as exc:
                sign_in.state, sign_in.message = PinState.FAILED, str(exc)
                return
            with flow.lock:
                flow.pin = None

    flow.pin = start_pin(done)


def cancel_pin(flow: Flow) -> None:
    """Stop waiting for the PIN; it is not offered again by itself (the "Sign in with Plex" button is)."""
    with flow.lock:
        if flow.pin is not None:
            flow.pin.cancel.set()
        flow.pin, flow.pin_declined = None, True


def signed_in(flow: Flow, services: Services, token: str, *, save: bool) -> None:
    """A token from the PIN flow or the store: list the account's servers, connect when the choice is clear."""
    register_secret(token)
    servers = plex_account.owned_servers(token)
    if save:
        plex_account.save_token(token)
    try:
        users = plex_account.home_users(token, verify=services.app.verify)
    except RatingsToPlexError as exc:  # the servers work without it: only the user picker is missing
        users = []
        flow.messages.append(("warning", f"Your Plex Home users could not be listed: {exc}"))
    with flow.lock:
        flow.token, flow.servers, flow.users, flow.account = token, servers, users, True
    remembered = os.environ.get("RATINGS_TO_PLEX_SERVER") or plex_account.load_config().get("server")
    chosen = [s for s in servers if remembered in (s.name, s.client_identifier)] or \
        (servers if len(servers) == 1 else [])
    if chosen:
        choose_server(flow, services, chosen[0].client_identifier)


def choose_server(flow: Flow, services: Services, machine_id: str) -> None:
    """Connect to one of the account's servers (by machine identifier: two may share a name)."""
    with flow.lock:
        token, servers = flow.token, list(flow.servers)
    found = [s for s in servers if s.client_identifier == machine_id]
    if not found or token is None:
        raise UsageError("That server is not in your account's list any more: sign in again.")
    with flow.lock:
        flow.server_id = machine_id
    conn = services.app.connect_server(machine_id, token, servers=found, account_token=token)  # token: the account's
    _connected(flow, conn)
    plex_account.remember(server=found[0].name)


def connect_url(flow: Flow, services: Services, url: str, token: str) -> None:
    """Connect to a server by URL + token (no plex.tv involved; the app reads what a person pastes as a URL)."""
    if not url or not token:
        raise UsageError("Enter both the server's URL (e.g. http://192.168.1.10:32400) and a Plex token.")
    register_secret(token)
    with flow.lock:
        flow.url = url
    conn = services.app.connect_url(url, token)
    with flow.lock:
        flow.token = flow.token or token
    _connected(flow, conn)


def _connected(flow: Flow, conn: Connection) -> None:
    with flow.lock:
        if flow.conn is not None and flow.conn.identity != conn.identity:
            flow.plan = None  # a preview belongs to the server it was made on
        flow.conn = conn
        if not flow.choices.libraries and not flow.choices.all_libraries:
            flow.choices.libraries = _default_libraries(conn)


def _default_libraries(conn: Connection) -> tuple[str, ...]:
    """`RATINGS_TO_PLEX_LIBRARY` (titles or keys, comma-separated), else the remembered libraries this server still
    has, else its first movie library."""
    libraries = conn.libraries()
    named = tuple(n.strip().casefold() for n in os.environ.get("RATINGS_TO_PLEX_LIBRARY", "").split(",") if n.strip())
    try:
        remembered = named or tuple(n.casefold() for n in plex_account.remembered_libraries(conn.client))
    except RatingsToPlexError:
        remembered = ()
    keys = [str(s.key) for s in libraries if s.title.casefold() in remembered or str(s.key) in remembered]
    if keys:
        return tuple(keys)
    movies = [s for s in libraries if s.type == "movie"] or libraries
    return (str(movies[0].key),) if movies else ()


def sign_out(flow: Flow) -> None:
    """Forget this browser's sign-in (and the stored token, as the desktop app's Sign out does)."""
    cancel_pin(flow)
    with flow.lock:
        if flow.busy():
            raise UsageError("A job is running: wait for it to finish (or cancel it) before signing out.")
        flow.token, flow.servers, flow.conn, flow.plan = None, [], None, None
        flow.account, flow.users, flow.server_id = False, [], None
    plex_account.forget_token()


def require_conn(flow: Flow) -> Connection:
    with flow.lock:
        if flow.conn is None:
            raise AuthError("Not connected to a server: sign in and choose one first.")
        return flow.conn
