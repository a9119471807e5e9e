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


def test_demo_ends_with_next_steps_that_work_here_and_no_undo_hint_for_another_journal(tmp_path: Path) -> None:
    """The demo's journal is its own: `ratings-to-plex undo N` (the user's journal) would fail, so the demo does not
    suggest it; it ends with commands spelled as they run from where it was started."""
    venv_script = Path(sys.executable).parent / "ratings-to-plex"
    result = subprocess.run([str(venv_script), "demo", "--report-dir", str(tmp_path / "out"), "--latency-ms", "0"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "undo it with" not in result.stdout
    assert "kept apart from yours" in result.stdout
    tail = result.stdout[result.stdout.index("\nNext:"):]
    assert " demo --gui" in tail and " --help" in tail and " web " in tail
    first = tail.splitlines()[2].split(":", 1)[1].split()[0]  # the command as this checkout runs it
    assert Path(first).resolve() == venv_script.resolve() or first == "ratings-to-plex"
