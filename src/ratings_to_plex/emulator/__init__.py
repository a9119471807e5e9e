"""An embedded Plex emulator: a real threaded HTTP server speaking PMS and plex.tv protocol for unmodified plexapi.

    with Emulator(EmulatorConfig(movies=200, shows=20)) as emu:
        PlexServer(emu.url, emu.token)

See PLEX_PROTOCOL.md for the wire shapes it reproduces.
"""

from __future__ import annotations

from .cli import main, run_emulator
from .counters import Counters
from .demo_data import DEMO_ITEMS, DemoItem, demo_library
from .faults import FaultConfig
from .generator import generate_library
from .library import Item, ItemState, Library, Section
from .server import Emulator, EmulatorConfig

__all__ = [
    "DEMO_ITEMS",
    "Counters",
    "DemoItem",
    "Emulator",
    "EmulatorConfig",
    "FaultConfig",
    "Item",
    "ItemState",
    "Library",
    "Section",
    "demo_library",
    "generate_library",
    "main",
    "run_emulator",
]
