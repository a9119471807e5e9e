"""`users`, and `--user NAME` for the commands that read or write ratings: every person in the Plex Home.

Ratings belong to a Plex user. `--user` (or `RATINGS_TO_PLEX_USER`) makes a run act as that Home user, with their
own token, found through plex.tv; a PIN-protected profile takes `RATINGS_TO_PLEX_USER_PIN` or asks on the terminal.
Without `--user` the signed-in account itself is used — never another user.
"""

from __future__ import annotations

import getpass
import json
import sys

import typer
from rich.table import Table

from ..app import AppSession, Connection
from ..app.account import PIN_ENV, HomeUser, home_users, owner_token, resolve_target, wanted_user
from .app import app, err, friendly_errors, out
from .common import JSON_OPT, TOKEN_OPT

USER_OPT = typer.Option(None, "--user", envvar="RATINGS_TO_PLEX_USER", show_default=False,
                        help="Act as this Plex Home user (`ratings-to-plex users` lists them); a PIN-protected "
                             f"one takes {PIN_ENV} or asks. Default: your own account.")


def ask_pin_on_terminal(user: HomeUser) -> str | None:
    """Ask for a protected profile's PIN when a person is there to answer; None otherwise (plex.tv then says
    the PIN is missing, and nothing is written)."""
    if not sys.stdin.isatty():
        return None
    return getpass.getpass(f"PIN for {user.title}: ", stream=sys.stderr) or None


def connect_as(session: AppSession, url: str | None, token: str | None, server: str | None,
               user: str | None) -> Connection | None:
    """The connection for `--user NAME` (their own token for the server), or None when no Home user was asked
    for (the caller then connects as the signed-in account, as before)."""
    name = wanted_user(user)
    if name is None:
        return None
    target = resolve_target(name, token=token, server=server, url=url, verify=session.verify,
                            ask_pin=ask_pin_on_terminal)
    if target.user_id is None:  # the Home's admin named: the signed-in account itself
        return None
    if url:
        return session.connect_url(url, target.access_token, user_id=target.user_id, user_name=target.user_name,
                                   account_token=target.account_token)
    assert target.server is not None  # resolve_target names a server whenever there is no URL
    return session.connect_server(target.server.client_identifier, None, servers=[target.server],
                                  user_id=target.user_id, user_name=target.user_name,
                                  account_token=target.account_token)


@app.command()
@friendly_errors
def users(
    token: str = TOKEN_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """List the Plex Home users of your account: the names `--user` accepts.

    Example: ratings-to-plex users --json
    """
    found = home_users(owner_token(token or None))
    if as_json:
        print(json.dumps([u.to_json() for u in found], ensure_ascii=False))
        return
    if len(found) <= 1:
        out.print("Your account has no other Plex Home users: runs use your own ratings.", markup=False)
        return
    table = Table(title="Plex Home users", caption="Use one with --user NAME")
    for col in ("Name", "Kind", "PIN"):
        table.add_column(col)
    for u in found:
        kind = "you (admin)" if u.admin else "managed user" if u.managed else "Home member"
        table.add_row(u.title, kind, "yes" if u.protected else "—")
    out.print(table)
    if any(u.protected for u in found):
        err.print(f"A PIN-protected user's PIN is asked on the terminal, or read from {PIN_ENV}.", markup=False)
