"""Build the desktop app as one windowed executable with PyInstaller: `dist/ratings-to-plex-gui` (`.exe` on
Windows). Called by `make exe`; the slow test `tests/test_gui_exe.py` builds into a temporary folder and smoke-runs
the result with `--self-test`.

    python packaging/build_exe.py [--dist DIR] [--work DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAME = "ratings-to-plex-gui"
ENTRY = HERE / "gui_entry.py"

# Imported by name at run time (plugins, backends) rather than by an import statement PyInstaller can see.
HIDDEN_IMPORTS = (
    "keyring.backends.SecretService",
    "keyring.backends.Windows",
    "keyring.backends.macOS",
    "keyring.backends.kwallet",
    "keyring.backends.chainer",
    "keyring.backends.fail",
    "keyring.backends.null",
    "darkdetect",
)
COLLECT_SUBMODULES = ("plexapi", "keyring.backends")  # plexapi registers its item classes on import
COLLECT_DATA = ("customtkinter", "ratings_to_plex", "anyascii")  # themes/fonts, sample exports, transliteration
COPY_METADATA = ("ratings-to-plex", "plexapi", "keyring")  # importlib.metadata lookups (version, entry points)
EXCLUDES = ("pytest", "hypothesis", "mypy", "ruff", "IPython", "matplotlib", "numpy")


def pyinstaller_args(dist: Path, work: Path) -> list[str]:
    args = [str(ENTRY), "--name", NAME, "--onefile", "--windowed", "--noconfirm", "--log-level", "WARN",
            "--distpath", str(dist), "--workpath", str(work), "--specpath", str(work)]
    for module in HIDDEN_IMPORTS:
        args += ["--hidden-import", module]
    for package in COLLECT_SUBMODULES:
        args += ["--collect-submodules", package]
    for package in COLLECT_DATA:
        args += ["--collect-data", package]
    for dist_name in COPY_METADATA:
        args += ["--copy-metadata", dist_name]
    for module in EXCLUDES:
        args += ["--exclude-module", module]
    return args


def build(dist: Path, work: Path) -> Path:
    """Build and return the path of the executable."""
    import PyInstaller.__main__

    PyInstaller.__main__.run(pyinstaller_args(dist, work))
    exe = dist / (NAME + (".exe" if sys.platform.startswith("win") else ""))
    if not exe.exists():
        raise SystemExit(f"PyInstaller finished but {exe} is missing")
    return exe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=Path("dist"), help="Where the executable goes (dist/).")
    parser.add_argument("--work", type=Path, default=Path("build") / "pyinstaller", help="Scratch folder.")
    args = parser.parse_args(argv)
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        print("PyInstaller is missing: pip install '.[build]' (make exe does it).", file=sys.stderr)
        return 2
    started = time.monotonic()
    exe = build(args.dist.resolve(), args.work.resolve())
    size_mb = exe.stat().st_size / 1e6
    print(f"Built {exe} ({size_mb:.1f} MB) in {time.monotonic() - started:.0f} s. "
          f"Smoke test: {exe} --self-test (needs a display; under CI: xvfb-run).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
