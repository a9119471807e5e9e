"""`emulator`: run the embedded Plex emulator in the foreground (for trying the tool, scripts and checks)."""

from __future__ import annotations

import typer

from .app import app, friendly_errors


@app.command()
@friendly_errors
def emulator(
    movies: int = typer.Option(200, "--movies", min=0, help="Generated movies."),
    shows: int = typer.Option(20, "--shows", min=0, help="Generated shows."),
    episodes_per_show: int = typer.Option(6, "--episodes-per-show", min=0, help="Episodes per generated show."),
    seed: int = typer.Option(1, "--seed", help="Seed of the generated library (same seed, same library)."),
    demo: bool = typer.Option(False, "--demo", help="Serve the fixed demo library instead of a generated one."),
    latency_ms: float = typer.Option(0.0, "--latency-ms", min=0, help="Delay added to every request."),
    fault_rate: float = typer.Option(0.0, "--fault-rate", min=0, max=1, help="Share of requests that fail "
                                     "(500/503/429/connection reset)."),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Port on 127.0.0.1 (0: a free one)."),
    token: str = typer.Option(None, "--token", help="Use this token instead of a random one."),
) -> None:
    """Run a local Plex emulator; prints `URL:` and `TOKEN:` lines, then serves until Ctrl-C.

    Example: ratings-to-plex emulator --demo --port 32400

    Then connect with PLEX_URL=<URL> PLEX_TOKEN=<TOKEN>, or sign in by PIN with RATINGS_TO_PLEX_PLEXTV_URL=<URL>
    ratings-to-plex login --no-browser and approve it with: curl -X POST <URL>/emulator/pins/approve-all
    """
    from ..emulator import EmulatorConfig, run_emulator

    config = EmulatorConfig(movies=movies, shows=shows, episodes_per_show=episodes_per_show, seed=seed, demo=demo,
                            latency_ms=latency_ms, fault_rate=fault_rate, port=port, token=token)
    raise typer.Exit(run_emulator(config))
