"""How the window reacts to each controller event (runs on the Tk thread, from the `after()` poll)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import customtkinter as ctk

from . import controller as c
from .coalesce import held
from .events import HISTORY, UNDO_PLAN, AccountKnown, HistoryLoaded, JournalDamaged, UndoPlanned, Unfinished
from .journal_jobs import WRITE_JOBS
from .restore_ui import HANDLERS as REPORT_HANDLERS
from .state import Remembered, scale_factor
from .user_picker import HANDLERS as USER_HANDLERS
from .widgets import enable

if TYPE_CHECKING:
    from .app import App


def status(app: App, e: c.Status) -> None:
    app.set_status(e.text, e.level)


def busy(app: App, e: c.Busy) -> None:
    jobs = e.jobs
    app.action.set_busy(planning=bool(jobs & {c.PLAN, UNDO_PLAN, c.CONNECT}), running=c.RUN in jobs,
                        cancellable=bool(jobs & {c.PLAN, c.RUN, c.LOGIN, UNDO_PLAN, c.CONNECT}))
    app.history.set_busy(bool(jobs & set(WRITE_JOBS)))
    app.banner.set_busy(bool(jobs & set(WRITE_JOBS)))
    if c.LOGIN not in jobs:
        app.login.show_waiting(None)
    enable(app.login.sign_in, c.LOGIN not in jobs)
    enable(app.login.connect, c.CONNECT not in jobs)
    enable(app.source.choose, not jobs & {c.SOURCE, c.PLAN, c.RUN})


def settings_loaded(app: App, e: c.SettingsLoaded) -> None:
    app.remembered = Remembered.from_config(e.config)
    app.form.restore(app.remembered)
    if app.remembered.theme != "System":
        ctk.set_appearance_mode(app.remembered.theme.lower())
    if app.remembered.scale != "100%":
        ctk.set_widget_scaling(scale_factor(app.remembered.scale))
        app.after(50, app.size_window)
    app.restyle()


def login_pending(app: App, e: c.LoginPending) -> None:
    app.login_url = e.url
    app.login.show_waiting(e.url, e.browser_opened)
    app.show_tab("Login")


def login_tick(app: App, e: c.LoginTick) -> None:
    app.login.tick(e.seconds_left)


def signed_in(app: App, e: c.SignedIn) -> None:
    app.login.show_waiting(None)
    app.login.signed_in("Signed in" + (" (remembered)" if not e.where else ""))


def account_known(app: App, e: AccountKnown) -> None:
    remembered = " (remembered)" if "(remembered)" in str(app.login.account.cget("text")) else ""
    app.login.signed_in(f"Signed in as {e.name}{remembered}")


def signed_out(app: App, e: c.SignedOut) -> None:
    app.login.signed_out("Not signed in")
    app.set_status(e.message, "ok")
    app.log_panel.append([(e.message, "info")])


def servers_loaded(app: App, e: c.ServersLoaded) -> None:
    app.login.set_servers(e.servers, e.select, app.remembered.server, app.remembered.libraries)
    if e.select and not str(app.login.account.cget("text")).startswith("Signed in"):
        app.login.signed_in(f"Connected to {e.select} by URL + token", account=False)


def source_loaded(app: App, e: c.SourceLoaded) -> None:
    if app.form.source_path.get() != str(e.path):
        app.form.source_path.set(str(e.path))
    app.source.show_detected(e.description, e.rows, e.problems, e.notes, e.ratings)
    app.general.show_source(e.source, e.description)
    app.check_unfinished()


def plan_ready(app: App, e: c.PlanReady) -> None:
    request = app.form.request()
    where = f"{e.server} ({', '.join(e.libraries)})"
    app.preview_panel.show(e.rows, e.writes, where, request.dry_run)
    app.action.planned(e.writes)
    app.show_tab("Preview", app.right)
    if request.plan_key() == e.key:
        app.plan_key, app.plan_writes = e.key, e.writes
    else:
        app.preview_panel.mark_stale("the options changed while it was being made")
    app.action.set_update_text(app.plan_writes, request.dry_run)


def run_started(app: App, e: c.RunStarted) -> None:
    app.action.started(e.total, e.dry_run, "restored" if e.kind == "undo" else "written")
    app.show_tab("Activity Log", app.right)
    app.banner.hide()
    app.history.hide_confirm()


def run_finished(app: App, e: c.RunFinished) -> None:
    text, level, breakdown = (_undo_result if e.kind == "undo" else _sync_result)(e)
    app.action.finished(breakdown, level, e.unmatched_csv, e.run_log, e.written, e.total)
    if e.status == "dry_run":
        app.action.progress_text.configure(text=f"Dry run: {e.counts.get('Updated', 0)} ratings would be written.")
    app.set_status(text, level)
    if e.status != "dry_run":
        app.plan_key = app.plan_writes = None
        app.preview_panel.mark_stale("Plex has changed since this preview")
        app.action.set_update_text(None, app.form.dry_run.get())
    if e.status in ("done", "dry_run") and e.kind == "sync":
        app.controller.save_settings(app.remembered_settings().to_config())


def _sync_result(e: c.RunFinished) -> tuple[str, str, str]:
    """(status line, level, breakdown) of a sync or a finished resume."""
    counts = e.counts
    parts = [f"Updated {counts.get('Updated', 0)}", f"Unchanged {counts.get('Skipped unchanged', 0)}",
             f"Not found {counts.get('Not found in Plex', 0)}", f"Ambiguous {counts.get('Ambiguous', 0)}",
             f"Type mismatch {counts.get('Type mismatch', 0)}", f"Failed {e.failed}"]
    if counts.get("Marked watched"):
        parts.insert(1, f"Marked watched {counts['Marked watched']}")
    if counts.get("Kept by policy"):
        parts.insert(2, f"Kept by policy {counts['Kept by policy']}")
    if e.not_attempted:
        parts.append(f"Not attempted {e.not_attempted}")
    breakdown = " · ".join(parts)
    undo = "undo it in History"
    what = "changes written" if e.kind == "sync" else "remaining changes written"
    if e.status == "dry_run":
        return f"Dry run finished (run {e.run_id}): nothing was written.", "ok", \
            breakdown.replace("Updated", "Would update", 1)
    if e.status == "cancelled":
        return (f"Cancelled: {e.written} of {e.total} {what}, the rest not attempted (run {e.run_id}; finish it "
                f"from the banner, or {undo})."), "error", breakdown
    if e.status == "stopped":
        return (f"Stopped after {e.written} of {e.total} changes: Plex refused the token or could not be reached "
                "(see the Activity Log). Finish the run from the banner once that is fixed."), "error", breakdown
    if e.failed:
        return f"Finished with {e.failed} failed write{'s' if e.failed != 1 else ''} (run {e.run_id}): see the " \
               "Activity Log and the unmatched CSV.", "error", breakdown
    s = "s" if e.written != 1 else ""
    if e.kind == "resume":
        return f"Run {e.run_id} finished: the remaining {e.written} change{s} written ({undo}).", "ok", breakdown
    return f"Done: {e.written} change{s} written (run {e.run_id}; {undo}).", "ok", breakdown


def _undo_result(e: c.RunFinished) -> tuple[str, str, str]:
    counts = e.counts
    parts = [f"Restored {counts.get('Updated', 0)}", f"Already as before {counts.get('Already restored', 0)}",
             f"Changed since {counts.get('Skipped changed since', 0)}", f"Failed {e.failed}"]
    for key, name in (("Marked unwatched", "Marked unwatched"), ("Marked watched", "Marked watched again"),
                      ("Rated on Discover", "Restored on Plex Discover")):
        if counts.get(key):
            parts.insert(1, f"{name} {counts[key]}")
    if e.not_attempted:
        parts.append(f"Not attempted {e.not_attempted}")
    breakdown = " · ".join(parts)
    if e.status == "cancelled":
        return (f"Undo cancelled: {e.written} of {e.total} items restored (run {e.run_id}). Undo run {e.undo_of} "
                "again to restore the rest."), "error", breakdown
    if e.status == "stopped":
        return (f"Undo stopped after {e.written} of {e.total} items: Plex refused the token or could not be "
                f"reached (see the Activity Log). Undo run {e.undo_of} again once that is fixed."), "error", breakdown
    if e.failed:
        return f"Undo of run {e.undo_of} finished with {e.failed} failed write{'s' if e.failed != 1 else ''}: " \
               "see the Activity Log.", "error", breakdown
    return (f"Undone: run {e.undo_of} is reversed, {e.written} item{'s' if e.written != 1 else ''} restored (the "
            f"undo is run {e.run_id}: undo it in History to redo)."), "ok", breakdown


def failed(app: App, e: c.Failed) -> None:
    app.log_panel.append([(f"Error: {e.message}", "error")])
    app.set_status(e.message, "error")
    # Said once where it belongs (and in the log); the status bar points there instead of a third copy.
    if e.job == c.SOURCE:
        app.source.show_error(e.message)
        app.set_status("This file cannot be used: the Source tab says why.", "error")
    elif e.job == c.PLAN:
        app.preview_panel.clear(f"No preview: {e.message}")
        app.set_status("No preview: the Preview tab says why.", "error")
    elif e.job in (c.LOGIN, c.STARTUP, c.CONNECT):
        app.login.show_waiting(None)
    elif e.job in (UNDO_PLAN, HISTORY):
        app.history.show_error(e.message)


def journal_damaged(app: App, e: JournalDamaged) -> None:
    app.log_panel.append([(f"Error: {e.message}", "error")])
    app.set_status("The run journal is damaged: see History to move it aside.", "error")
    app.history.offer_move_aside(e.message, app.controller.move_journal_aside)


def history_loaded(app: App, e: HistoryLoaded) -> None:
    app.history.show(e.runs)


def undo_planned(app: App, e: UndoPlanned) -> None:
    app.show_tab("History", app.right)
    app.history.ask(e)
    app.action.note(f"Undo of run {e.run_id}: {e.restores} item{'s' if e.restores != 1 else ''} to restore, "
                    "waiting for your answer.")


def unfinished(app: App, e: Unfinished) -> None:
    request = app.form.request()
    if (e.source, e.server) != (request.source, request.server):
        app.check_unfinished()  # an answer about another file or server: ask about the current ones
    elif e.run_id is None or e.run_id in app.dismissed:
        app.banner.hide()
    else:
        app.banner.show(e, app.right_column.show_banner)


HANDLERS: dict[type, Callable[[Any, Any], None]] = {
    c.Status: status, c.Busy: busy, c.SettingsLoaded: settings_loaded, c.LoginPending: login_pending,
    c.LoginTick: login_tick, c.SignedIn: signed_in, c.SignedOut: signed_out, c.ServersLoaded: servers_loaded,
    c.SourceLoaded: source_loaded, c.PlanReady: plan_ready, c.RunStarted: run_started,
    c.RunFinished: run_finished, c.Failed: failed, HistoryLoaded: history_loaded, UndoPlanned: undo_planned,
    Unfinished: unfinished, JournalDamaged: journal_damaged, AccountKnown: account_known,
    **USER_HANDLERS, **REPORT_HANDLERS,
}


def dispatch(app: App, budget_s: float) -> bool:
    """Handle the controller's events for at most `budget_s` (so the window stays responsive); True when more
    are waiting. Log lines and progress are drawn at most ~10 times a second (`coalesce`), before any other event."""
    started = time.monotonic()
    pending = held(app)
    more = True
    while time.monotonic() - started < budget_s:
        events = app.controller.drain(500)
        if not events:
            more = False
            break
        for event in events:
            if not pending.keep(event):
                pending.draw(app)
                HANDLERS[type(event)](app, event)
    pending.draw(app, throttled=True)
    return more
