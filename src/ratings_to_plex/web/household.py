"""The Plex Home user picker: act as another person of the signed-in account's Home, with their own token.

The sequence is the CLI's `--user` one (`app.account.resolve_target`): switch to the user on plex.tv (with the PIN
of a protected profile), take their own token for the chosen server, connect with it. While the switch runs nobody
is connected, so a failed switch (wrong PIN, plex.tv refusing, no access to the server) leaves the page connected to
no one — never silently to the account owner — and the message says why.
"""

from __future__ import annotations

from typing import Any

from ..app import account as plex_account
from ..errors import AuthError, UsageError
from .flow import Flow, Services, _connected, choose_server


def user_choices(flow: Flow) -> list[dict[str, Any]]:
    """The picker's entries (empty when there is nobody else to act as, or no Plex account sign-in)."""
    with flow.lock:
        users, conn, account = list(flow.users), flow.conn, flow.account
    if not account or len(users) < 2:
        return []
    acting = conn.identity.user_id if conn is not None else None
    entries = []
    for user in users:
        kind = "you" if user.admin else "managed user" if user.managed else "Home member"
        label = f"{user.title} ({kind}{', PIN' if user.protected else ''})"
        selected = (user.uuid == acting) if acting else user.admin
        entries.append({"id": user.uuid, "label": label, "selected": selected and conn is not None,
                        "protected": user.protected})
    return entries


def choose_server_as_before(flow: Flow, services: Services, machine_id: str) -> None:
    """Another server, as the same person: a Home user stays that user (a PIN-protected one is asked for the PIN
    again, and nobody is connected meanwhile) — changing the server never turns into writing the owner's ratings."""
    with flow.lock:
        acting = flow.conn.identity.user_id if flow.conn is not None else None
        flow.server_id = machine_id
    if acting is None:
        choose_server(flow, services, machine_id)
        return
    choose_user(flow, services, acting, "")


def choose_user(flow: Flow, services: Services, user_id: str, pin: str) -> None:
    """Connect to the chosen server as Home user `user_id` (their uuid); the account itself for its admin."""
    with flow.lock:
        token, machine_id, users, account = flow.token, flow.server_id, list(flow.users), flow.account
        if flow.busy():
            raise UsageError("A job is running: wait for it to finish (or cancel it) before changing the user.")
    if not account or token is None:
        raise AuthError("Plex Home users are found through your Plex sign-in: sign in with Plex first.")
    if machine_id is None:
        raise UsageError("Choose a server first.")
    user = next((u for u in users if u.uuid == user_id), None)
    if user is None:
        raise UsageError("That user is not in your Plex Home any more: sign out and sign in again.")
    with flow.lock:  # nobody is connected until the switch has succeeded
        flow.conn, flow.plan, flow.rows = None, None, []
    if user.protected and not pin.strip():
        raise AuthError(f"{user.title!r} is protected by a PIN: enter it in the PIN field. Nobody is connected "
                        "and nothing was written.")
    if user.admin:
        choose_server(flow, services, machine_id)
        return
    target = plex_account.resolve_target(user.uuid, pin.strip() or None, token=token, server=machine_id,
                                         verify=services.app.verify)
    if target.user_id is None or target.server is None:
        raise AuthError(f"No token of {user.title!r} was found for this server. Nothing was written.")
    conn = services.app.connect_server(target.server.client_identifier, None, servers=[target.server],
                                       user_id=target.user_id, user_name=target.user_name,
                                       account_token=target.account_token)
    _connected(flow, conn)
