"""The account half of the controller: PIN sign-in, sign-out, the server list, connecting by URL + token.

A mixin of `Controller` (it uses the controller's queue, lock and job runner); split out only to keep each module
small. Runs in worker threads only.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import RatingsToPlexError, UsageError
from .events import (
    CONNECT,
    LOGIN,
    RUN,
    SIGNOUT,
    AccountKnown,
    Busy,
    Failed,
    Log,
    LoginPending,
    LoginTick,
    ServerChoice,
    ServersLoaded,
    SignedIn,
    SignedOut,
    Status,
)
from .host import ControllerHost

if TYPE_CHECKING:
    from ..app import Connection


class AccountJobs(ControllerHost):
    """A mixin of `Controller` (see `ControllerHost` for what it uses of it)."""

    _token: str | None
    _choices: dict[str, ServerChoice]
    _login_cancel: threading.Event
    _busy: set[str]
    _connect_generation = 0  # bumped by Cancel: a connection that answers after it is dropped

    # -- sign-in and servers --------------------------------------------------------------------------------
    def sign_in(self) -> bool:
        self._login_cancel.clear()
        return self._spawn(LOGIN, self._sign_in)

    def cancel_sign_in(self) -> None:
        self._login_cancel.set()

    def _sign_in(self) -> None:
        self.post(Status("Asking Plex for a sign-in link…", "busy"))
        login = self.engine.pin_login()
        url = self.engine.start_pin(login)
        opened = self.engine.open_browser(url)
        self.post(LoginPending(url, opened))
        self.post(Log("Approve the sign-in in your browser" + ("" if opened else f" — open {url}") + "."))
        self.post(Status("Waiting for approval in your browser…", "busy"))
        try:
            token = self.engine.wait_pin(login, self._login_cancel, lambda left: self.post(LoginTick(left)))
        except RatingsToPlexError as exc:
            if exc.exit_code != 130:  # LoginCancelled: the user pressed Cancel, not an error
                raise
            self.post(Status("Sign-in cancelled."))
            self.post(Log("Sign-in cancelled."))
            return
        self._token = token
        try:
            where = self.engine.save_token(token)
        except RatingsToPlexError as exc:
            where = ""
            self.post(Log(f"Signed in, but the token could not be stored ({exc}); you will sign in again "
                          "next time.", "warning"))
        self.post(SignedIn(where))
        if where:
            self.post(Log(f"Signed in; the token is stored in {where}."))
        self._fetch_servers(token)

    def open_link(self, url: str) -> bool:
        return self._spawn("browser", lambda: self.engine.open_browser(url))

    def _fetch_servers(self, token: str) -> None:
        self.post(Status("Looking for your servers and libraries…", "busy"))
        try:
            name = self.engine.account_name(token)
        except RatingsToPlexError:
            name = ""  # the servers' lookup below says what is wrong with plex.tv, if anything
        if name:
            self.post(AccountKnown(name))
        infos = self.engine.servers(token)
        with self._lock:
            for label in [k for k in self._choices if k in self._servers]:
                self._choices.pop(label)  # the account's previous list; servers connected by URL stay
                self._clients.pop(label, None)
            self._servers = {}
            for info in infos:
                label = self._label_for(info.name, info.client_identifier, next(iter(info.connections), ""))
                self._servers[label] = info
                self._clients.pop(label, None)
                libraries = tuple(s.title for s in info.libraries or [] if s.listable_types)
                self._choices[label] = ServerChoice(label, libraries, info.error, info.client_identifier, info.name)
            choices = tuple(self._choices.values())
        for choice in choices:
            if choice.error:
                self.post(Log(f"Server {choice.name}: {choice.error}", "warning"))
        self.post(ServersLoaded(choices))
        self._note_unfinished({info.client_identifier for info in infos})
        found = len(infos)
        self.post(Status(f"Signed in: {found} server{'s' if found != 1 else ''} found." if found else
                         "Signed in, but your account has no server of its own: connect by URL + token.",
                         "ok" if found else "error"))

    def _label_for(self, name: str, machine_id: str, url: str) -> str:
        """The server menu's label (call with the lock held): the server's label if it is listed already (same
        machine), else its name, else — another server has that name — its name and address."""
        for label, choice in self._choices.items():
            if machine_id and choice.machine_id == machine_id:
                return label
        if name not in self._choices:
            return name
        where = url.split("://", 1)[-1].rstrip("/") or machine_id[:8]
        label, n = f"{name} ({where})", 2
        while label in self._choices:
            label, n = f"{name} ({where} #{n})", n + 1
        return label

    def sign_out(self) -> bool:
        return self._spawn(SIGNOUT, self._sign_out, exclusive=(LOGIN, RUN))

    def _sign_out(self) -> None:
        removed = self.engine.forget_token()
        with self._lock:
            self._token = None
            for name in self._servers:
                self._choices.pop(name, None)
                self._clients.pop(name, None)
            self._servers = {}
            self._plan = None
            choices = tuple(self._choices.values())
        self.post(ServersLoaded(choices))
        self.post(SignedOut("Signed out; the stored token was removed." if removed else "Signed out."))

    def connect_url(self, url: str, token: str) -> bool:
        url, token = url.strip(), token.strip()
        if not url or not token:
            self.post(Failed(CONNECT, "Enter both the server URL (e.g. http://192.168.1.10:32400) and a token."))
            return False
        return self._spawn(CONNECT, self._connect, url, token)

    def cancel_connect(self) -> None:
        """Cancel (or Esc) while connecting: the window is free at once; the attempt still under way (at most
        ~15 s: `plex.client.CONNECT_RETRY`) ends in the background and its answer is dropped."""
        with self._lock:
            if CONNECT not in self._busy:
                return
            self._connect_generation += 1
            self._busy.discard(CONNECT)
            busy = frozenset(self._busy)
        self.post(Busy(busy))
        self.post(Status("Connection cancelled.", "info"))

    def _connect(self, url: str, token: str) -> None:
        with self._lock:
            generation = self._connect_generation
        self.post(Status(f"Connecting to {url}…", "busy"))
        try:
            conn = self.engine.connect_url(url, token)
            sections = self.engine.sections(conn)
        except RatingsToPlexError:
            with self._lock:
                if generation != self._connect_generation:
                    return  # cancelled meanwhile: its failure is no news
            raise
        libraries = tuple(s.title for s in sections if s.listable_types)
        with self._lock:
            if generation != self._connect_generation:
                return  # cancelled meanwhile
            label = self._label_for(conn.name, conn.identity.machine_id, url)
            self._clients[label] = conn
            self._servers.pop(label, None)
            self._choices[label] = ServerChoice(label, libraries, None, conn.identity.machine_id, conn.name)
            choices = tuple(self._choices.values())
        self.post(ServersLoaded(choices, select=label))
        self.post(Log(f"Connected to {label} at {url}: {', '.join(libraries) or 'no movie or TV library'}"))
        self.post(Status(f"Connected to {label}.", "ok"))
        self._note_unfinished({conn.identity.machine_id})

    def _note_unfinished(self, machine_ids: set[str]) -> None:
        """Say as soon as a server is there (not only once the run's file is chosen again) that a run on it did
        not finish, and where to finish it."""
        from ..app import rules  # here, not at the top: the window opens before the engine is imported

        try:
            runs = self.engine.journal_runs()
        except RatingsToPlexError:
            return  # a damaged journal: History says so when it is opened
        for run in runs:
            if run.machine_id in machine_ids and rules.resume_blocker(run) is None:
                what = Path(run.file).name if run.file else str(run.kind)
                self.post(Log(f"Run {run.id} ({what} → {run.server_name}) did not finish: finish it in History "
                              "(select it, then Finish this run).", "warning"))

    def _client_for(self, server: str) -> Connection:
        """The connection of the server the menu calls `server` (connecting on first use)."""
        with self._lock:
            conn = self._clients.get(server)
            info = self._servers.get(server)
            token = self._token
        if conn is not None:
            return conn
        if info is None:
            raise UsageError(f"The server {server!r} is not known any more: sign in again or connect by URL.")
        conn = self.engine.connect_server(info, token or info.access_token)
        with self._lock:
            self._clients[server] = conn
        return conn
