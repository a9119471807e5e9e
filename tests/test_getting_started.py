"""What a newcomer meets first: the emulator says how to connect to it and how to sign in against it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def test_emulator_prints_next_steps_on_stderr_after_the_two_script_lines() -> None:
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ratings_to_plex.emulator", "--demo", "--token", "fake-token-for-tests"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        url = proc.stdout.readline().split(" ", 1)[1].strip()
        assert proc.stdout.readline() == "TOKEN: fake-token-for-tests\n"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        rest_of_stdout, hints = proc.stdout.read(), proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert rest_of_stdout == ""  # scripts read stdout: only the two lines
    assert f"RATINGS_TO_PLEX_PLEXTV_URL={url} ratings-to-plex login --no-browser" in hints
    assert f"curl -X POST {url}/emulator/pins/approve-all" in hints
    assert f"PLEX_URL={url} PLEX_TOKEN=<TOKEN above>" in hints
    assert "fake-token-for-tests" not in hints  # the token is printed once, where scripts expect it
