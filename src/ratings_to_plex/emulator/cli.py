"""`python -m ratings_to_plex.emulator` / `ratings-to-plex emulator`: run an emulator until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Any

from .server import Emulator, EmulatorConfig


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ratings-to-plex emulator", description="Run a local Plex emulator.")
    p.add_argument("--movies", type=int, default=200, help="generated movies (default 200)")
    p.add_argument("--shows", type=int, default=20, help="generated shows (default 20)")
    p.add_argument("--episodes-per-show", type=int, default=6, help="episodes per show (default 6)")
    p.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    p.add_argument("--demo", action="store_true", help="serve the fixed demo library instead")
    p.add_argument("--latency-ms", type=float, default=0.0, help="delay added to every request")
    p.add_argument("--fault-rate", type=float, default=0.0, help="share of requests that fail (500/503/429/reset)")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--token", default=None, help="token to accept (default: random)")
    return p


def config_from_args(argv: Sequence[str] | None = None) -> EmulatorConfig:
    a = build_parser().parse_args(argv)
    return EmulatorConfig(movies=a.movies, shows=a.shows, episodes_per_show=a.episodes_per_show, seed=a.seed,
                          demo=a.demo, latency_ms=a.latency_ms, fault_rate=a.fault_rate, port=a.port,
                          token=a.token)


def run_emulator(config: EmulatorConfig) -> int:
    """Start, print the URL and TOKEN lines (first, flushed), block until SIGINT/SIGTERM, stop; returns 0."""
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():  # signal handlers only work there
        previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with Emulator(config) as emu:
            sys.stdout.write(f"URL: {emu.url}\nTOKEN: {emu.token}\n")
            sys.stdout.flush()
            sys.stderr.write(next_steps(emu.url))
            sys.stderr.flush()
            while not stop.wait(0.5):
                pass  # the server runs in its own thread; this one only waits for a signal
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def next_steps(url: str) -> str:
    """What a newcomer can do with a running emulator: connecting by token, and signing in by PIN against it.

    Printed on stderr, after the two lines scripts read on stdout, so `URL:`/`TOKEN:` stay the first output.
    """
    return (
        "\nThe emulator is a local Plex server (libraries 'Movies' and 'TV Shows') and a local plex.tv.\n"
        "Connect with the URL and TOKEN above (the variables keep the token out of the process list):\n"
        f"  PLEX_URL={url} PLEX_TOKEN=<TOKEN above> ratings-to-plex sync FILE --library Movies --dry-run\n"
        "Or sign in by PIN, as with a real Plex account:\n"
        f"  RATINGS_TO_PLEX_PLEXTV_URL={url} ratings-to-plex login --no-browser\n"
        f"  then approve the PIN in another terminal:  curl -X POST {url}/emulator/pins/approve-all\n"
        f"  and keep RATINGS_TO_PLEX_PLEXTV_URL={url} set for servers, sync, gui and web.\n"
        f"Its Plex Discover stand-in (sync --discover, after login): RATINGS_TO_PLEX_DISCOVER_URL={url}/discover\n"
        "Stop it with Ctrl-C.\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    return run_emulator(config_from_args(argv))
