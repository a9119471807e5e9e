"""The rules about journaled runs, written once: which run may be undone or resumed, by whom, on which server.

Every interface asks these (through `AppSession`), so the CLI, the desktop app and the web UI can never disagree.
A rule answers with the reason in words (shown as is), or None when the action is allowed.
"""

from __future__ import annotations

from ..model import Identity, RunInfo


def same_identity(run: RunInfo, identity: Identity) -> bool:
    """Whether `run` wrote to this server (machine identifier — never the name) as this Plex user and, for the
    signed-in account, as this account (`Identity.same_user`)."""
    return identity.same_user(run.identity)


def identity_problem(run: RunInfo, identity: Identity) -> str | None:
    """Why `identity` is not where `run` wrote, in words; None when it is."""
    if same_identity(run, identity):
        return None
    server = identity.server_name or "this server"
    if run.machine_id == identity.machine_id and run.user_id is None and identity.user_id is None:
        return (f"Run {run.id} was made by another Plex account signed in on this computer (or, for a run made by "
                f"URL, with another token) on {server}: sign in as that account, or connect with the token it "
                "used, to change it.")
    if run.machine_id == identity.machine_id:
        return f"Run {run.id} wrote the ratings of another Plex user of {server}: switch to that user first."
    where = run.server_name or "a server"
    if run.server_url:
        where += f" at {run.server_url}"
    return (f"Run {run.id} wrote to {where}, but {identity.label} is another server (servers are told apart by "
            "their identifier, not their name): connect to the server the run wrote to.")


def undo_blocker(run: RunInfo, identity: Identity | None = None, *, running_elsewhere: bool = False) -> str | None:
    """Why `run` cannot be undone (on `identity`, when given); None when it can."""
    if run.dry_run:
        return f"Run {run.id} was a dry run: it wrote nothing, so there is nothing to undo."
    if run.undone_by is not None:
        return f"Run {run.id} was already undone by run {run.undone_by} (undo run {run.undone_by} to redo it)."
    if not run.possibly_written:
        return f"Run {run.id} wrote nothing to Plex, so there is nothing to undo."
    if running_elsewhere:
        return (f"Run {run.id} is still being written by another process: let it finish (or stop it) before "
                "undoing it.")
    return identity_problem(run, identity) if identity is not None else None


def resume_blocker(run: RunInfo, identity: Identity | None = None, *, running_elsewhere: bool = False,
                   ) -> str | None:
    """Why `run` cannot be resumed (on `identity`, when given); None when it can."""
    if run.dry_run:
        return f"Run {run.id} was a dry run: there is nothing to resume."
    if run.finished:
        return f"Run {run.id} has already finished ({run.status}): there is nothing to resume."
    if run.undone_by is not None:
        return f"Run {run.id} was undone by run {run.undone_by}: there is nothing to resume."
    if running_elsewhere:
        return (f"Run {run.id} is still running in another process: let it finish (or stop it) before "
                "resuming it.")
    return identity_problem(run, identity) if identity is not None else None
