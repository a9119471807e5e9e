"""The desktop app (customtkinter): `ratings-to-plex-gui`, `ratings-to-plex gui` and `demo --gui`.

Views only: the engine (`controller` and its worker threads) runs in a process of its own (`engine_process`,
reached through `remote`), and the window (`app`) updates itself from the controller's events: however busy the
engine is, the window's process only draws (issue 12). Importing this package does not import Tk.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

SELF_TEST_OK = "self-test ok"


def run_app(url: str | None = None, token: str | None = None, sample_file: Path | None = None,
            self_test: bool = False, *, journal_path: Path | None = None, report_dir: Path | None = None,
            account_token: str | None = None) -> int:
    """Open the window (blocking until it is closed); returns an exit code.

    `url` + `token` connect straight to a server (the demo's emulator); `sample_file` is chosen as the source.
    `journal_path` and `report_dir` replace the user's own (the demo keeps its runs apart); `account_token` is the
    plex.tv token Plex Discover is reached with for a URL connection (the demo's emulator, without a real sign-in).
    `self_test` builds the window and every tab, prints "self-test ok" and exits 0 (CI smoke test of the exe).
    """
    started = time.monotonic()
    try:
        import tkinter

        from .app import App
        from .engine_process import EngineSettings
        from .remote import RemoteController
    except ImportError as exc:  # Python built without Tk
        return _fail(f"The desktop app needs Tk, which this Python lacks ({exc}). Install python3-tk, or use "
                     "the command line: ratings-to-plex sync --help")
    try:
        app = App(RemoteController(EngineSettings(journal_path, report_dir, account_token)))
    except tkinter.TclError as exc:
        return _fail(f"Cannot open a window ({exc}). The desktop app needs a graphical session; the command "
                     "line works without one: ratings-to-plex sync --help")
    if self_test:
        return _self_test(app, started)
    if url and token:
        app.form.url.set(url)
        app.form.token.set(token)
    app.controller.start(url=url, token=token, sample_file=sample_file, use_stored_token=not (url and token))
    app.mainloop()
    return 0


def _self_test(app: object, started: float) -> int:
    import importlib

    from .app import TAB_NAMES, App

    assert isinstance(app, App)
    ok = app.self_test(TAB_NAMES)
    if not getattr(app.controller, "ping", lambda: True)():  # the engine process starts in a frozen build too
        _say("self-test: the engine process does not answer")
        ok = False
    # What the worker threads import on first use must be in a frozen build too (no network, no keyring access).
    for module in ("ratings_to_plex.app", "ratings_to_plex.app.account", "ratings_to_plex.sources",
                   "keyring.backends.fail", "plexapi.myplex", "plexapi.video"):
        try:
            importlib.import_module(module)
        except Exception as exc:  # report every missing piece, not only the first
            _say(f"self-test: cannot import {module}: {exc}")
            ok = False
    app.close()
    message = f"{SELF_TEST_OK} ({time.monotonic() - started:.2f} s)" if ok else "self-test FAILED"
    _say(message)
    return 0 if ok else 1


def _say(text: str) -> None:
    """Print even from a windowed build, where sys.stdout may be None (Windows): then to the named file."""
    target = os.environ.get("RATINGS_TO_PLEX_SELF_TEST_FILE")
    if target:
        Path(target).write_text(text + "\n", encoding="utf-8")
    if sys.stdout is not None:
        print(text, flush=True)


def _fail(message: str) -> int:
    if sys.stderr is not None:
        print(f"error: {message}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    """`ratings-to-plex-gui [--self-test] [--file EXPORT] [--url URL]` (token from PLEX_TOKEN with --url)."""
    parser = argparse.ArgumentParser(prog="ratings-to-plex-gui",
                                     description="Desktop app: move IMDb and Letterboxd ratings into Plex.")
    parser.add_argument("--self-test", action="store_true", help="Open and build every tab, print 'self-test ok', "
                                                                 "exit 0 (used by CI).")
    parser.add_argument("--file", type=Path, help="Export file to start with.")
    parser.add_argument("--url", default=os.environ.get("PLEX_URL"), help="Connect straight to this server URL "
                                                                           "(token from PLEX_TOKEN).")
    args = parser.parse_args(argv)
    return run_app(url=args.url, token=os.environ.get("PLEX_TOKEN"), sample_file=args.file,
                   self_test=args.self_test)
