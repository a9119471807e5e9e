"""How the window reacts to each controller event (runs on the Tk thread, from the `after()` poll)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import customtkinter as ctk

from . import controller as c
from .state import Remembered, scale_factor
from .widgets import enable

if TYPE_CHECKING:
    from .app import App


def status(app: App, e: c.Status) -> None:
    app.set_status(e.text, e.level)


def busy(app: App, e: c.Busy) -> None:
    jobs = e.jobs
    app.action.set_busy(planning=c.PLAN in jobs, running=c.RUN in jobs,
                        cancellable=bool(jobs & {c.PLAN, c.RUN, c.LOGIN}))
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
    app.preview_panel.restyle()


def login_pending(app: App, e: c.LoginPending) -> None:
    app.login_url = e.url
    app.login.show_waiting(e.url, e.browser_opened)
    app.show_tab("Login")


def login_tick(app: App, e: c.LoginTick) -> None:
    app.login.tick(e.seconds_left)


def signed_in(app: App, e: c.SignedIn) -> None:
    app.login.show_waiting(None)
    app.login.signed_in("Signed in" + (" (remembered)" if not e.where else ""))


def signed_out(app: App, e: c.SignedOut) -> None:
    app.login.signed_out("Not signed in")
    app.set_status(e.message, "ok")
    app.log_panel.append([(e.message, "info")])


def servers_loaded(app: App, e: c.ServersLoaded) -> None:
    app.login.set_servers(e.servers, e.select, app.remembered.server, app.remembered.library)
    if e.select and not str(app.login.account.cget("text")).startswith("Signed in"):
        app.login.signed_in(f"Connected to {e.select} by URL + token", account=False)


def source_loaded(app: App, e: c.SourceLoaded) -> None:
    if app.form.source_path.get() != str(e.path):
        app.form.source_path.set(str(e.path))
    app.source.show_detected(e.description, e.rows, e.problems, e.notes)
    app.general.show_source(e.source, e.description)


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
    app.action.started(e.total, e.dry_run)
    app.show_tab("Activity Log", app.right)


def run_finished(app: App, e: c.RunFinished) -> None:
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
    undo = f"undo with: ratings-to-plex undo {e.run_id}"
    if e.status == "dry_run":
        text, level = f"Dry run finished (run {e.run_id}): nothing was written.", "ok"
        breakdown = breakdown.replace("Updated", "Would update", 1)
    elif e.status == "cancelled":
        text, level = (f"Cancelled: {e.written} of {e.total} changes written, the rest not attempted "
                       f"(run {e.run_id}; {undo})."), "error"
    elif e.status == "stopped":
        text, level = f"Stopped after {e.written} of {e.total} changes: Plex refused the token. Sign in again.", \
            "error"
    elif e.failed:
        text, level = f"Finished with {e.failed} failed write{'s' if e.failed != 1 else ''} (run {e.run_id}): " \
                      "see the Activity Log and the unmatched CSV.", "error"
    else:
        text, level = f"Done: {e.written} change{'s' if e.written != 1 else ''} written (run {e.run_id}; {undo}).", \
            "ok"
    app.action.finished(breakdown, level, e.unmatched_csv, e.run_log, e.written, e.total)
    if e.status == "dry_run":
        app.action.progress_text.configure(text=f"Dry run: {counts.get('Updated', 0)} ratings would be written.")
    app.set_status(text, level)
    if e.status != "dry_run":
        app.plan_key = app.plan_writes = None
        app.preview_panel.mark_stale("Plex has changed since this preview")
        app.action.set_update_text(None, app.form.dry_run.get())
    if e.status in ("done", "dry_run"):
        app.controller.save_settings(app.form.remembered().to_config())


def failed(app: App, e: c.Failed) -> None:
    app.log_panel.append([(f"Error: {e.message}", "error")])
    app.set_status(e.message, "error")
    if e.job == c.SOURCE:
        app.source.show_error(e.message)
    elif e.job == c.PLAN:
        app.preview_panel.clear(f"No preview: {e.message}")
    elif e.job in (c.LOGIN, c.STARTUP, c.CONNECT):
        app.login.show_waiting(None)


HANDLERS: dict[type, Callable[[Any, Any], None]] = {
    c.Status: status, c.Busy: busy, c.SettingsLoaded: settings_loaded, c.LoginPending: login_pending,
    c.LoginTick: login_tick, c.SignedIn: signed_in, c.SignedOut: signed_out, c.ServersLoaded: servers_loaded,
    c.SourceLoaded: source_loaded, c.PlanReady: plan_ready, c.RunStarted: run_started,
    c.RunFinished: run_finished, c.Failed: failed,
}
