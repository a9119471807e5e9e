"""`demo`: a real sync against the embedded emulator with the bundled sample exports — no Plex server needed."""

from __future__ import annotations

import os
import shutil
import sys
import time
from importlib.resources import as_file, files
from pathlib import Path

import typer

from ..app import DISCOVER_ENV, AppSession, PlanOptions, SyncOptions
from .app import app, friendly_errors, out
from .sync_cmd import run_sync

SAMPLES = ("sample_imdb_ratings.csv", "sample_letterboxd_ratings.csv")


@app.command()
@friendly_errors
def demo(
    gui: bool = typer.Option(False, "--gui", help="Open the desktop app against the emulator instead."),
    report_dir: Path = typer.Option(Path("demo-output"), "--report-dir", help="Where the demo writes its reports."),
    latency_ms: float = typer.Option(5.0, "--latency-ms", min=0, help="Simulated network delay per request."),
    discover: bool = typer.Option(False, "--discover", help="Also rate the samples' titles that are in no library "
                                  "on the emulator's stand-in for Plex Discover."),
) -> None:
    """Start the emulator with a demo library and sync the bundled IMDb and Letterboxd samples into it.

    Example: ratings-to-plex demo --report-dir /tmp/r2p-demo
    """
    from ..emulator import Emulator, EmulatorConfig

    report_dir = report_dir.resolve()
    report_dir.mkdir(parents=True, exist_ok=True)
    # The demo keeps its journal beside its reports, so it never mixes with the user's real run history.
    session = AppSession(journal_path=report_dir / "journal.sqlite3", report_dir=report_dir)
    started = time.monotonic()
    with Emulator(EmulatorConfig(demo=True, latency_ms=latency_ms)) as emu, \
            as_file(files("ratings_to_plex.data")) as data:
        samples = [Path(data) / name for name in SAMPLES]
        out.print(f"Demo Plex emulator running at {emu.url} (libraries: Movies, TV Shows, Movies 4K)", markup=False)
        os.environ[DISCOVER_ENV] = emu.discover_url  # the demo never reaches the real Plex Discover
        if gui:
            from ..gui import run_app

            raise typer.Exit(run_app(url=emu.url, token=emu.token, sample_file=samples[0],
                                     journal_path=session.journal_path, report_dir=report_dir,
                                     account_token=emu.token))  # Discover works without a real sign-in
        conn = session.connect_url(emu.url, emu.token, account_token=emu.token)
        options = SyncOptions(all_libraries=True, plan=PlanOptions(), discover=discover)
        code = run_sync(session, conn, samples, options, yes=True, as_json=False, undo_hint=False)
    out.print(f"\nDemo finished in {time.monotonic() - started:.1f} s. Reports, logs and the demo's own run history "
              f"(kept apart from yours) are in {report_dir}", markup=False)
    out.print(next_steps(), markup=False)
    raise typer.Exit(code)


def next_steps() -> str:
    """What to try after the demo, with the command spelled the way it runs here: from this checkout's `.venv`
    after `make demo` (not on PATH), or as plain `ratings-to-plex` once installed for good."""
    command = "ratings-to-plex"
    here = Path(sys.argv[0]).resolve()
    on_path = shutil.which(command)
    if here.name == command and (on_path is None or Path(on_path).resolve() != here):
        command = os.path.relpath(here) if here.is_relative_to(Path.cwd()) else str(here)
    lines = ["", "Next:",
             f"  the desktop app on the demo:   {command} demo --gui",
             f"  a browser UI:                  {command} web   (try it on the URL and TOKEN that "
             f"{command} emulator --demo prints)",
             f"  your own ratings:              {command} login   then   {command} sync YOUR_EXPORT --dry-run",
             f"  every command:                 {command} --help"]
    if command != "ratings-to-plex":
        lines.append("  install it for good:           pipx install .   (puts ratings-to-plex on your PATH)")
    return "\n".join(lines)
