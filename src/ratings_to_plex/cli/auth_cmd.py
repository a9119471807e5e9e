"""`login`, `logout`, `servers`, `libraries`: signing in once, then seeing what the account and a server offer."""

from __future__ import annotations

import json
import os
from typing import Any

import typer
from rich.table import Table

from ..app import account as session
from ..app.account import forget_token, load_config, remember, save_token
from ..errors import PlexError
from .app import app, err, friendly_errors, out
from .common import INSECURE_OPT, JSON_OPT, SERVER_OPT, TOKEN_OPT, URL_OPT, connect, make_session

_PLAIN_EVERY_S = 30  # when piped, one "still waiting" line this often instead of a live countdown


@app.command()
@friendly_errors
def login(
    no_browser: bool = typer.Option(False, "--no-browser", envvar="RATINGS_TO_PLEX_NO_BROWSER",
                                    help="Only print the sign-in URL; do not open a browser."),
    timeout: int = typer.Option(int(session.LOGIN_TIMEOUT_S), "--timeout", envvar="RATINGS_TO_PLEX_TIMEOUT", min=5,
                                help="Seconds to wait for you to approve the sign-in."),
) -> None:
    """Sign in to Plex in your browser (PIN flow) and remember the token for later runs.

    Example: ratings-to-plex login --no-browser
    """
    pin = session.PinLogin()
    url = pin.start()
    out.print(f"Open this URL to sign in: {url}", markup=False, overflow="ignore", crop=False)
    if not no_browser and session.open_browser(url):
        out.print("(Opened it in your browser.)", markup=False)
    try:
        token = _wait(pin, timeout)
    except KeyboardInterrupt:
        err.print("Sign-in cancelled; nothing was stored.", markup=False)
        raise typer.Exit(130) from None
    acct = session.account(token)
    where = save_token(token)
    name = acct.username or acct.email or acct.title or "your Plex account"
    if where.startswith("the "):
        out.print(f"Signed in as {name}. Token stored in {where}.", markup=False)
    else:
        out.print(f"Signed in as {name}. Token stored in {where} (readable only by you).", markup=False)
    try:
        servers = session.owned_servers(token, plex_account=acct)
    except PlexError as exc:
        err.print(f"warning: could not list your servers: {exc}", markup=False)
        return
    _print_server_summary(servers)


def _wait(pin: session.PinLogin, timeout: float) -> str:
    """Wait for approval with a live countdown on a terminal, or a line every half minute when piped."""
    if err.is_terminal:
        with err.status("Waiting for approval…") as status:
            return pin.wait(timeout, on_tick=lambda left: status.update(
                f"Waiting for approval… {left:.0f} s left (Ctrl-C to cancel)"))
    err.print(f"Waiting for approval (up to {timeout:.0f} s)…", markup=False)
    last = [timeout]

    def tick(left: float) -> None:
        if last[0] - left >= _PLAIN_EVERY_S:
            last[0] = left
            err.print(f"Still waiting for approval… {left:.0f} s left", markup=False)

    return pin.wait(timeout, on_tick=tick)


def _print_server_summary(servers: list[session.ServerInfo]) -> None:
    if not servers:
        out.print("Your account has no Plex Media Server of its own; use --url and --token to reach one.",
                  markup=False)
        return
    out.print("Your servers:", markup=False)
    for s in servers:
        out.print(f"  {s.name} ({s.platform} {s.version})".rstrip(), markup=False)
    if len(servers) == 1:
        out.print(f"`sync` will use {servers[0].name!r} unless you pass --server or --url.", markup=False)
    elif not load_config().get("server"):
        out.print("Choose one with --server NAME; it is remembered after the first run.", markup=False)
    out.print("Next: `ratings-to-plex libraries` shows the library names `sync --library` accepts.", markup=False)


@app.command()
@friendly_errors
def logout() -> None:
    """Forget the token stored by `login` (keyring or token file).

    Example: ratings-to-plex logout
    """
    removed = forget_token()
    if removed:
        out.print(f"Signed out: removed the stored Plex token from {' and '.join(removed)}.", markup=False)
    else:
        out.print("No stored Plex token to remove: you were not signed in.", markup=False)
    if os.environ.get("PLEX_TOKEN"):
        err.print("Note: PLEX_TOKEN is still set in this shell; unset it to stop using that token.", markup=False)


@app.command()
@friendly_errors
def servers(
    token: str = TOKEN_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """List the Plex Media Servers of your account (after `login`), and those shared with it.

    Example: ratings-to-plex servers --json
    """
    found = session.list_servers(token or None)
    if as_json:
        print(json.dumps([s.to_json() for s in found], ensure_ascii=False))
        return
    if not found:
        out.print("Your account has no Plex Media Server, and none is shared with it.", markup=False)
        return
    default = _default_server(found)
    table = Table(title="Your Plex servers", caption="* used when you pass neither --server nor --url"
                  if default else None)
    for col in ("Name", "Platform", "Version", "Owned"):
        table.add_column(col)
    table.add_column("Addresses", overflow="fold")
    for s in found:
        table.add_row(("* " if s is default else "") + s.label, s.platform, s.version,
                      "yes" if s.owned else "no", "\n".join(s.connections) or "—")
    out.print(table)


def _default_server(found: list[session.ServerInfo]) -> session.ServerInfo | None:
    """The server `sync` would use without --server: the remembered one, else the only one."""
    try:
        return session.select_server(found, None)
    except Exception:
        return None


@app.command()
@friendly_errors
def libraries(
    server: str = SERVER_OPT,
    url: str = URL_OPT,
    token: str = TOKEN_OPT,
    as_json: bool = JSON_OPT,
    insecure: bool = INSECURE_OPT,
) -> None:
    """List the libraries of a server, with the key and title `sync --library` accepts.

    Example: ratings-to-plex libraries --server "Living Room" --json
    """
    conn = connect(make_session(None, insecure=insecure), url, token, server)
    sections = conn.sections()
    if server and not url:
        remember(server=server)
    if as_json:
        rows: list[dict[str, Any]] = [{"key": s.key, "title": s.title, "type": s.type, "agent": s.agent}
                                      for s in sections]
        print(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"Libraries on {conn.name}")
    for col in ("Key", "Title", "Type", "Agent", "Sync"):
        table.add_column(col)
    for s in sections:
        table.add_row(str(s.key), s.title, s.type, s.agent, "yes" if s.listable_types else "—")
    out.print(table)
