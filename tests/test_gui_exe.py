"""Build the one-file desktop executable with PyInstaller (as `make exe` does) and smoke-run it under Xvfb with
`--self-test`. Slow (about a minute): run with --run-slow; CI does."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .test_gui import xvfb

pytestmark = [pytest.mark.gui, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def exe_display() -> Iterator[str]:
    with xvfb() as name:
        yield name


@pytest.mark.timeout(900)
def test_built_executable_starts_and_builds_every_tab(tmp_path: Path, exe_display: str) -> None:
    if importlib.util.find_spec("PyInstaller") is None:
        message = "PyInstaller is missing: pip install '.[build]'"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    built = subprocess.run([sys.executable, str(ROOT / "packaging" / "build_exe.py"), "--dist", str(tmp_path / "dist"),
                            "--work", str(tmp_path / "work")], capture_output=True, text=True, timeout=840)
    assert built.returncode == 0, built.stderr[-3000:]
    exe = next((tmp_path / "dist").glob("ratings-to-plex-gui*"))
    assert exe.stat().st_size < 120e6
    started = time.monotonic()
    run = subprocess.run([str(exe), "--self-test"], capture_output=True, text=True, timeout=60,
                         env={"DISPLAY": exe_display, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                              "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    elapsed = time.monotonic() - started
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("self-test ok"), run.stdout + run.stderr
    assert elapsed < 15, f"the executable took {elapsed:.1f} s to start"
