"""What the user has chosen in the window, as plain values (no Tk): the run request and the remembered settings.

The window reads its widgets into a `RunRequest`; the controller turns that into `SyncOptions`. Keeping this
translation here lets tests check it without a display, and keeps the views free of engine rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ..app import POLICIES, PlanOptions, SyncOptions

#: The Filters tab: a label per check box and the title types (INTERFACES.md vocabulary) it stands for.
TYPE_TOGGLES: Final[tuple[tuple[str, frozenset[str]], ...]] = (
    ("Movie", frozenset({"movie"})),
    ("TV Series", frozenset({"tv_series"})),
    ("TV Mini Series", frozenset({"tv_mini_series"})),
    ("TV Movie", frozenset({"tv_movie"})),
    ("TV Episode", frozenset({"tv_episode"})),
    ("Other", frozenset({"short", "video", "tv_special", "other"})),
)
ALL_TYPES: Final = frozenset().union(*(t for _, t in TYPE_TOGGLES))

#: The conflict-policy menu: what the user reads, and the engine's policy name.
POLICY_LABELS: Final[dict[str, str]] = {
    "overwrite": "Overwrite Plex's rating",
    "only-empty": "Only rate unrated items",
    "newer": "Keep whichever is newer",
}
assert set(POLICY_LABELS) == set(POLICIES)

THEMES: Final = ("System", "Dark", "Light")
SCALES: Final = ("100%", "125%", "150%", "175%", "200%")
GUI_KEY: Final = "gui"  # settings only the window uses live under [gui] in config.toml


def types_for(enabled: Mapping[str, bool]) -> frozenset[str] | None:
    """The `SyncOptions.types` for the ticked boxes: None when every box is ticked (import every type)."""
    chosen = frozenset().union(*(types for label, types in TYPE_TOGGLES if enabled.get(label, True)))
    return None if chosen == ALL_TYPES else chosen


@dataclass(frozen=True)
class RunRequest:
    """One press of Preview or Update: the file, the server and libraries, and every option."""

    source: Path | None
    server: str | None
    libraries: tuple[str, ...] = ()  # one or several, by title
    all_libraries: bool = False
    types: frozenset[str] | None = None
    policy: str = "overwrite"
    force: bool = False
    mark_watched: bool = False
    dry_run: bool = False
    discover: bool = False  # also rate rows in no library on Plex Discover

    def problem(self) -> str | None:
        """What is missing before a plan can be made, in words; None when the request is complete."""
        if self.server is None:
            return "Sign in and choose a server on the Login tab first."
        if not self.all_libraries and not self.libraries:
            return "Choose a library on the Login tab, or tick \u201cSearch ALL libraries\u201d."
        if self.source is None:
            return "Choose an export file on the Source tab first (Ctrl+O)."
        if self.types is not None and not self.types:
            return "Every media type is switched off on the Filters tab: tick at least one."
        return None

    def options(self) -> SyncOptions:
        return SyncOptions(
            libraries=() if self.all_libraries else self.libraries,
            all_libraries=self.all_libraries,
            types=self.types,
            plan=PlanOptions(force=self.force, policy=self.policy, mark_watched=self.mark_watched),
            dry_run=self.dry_run,
            discover=self.discover,
        )

    def plan_key(self) -> tuple[Any, ...]:
        """Everything the plan depends on (a dry run plans the same as a real one)."""
        return (str(self.source), self.server, () if self.all_libraries else self.libraries, self.all_libraries,
                self.types, self.policy, self.force, self.mark_watched, self.discover)


@dataclass
class Remembered:
    """The choices restored at start: last server/libraries (shared with the CLI) and the window's own options."""

    server: str | None = None
    libraries: tuple[str, ...] = ()
    all_libraries: bool = False
    types: dict[str, bool] = field(default_factory=lambda: {label: True for label, _ in TYPE_TOGGLES})
    policy: str = "overwrite"
    force: bool = False
    mark_watched: bool = False
    theme: str = "System"
    scale: str = "100%"
    last_folder: str | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Remembered:
        """Read what is usable; anything odd (hand-edited file) falls back to the default."""
        raw = config.get(GUI_KEY)
        gui: dict[str, Any] = raw if isinstance(raw, dict) else {}
        libraries = config.get("libraries")
        r = cls()
        r.server = _str(config.get("server"))
        if isinstance(libraries, list):
            r.libraries = tuple(dict.fromkeys(name for name in libraries if isinstance(name, str) and name))
        r.all_libraries = bool(gui.get("all_libraries", False))
        saved_types = gui.get("types")
        if isinstance(saved_types, list):
            r.types = {label: label in saved_types for label, _ in TYPE_TOGGLES}
        r.policy = _pick(gui.get("policy"), tuple(POLICY_LABELS), "overwrite")
        r.force = bool(gui.get("force", False))
        r.mark_watched = bool(gui.get("mark_watched", False))
        r.theme = _pick(gui.get("theme"), THEMES, "System")
        r.scale = _pick(gui.get("scale"), SCALES, "100%")
        r.last_folder = _str(gui.get("last_folder"))
        return r

    def to_config(self) -> dict[str, Any]:
        """The updates for `save_config` (top-level server/libraries are the CLI's too)."""
        shared = {"server": self.server, "libraries": list(self.libraries) or None}
        return {
            # Not signed in this time (offline?) must not forget the server chosen last time.
            **{key: value for key, value in shared.items() if value is not None},
            GUI_KEY: {
                "all_libraries": self.all_libraries,
                "types": [label for label, on in self.types.items() if on],
                "policy": self.policy,
                "force": self.force,
                "mark_watched": self.mark_watched,
                "theme": self.theme,
                "scale": self.scale,
                **({"last_folder": self.last_folder} if self.last_folder else {}),
            },
        }


def _pick(value: Any, allowed: tuple[str, ...], default: str) -> str:
    return value if isinstance(value, str) and value in allowed else default


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def scale_factor(label: str) -> float:
    """"150%" → 1.5 (unknown labels → 1.0)."""
    try:
        return max(0.5, min(3.0, float(label.rstrip("%")) / 100))
    except ValueError:
        return 1.0
