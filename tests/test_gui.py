"""The real desktop app under Xvfb, driven against the emulator: PIN sign-in, server/library/file, preview,
a run cancelled midway, the finished run, and a restart that remembers; the History view's undo (and redo, cancelled
midway), the banner that offers to finish an unfinished run at the next start, and several libraries searched
together — asserting Plex's final ratings, the widgets, that no engine call ran on the Tk thread, and that no text is
clipped at 100 % and 150 % scaling.

Screenshots of every step go to test-artifacts/gui/.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import shutil
import subprocess
import time
import tkinter as tk
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from ratings_to_plex.emulator import Emulator

pytestmark = pytest.mark.gui

SAMPLES = Path(str(files("ratings_to_plex.data")))
IMDB = SAMPLES / "sample_imdb_ratings.csv"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "gui"


# -- display ----------------------------------------------------------------------------------------------
def _free_display() -> int:
    for number in range(120, 400):
        if not (Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists()):
            return number
    raise RuntimeError("no free X display number")


@contextlib.contextmanager
def xvfb() -> Iterator[str]:
    """A private Xvfb server for the session; skipped only when Xvfb is missing outside CI."""
    binary = shutil.which("Xvfb")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is not installed: CI must run the GUI tests (make test installs xvfb).")
        pytest.skip("Xvfb is not installed (apt install xvfb); CI runs these tests")
    number = _free_display()
    proc = subprocess.Popen([binary, f":{number}", "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket = Path(f"/tmp/.X11-unix/X{number}")
    deadline = time.monotonic() + 10
    while not socket.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"Xvfb :{number} did not start")
        time.sleep(0.05)
    previous = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = f":{number}"
    try:
        yield f":{number}"
    finally:
        if previous is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = previous
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    with xvfb() as name:
        yield name


# -- driving the app --------------------------------------------------------------------------------------
class Driver:
    """Builds the app, pumps its event loop, takes screenshots."""

    def __init__(self, scale: float, tag: str, controller: Any = None) -> None:
        """`controller`: the window's controller; by default an in-process one (tests may then patch this process),
        `RemoteController()` for the engine in its own process, as the app itself runs."""
        import customtkinter as ctk

        from ratings_to_plex.gui.app import App
        from ratings_to_plex.gui.controller import Controller
        from ratings_to_plex.gui.engine import Engine

        ctk.set_appearance_mode("light")
        ctk.set_widget_scaling(scale)
        self.tag = tag
        self.engine = Engine()
        self.app = App(controller or Controller(self.engine))
        if controller is None:  # every event must be able to cross to the window's process, as the app runs
            post = self.app.controller.post
            self.app.controller.post = lambda event: post(pickle.loads(pickle.dumps(event)))  # type: ignore
        self.opened: list[Path] = []
        self.app.opener = self.opened.append
        self.pump(0.3)

    def pump(self, seconds: float = 0.0, until: Callable[[], Any] | None = None, what: str = "") -> None:
        deadline = time.monotonic() + (seconds if until is None else max(seconds, 60.0))
        while time.monotonic() < deadline:
            self.app.update()
            if until is not None and until():
                for _ in range(3):
                    self.app.update()
                return
            time.sleep(0.005)
        if until is not None:
            raise AssertionError(f"timed out waiting for {what or until}; status: {self.status()!r}; "
                                 f"log tail: {self.app.log_panel.text()[-600:]!r}")

    def idle(self) -> bool:
        return not self.app.controller.busy

    def status(self) -> str:
        return str(self.app.status.cget("text"))

    def shot(self, name: str) -> Path | None:
        """Save the window as PNG (ImageMagick `import`, else PIL); a missing tool never fails a test."""
        self.pump(0.15)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.tag}_{name}.png"
        window = self.app.wm_frame()
        if shutil.which("import"):
            done = subprocess.run(["import", "-window", window, str(path)], capture_output=True, timeout=20)
            if done.returncode == 0:
                return path
        with contextlib.suppress(Exception):
            from PIL import ImageGrab

            x, y = self.app.winfo_rootx(), self.app.winfo_rooty()
            ImageGrab.grab(bbox=(x, y, x + self.app.winfo_width(), y + self.app.winfo_height()),
                           xdisplay=os.environ["DISPLAY"]).save(path)
            return path
        return None

    def close(self) -> None:
        import customtkinter as ctk

        with contextlib.suppress(tk.TclError):
            self.app.close()
        ctk.set_widget_scaling(1.0)
        gc.unfreeze()  # a library scan froze the live window: unfrozen, its garbage is collectable on this thread
        gc.collect()  # the closed window's Tk fonts and variables are freed here, not later in a worker thread


@pytest.fixture
def emu(emulator: Callable[..., Emulator], monkeypatch: pytest.MonkeyPatch) -> Emulator:
    e = emulator(demo=True, latency_ms=2)
    monkeypatch.setenv("RATINGS_TO_PLEX_PLEXTV_URL", e.url)
    return e


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """No real browser: record the sign-in URL the app opens."""
    opened: list[str] = []
    monkeypatch.setenv("BROWSER", "true")
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url) or True)
    return opened


def clipped(app: tk.Misc) -> list[str]:
    """Visible widgets cut off by their container or the window, and texts that do not fit their label."""
    problems: list[str] = []

    def box(w: tk.Misc) -> tuple[int, int, int, int]:
        return w.winfo_rootx(), w.winfo_rooty(), w.winfo_width(), w.winfo_height()

    def visit(widget: tk.Misc, parent_box: tuple[int, int, int, int]) -> None:
        if not widget.winfo_ismapped():
            return
        x, y, w, h = box(widget)
        px, py, pw, ph = parent_box
        text = widget.cget("text") if isinstance(widget, tk.Label) else ""
        name = f"{text!r} ({widget})" if text else str(widget)
        if w > 1 and h > 1 and (x < px - 1 or y < py - 1 or x + w > px + pw + 1 or y + h > py + ph + 1):
            problems.append(f"{name} at {x - px},{y - py} {w}x{h} is cut by its {pw}x{ph} container")
        if text and (widget.winfo_reqwidth() > w + 1 or widget.winfo_reqheight() > h + 1):
            problems.append(f"{name} needs {widget.winfo_reqwidth()}x{widget.winfo_reqheight()}, has {w}x{h}")
        if isinstance(widget, tk.Canvas | tk.Label | tk.Entry | tk.Text):
            return  # CTk draws inside these; their children (if any) are not laid out by geometry managers
        for child in widget.winfo_children():
            visit(child, (x, y, w, h))

    visit(app, box(app))
    return problems


def overflowing(app: tk.Misc) -> list[str]:
    """Visible texts inside a scrolling tab that run past its right edge (under the scrollbar, cut off): `clipped`
    stops at the canvas such a tab is drawn in."""
    import customtkinter as ctk

    found, todo = [], [app]
    while todo:
        widget = todo.pop()
        todo += widget.winfo_children()
        if not isinstance(widget, ctk.CTkScrollableFrame) or not widget.winfo_ismapped():
            continue
        right = widget.winfo_rootx() + widget.winfo_width()
        inside = list(widget.winfo_children())
        while inside:
            w = inside.pop()
            inside += w.winfo_children()
            if isinstance(w, ctk.CTkLabel | ctk.CTkCheckBox) and w.winfo_ismapped() and \
                    w.winfo_rootx() + w.winfo_reqwidth() > right + 1:
                found.append(f"{w.cget('text')!r} ends {w.winfo_rootx() + w.winfo_reqwidth() - right} px past {right}")
    return found


def touching(frame: tk.Misc, gap: int = 4) -> list[str]:
    """Pairs of visible widgets of `frame` closer than `gap` pixels side by side (buttons that run together)."""
    import customtkinter as ctk

    shown = [w for w in frame.winfo_children() if isinstance(w, ctk.CTkButton) and w.winfo_ismapped()]
    found = []
    for i, a in enumerate(shown):
        for b in shown[i + 1:]:
            ax, ay, aw, ah = a.winfo_x(), a.winfo_y(), a.winfo_width(), a.winfo_height()
            bx, by, bw, bh = b.winfo_x(), b.winfo_y(), b.winfo_width(), b.winfo_height()
            rows_overlap = ay < by + bh and by < ay + ah
            apart = max(bx - (ax + aw), ax - (bx + bw))
            if rows_overlap and apart < gap:
                found.append(f"{a} and {b}: {apart} px apart")
    return found


def window_gone_within(app: tk.Misc, seconds: float) -> bool:
    """Pump the window's events until it has destroyed itself (True) or `seconds` have passed (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            app.update()
            app.winfo_exists()
        except tk.TclError:  # "application has been destroyed"
            return True
        time.sleep(0.01)
    return False


def sign_in_with_pin(d: Driver, emu: Emulator, browser: list[str]) -> None:
    app = d.app
    d.pump(until=lambda: d.idle(), what="start-up")
    d.app.login.sign_in.invoke()
    d.pump(until=lambda: app.login.waiting.winfo_ismapped() and browser, what="the waiting state")
    assert "Waiting for approval" in str(app.login.waiting_text.cget("text"))
    assert browser[0].startswith("https://app.plex.tv/auth")
    d.shot("01_login_waiting")
    assert emu.approve_all_pins() == 1
    d.pump(until=lambda: app.form.server.get() == "Plex Emulator" and d.idle(), what="the server list")
    assert not app.login.waiting.winfo_ismapped()
    assert list(app.login.servers["Plex Emulator"].libraries) == ["Movies", "TV Shows", "Movies 4K"]


def expected_plan(emu: Emulator, request: Any) -> Any:
    """The plan made independently of the GUI, in the test thread."""
    from ratings_to_plex.plex.client import PlexClient
    from ratings_to_plex.sources import read_ratings
    from ratings_to_plex.sync import prepare_plan

    plan, _sections = prepare_plan(PlexClient.connect(emu.url, emu.token), read_ratings(IMDB), request.options())
    return plan


# -- the tests --------------------------------------------------------------------------------------------
def test_sign_in_preview_cancel_finish_and_remember(display: str, emu: Emulator, browser: list[str]) -> None:
    from ratings_to_plex.app.rows import CATEGORIES, plan_rows

    d = Driver(1.0, "100")
    app = d.app
    try:
        sign_in_with_pin(d, emu, browser)
        app.form.library.set("Movies")
        app.form.types["Other"].set(False)
        d.shot("02_signed_in")

        app.set_source(IMDB)
        d.pump(until=lambda: "Detected:" in str(app.source.detected.cget("text")), what="source detection")
        assert str(app.source.detected.cget("text")).startswith("Detected: IMDb ratings")
        assert str(app.general.header.cget("text")) == "IMDb → Plex Ratings"
        d.shot("03_source")

        # Preview: the table is the plan, and nothing was written.
        before = emu.state()
        app.action.preview.invoke()
        d.pump(until=lambda: app.plan_key is not None and not app.preview_panel.pending(), what="the preview")
        assert emu.state() == before
        request = app.form.request()
        plan = expected_plan(emu, request)
        rows = plan_rows(plan)
        assert app.preview_panel.table() == [r.values() for r in rows]
        writes = {(c.item.title, c.new_rating) for c in plan.writes}
        assert len(writes) >= 10
        assert str(app.action.update.cget("text")) == f"Write {len(plan.writes)} Changes"
        for key, name in CATEGORIES:
            app.preview_panel.filter_var.set(next(v for v in app.preview_panel.filter.cget("values")
                                                  if v.startswith(name + " (")))
            app.preview_panel._refill()
            d.pump(until=lambda: not app.preview_panel.pending())
            assert len(app.preview_panel.table()) == sum(1 for r in rows if key is None or r.category == key)
            if key == "update":
                assert len(app.preview_panel.table()) == len(plan.writes)
                d.shot("04_preview_will_update")
        app.preview_panel.filter_var.set(app.preview_panel.filter.cget("values")[0])
        app.preview_panel._refill()
        d.shot("04_preview")
        assert clipped(app) == []

        # Run with a slow server, cancel after the first writes: some but not all are written.
        emu.faults.latency_ms = 400
        app.action.update.invoke()
        d.pump(until=lambda: app.action.progress.get() > 0, what="the first writes")
        assert "written" in str(app.action.progress_text.cget("text"))
        d.shot("05_running")
        app.event_generate("<Escape>")  # the keyboard's Cancel
        d.pump(until=lambda: d.idle() and "Cancelled" in d.status(), what="the cancelled run")
        keys = {c.item.rating_key: c.new_rating for c in plan.writes}
        state = emu.state()
        written = [k for k, new in keys.items() if state[k].user_rating == new]
        assert 0 < len(written) < len(keys)
        assert f"Cancelled: {len(written)} of {len(keys)} changes written" in d.status()
        assert f"{len(written)} / {len(keys)} written" == str(app.action.progress_text.cget("text"))
        d.shot("06_cancelled")

        # Update again: a fresh plan of what is left, shown for review, then written.
        emu.faults.latency_ms = 2
        app.update_ratings()
        d.pump(until=lambda: app.plan_key is not None and d.idle(), what="the new plan")
        left = len(keys) - len(written)
        assert str(app.action.update.cget("text")) == f"Write {left} Change{'s' if left != 1 else ''}"
        assert "Review the" in d.status()
        d.shot("07_review_rest")
        app.event_generate("<Control-Return>")
        d.pump(until=lambda: d.idle() and d.status().startswith("Done"), what="the finished run")
        state = emu.state()
        assert all(state[k].user_rating == new for k, new in keys.items())
        assert f"Done: {left} change" in d.status()
        result = str(app.action.result.cget("text"))
        assert f"Updated {left}" in result and "Failed 0" in result
        assert "Breakdown:" in app.log_panel.text() and "Rate failed errors: 0" in app.log_panel.text()
        assert str(app.action.open_csv.cget("state")) == "normal"
        app.action.open_logs.invoke()
        app.action.open_csv.invoke()
        assert d.opened[0].is_dir() and d.opened[1].name.startswith("Unmatched_imdb_")
        d.shot("08_done")
        assert clipped(app) == []
        for name in ("General", "Login", "Source", "Filters", "Options"):  # the result area takes room: still fits
            app.show_tab(name)
            app.login.toggle_advanced(True)
            d.pump(0.15)  # CTk hides the previous tab 100 ms after a switch
            assert clipped(app) == [], name

        # Every engine call ran in a worker thread, never on the Tk thread.
        names = {name for name, _ident, _thread in d.engine.calls}
        assert {"start_pin", "wait_pin", "save_token", "prefetch_servers", "read_ratings", "connect_server",
                "prepare_plan", "execute_plan"} <= names
        assert [c for c in d.engine.calls if c[1] == app.tk_thread] == []
        assert app.form.token.get() == ""  # the PIN token is never put in a widget
    finally:
        d.close()

    # A restart signs in with the stored token and restores the server, library and options.
    d = Driver(1.0, "100")
    try:
        d.app.controller.start()
        d.pump(until=lambda: d.app.form.server.get() == "Plex Emulator" and d.idle(), what="the restart")
        assert d.app.form.library.get() == "Movies"
        assert d.app.form.types["Other"].get() is False and d.app.form.types["Movie"].get() is True
        assert "remembered" in str(d.app.login.account.cget("text"))
        d.shot("09_restarted")
        d.app.login.sign_out.invoke()
        d.pump(until=lambda: d.idle() and d.status().startswith("Signed out"), what="the sign-out")
        assert d.app.form.server.get() == "(sign in first)" and d.app.form.request().server is None
        from ratings_to_plex.plex.credentials import load_token

        assert load_token() is None
    finally:
        d.close()


@pytest.mark.parametrize("scale", [1.0, 1.5, 2.0])
def test_every_tab_fits_without_clipping(display: str, emu: Emulator, browser: list[str], scale: float) -> None:
    tag = f"{round(scale * 100)}"
    d = Driver(scale, tag)
    app = d.app
    try:
        app.form.url.set(emu.url)
        app.form.token.set(emu.token)
        app.login.toggle_advanced(True)
        app.login.connect.invoke()
        d.pump(until=lambda: app.form.server.get() == "Plex Emulator" and d.idle(), what="connect by URL")
        app.login.open_several()  # the library check list, over the tab
        d.pump(0.15)
        assert app.login.picker.is_open and clipped(app) == []
        d.shot("login_several_libraries")
        app.login.picker.dismiss()
        app.form.all_libraries.set(True)
        app.form.mark_watched.set(True)
        app.set_source(IMDB)
        d.pump(until=lambda: "Detected:" in str(app.source.detected.cget("text")), what="the source")
        for name in ("General", "Login", "Source", "Filters", "Options"):
            app.show_tab(name)
            d.pump(0.15)
            assert clipped(app) == [] and overflowing(app) == [], name
            d.shot(f"tab_{name.lower()}")
        app.preview()
        d.pump(until=lambda: app.plan_key is not None and not app.preview_panel.pending(), what="the preview")
        assert clipped(app) == []
        d.shot("tab_preview")
        assert app.winfo_width() >= 900 and app.winfo_height() >= 600
        # The busiest state of the Login tab: waiting for approval (which folds the advanced section away).
        app.show_tab("Login")
        app.login.sign_in.invoke()
        d.pump(until=lambda: app.login.waiting.winfo_ismapped(), what="the waiting state")
        assert not app.login.advanced.winfo_ismapped()
        assert clipped(app) == []
        d.shot("login_waiting")
        app.login.cancel.invoke()
        d.pump(until=lambda: d.idle() and not app.login.waiting.winfo_ismapped(), what="the cancelled sign-in")
        assert d.status() == "Sign-in cancelled."
        # After a run the result area takes room from the tabs: still nothing cut off.
        app.form.dry_run.set(True)
        app.update_ratings()
        d.pump(until=lambda: d.idle() and d.status().startswith("Dry run finished"), what="the dry run")
        app.login.toggle_advanced(True)
        for name in ("General", "Login", "Source", "Filters", "Options"):
            app.show_tab(name)
            d.pump(0.15)  # CTk hides the previous tab 100 ms after a switch
            assert clipped(app) == [], name
        d.shot("after_run")
    finally:
        d.close()


def test_errors_are_plain_words_not_dialogs(display: str, emu: Emulator, tmp_path: Path) -> None:
    d = Driver(1.0, "100")
    app = d.app
    try:
        app.update_ratings()  # nothing chosen yet: says what to do, on the right tab
        assert "Sign in" in d.status() and app.tabs.get() == "Login"
        app.form.url.set(emu.url)
        app.form.token.set("wrong-token")
        app.login.connect.invoke()
        d.pump(until=lambda: "rejected the token" in d.status() and d.idle(), what="the auth error")
        assert "Error: Plex at" in app.log_panel.text()
        assert "wrong-token" not in app.log_panel.text() + d.status()
        bad = tmp_path / "notes.csv"
        bad.write_text("a,b\n1,2\n", encoding="utf-8")
        app.set_source(bad)
        d.pump(until=lambda: d.idle() and "Error:" in app.log_panel.text().split("rejected")[-1],
               what="the source error")
        message = str(app.source.detected.cget("text"))
        assert "notes.csv" in message and "Traceback" not in app.log_panel.text()
        d.shot("10_errors")
        assert [w for w in app.winfo_children() if isinstance(w, tk.Toplevel)] == []  # no dialog
    finally:
        d.close()


def test_keyboard_reaches_the_main_flow(display: str, emu: Emulator, browser: list[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    d = Driver(1.0, "100")
    app = d.app
    try:
        monkeypatch.setattr("ratings_to_plex.gui.app.filedialog.askopenfilename", lambda **_kw: str(IMDB))
        app.focus_force()
        app.event_generate("<Control-o>")  # Ctrl+O: choose a file
        d.pump(until=lambda: "Detected:" in str(app.source.detected.cget("text")), what="Ctrl+O")
        app.event_generate("<Control-Key-2>")
        d.pump(0.05)
        assert app.tabs.get() == "Login"
        # Tab walks from the tab bar into the Login tab; Enter presses the focused button.
        app.tabs._segmented_button._buttons_dict["Login"]._canvas.focus_force()
        d.pump(0.05)
        seen = []
        for _ in range(12):
            focus = app.focus_get()
            seen.append(focus)
            focus.event_generate("<Tab>")
            d.pump(0.02)
        assert app.login.sign_in._canvas in seen
        assert app.action.update._canvas in seen or app.login.server._canvas in seen
        app.login.sign_in.configure(command=lambda: app.set_status("sign-in pressed"))
        app.login.sign_in._canvas.focus_force()
        d.pump(0.05)
        app.login.sign_in._canvas.event_generate("<Return>")
        d.pump(0.05)
        assert d.status() == "sign-in pressed"
        app.form.all_libraries.set(False)
        box = app.login.all_libraries._canvas
        box.focus_force()
        d.pump(0.05)
        box.event_generate("<space>")
        d.pump(0.05)
        assert app.form.all_libraries.get() is True
        app.event_generate("<Control-Return>")  # Ctrl+Enter without a server: a plain hint, no crash
        d.pump(0.05)
        assert "Sign in" in d.status()
        assert app.wm_minsize()[0] >= 800
    finally:
        d.close()


def test_dry_run_writes_nothing_and_connect_by_url(display: str, emu: Emulator) -> None:
    d = Driver(1.0, "100")
    app = d.app
    try:
        app.login.toggle_advanced(True)
        app.form.url.set(emu.url)
        app.form.token.set(emu.token)
        assert str(app.login.token._entry.cget("show")) == "•"  # the token is never displayed
        app.login.token._entry.focus_force()
        d.pump(0.05)
        app.login.token._entry.event_generate("<Return>")  # Enter in the token field connects
        d.pump(until=lambda: app.form.server.get() == "Plex Emulator" and d.idle(), what="connect by URL")
        assert "by URL" in str(app.login.account.cget("text"))
        app.form.all_libraries.set(True)
        app.form.dry_run.set(True)
        app.set_source(IMDB)
        d.pump(until=lambda: d.idle() and "Detected:" in str(app.source.detected.cget("text")), what="source")
        before = emu.state()
        assert str(app.action.update.cget("text")) == "Start Dry Run"
        app.update_ratings()  # a dry run needs no review step: it writes nothing
        d.pump(until=lambda: d.idle() and d.status().startswith("Dry run finished"), what="the dry run")
        assert emu.state() == before
        assert "Would update" in str(app.action.result.cget("text"))
        assert 'Would update Plex rating for "Inception (2010)" to 8 (4.0★)' in app.log_panel.text()
        assert app.preview_panel.rows  # the plan was shown as well
        d.shot("11_dry_run")
    finally:
        d.close()


def close_mid_run(d: Driver, emu: Emulator, file: Path, seconds: float) -> Any:
    """Connect by URL, plan `file`, start writing it slowly, press the window's close button: the window must say it
    closes after the writes in flight and be gone within `seconds`. Returns the newest run of the journal."""
    from ratings_to_plex.journal import JournalDB

    app = d.app
    app.controller.start(url=emu.url, token=emu.token)
    d.pump(until=lambda: app.form.request().server is not None and d.idle(), what="the connection")
    app.form.all_libraries.set(True)
    app.set_source(file)
    d.pump(until=lambda: d.idle() and "Detected:" in str(app.source.detected.cget("text")), what="the file")
    app.update_ratings()
    d.pump(until=lambda: d.idle() and app.plan_key is not None, what="the plan")
    emu.faults.latency_ms = 300
    app.update_ratings()
    d.pump(until=lambda: app.action.progress.get() > 0, what="the first writes")
    app.close()  # what the window manager's close button does
    assert str(app.status.cget("text")).startswith("Closing after the writes")
    assert window_gone_within(app, seconds)
    journal = JournalDB()
    newest = journal.runs()[0]
    journal.close()
    return newest


def test_closing_during_a_run_cancels_it_cleanly(display: str, emu: Emulator) -> None:
    d = Driver(1.0, "100")
    last = close_mid_run(d, emu, IMDB, 20)
    assert last.status == "cancelled" and last.applied > 0 and last.finished_at  # resumable with --resume
    d.close()


# -- history, undo, resume, several libraries --------------------------------------------------------------
def user_state(emu: Emulator) -> dict[int, tuple[float | None, int]]:
    """Every item's rating and view count (Plex stamps each rating write with its own time: not compared)."""
    return {key: (s.user_rating, s.view_count) for key, s in emu.state().items()}


def connect(d: Driver, emu: Emulator) -> None:
    d.app.controller.start(url=emu.url, token=emu.token)
    d.pump(until=lambda: d.app.form.server.get() == "Plex Emulator" and d.idle(), what="connect")


def choose_file(d: Driver) -> None:
    d.app.set_source(IMDB)
    d.pump(until=lambda: d.idle() and "Detected:" in str(d.app.source.detected.cget("text")), what="the source")


def write_all(d: Driver) -> None:
    """Update twice: plan (review), then write; waits for the run to finish."""
    d.app.update_ratings()
    d.pump(until=lambda: d.idle() and d.app.plan_key is not None, what="the plan")
    d.app.update_ratings()
    d.pump(until=lambda: d.idle() and d.status().startswith("Done"), what="the run")


def history_row(d: Driver, run_id: int) -> Any:
    return next(r for r in d.app.history.rows if r.run_id == run_id)


def no_engine_call_on_tk_thread(d: Driver, *wanted: str) -> None:
    names = {name for name, _ident, _thread in d.engine.calls}
    assert set(wanted) <= names, names
    assert [call for call in d.engine.calls if call[1] == d.app.tk_thread] == []


@pytest.mark.parametrize("scale", [1.0, 1.5])
def test_history_undo_restores_everything_and_can_be_redone(display: str, emu: Emulator, scale: float) -> None:
    from ratings_to_plex.gui.app import HISTORY_TAB

    d = Driver(scale, f"{round(scale * 100)}")
    app = d.app
    try:
        connect(d, emu)
        app.form.all_libraries.set(True)
        app.form.mark_watched.set(True)  # the undo must un-watch as well as restore and clear ratings
        choose_file(d)
        from ratings_to_plex.plex.client import PlexClient

        first = next(c for c in expected_plan(emu, app.form.request()).writes if c.item.type == "movie")
        PlexClient.connect(emu.url, emu.token).rate(first.item.rating_key, "movie", 2.0)  # a rating to restore
        before = user_state(emu)
        write_all(d)
        synced = user_state(emu)
        changed = [k for k in before if before[k] != synced[k]]
        assert changed and any(before[k][0] is None for k in changed) and any(before[k][0] for k in changed)

        app.show_tab(HISTORY_TAB, app.right)
        d.pump(until=lambda: app.history.rows and d.idle(), what="the history")
        sync_run = app.history.rows[0]
        assert sync_run.values() == (str(sync_run.run_id), sync_run.date, "sample_imdb_ratings.csv",
                                     "Plex Emulator", str(sync_run.updated), "0", "done", "")
        assert [row[0] for row in app.history.table()] == [str(sync_run.run_id)]
        assert sync_run.updated >= len(changed) // 2 and sync_run.undoable
        app.history.select(sync_run.run_id)
        assert str(app.history.undo.cget("state")) == "normal"
        app.history.undo.invoke()
        d.pump(until=lambda: app.history.confirm.winfo_ismapped() and d.idle(), what="the confirmation")
        restores = int(str(app.history.restore.cget("text")).split()[1])
        assert restores >= sync_run.updated  # and the episodes re-marked watched under un-marked shows
        assert f"Undo run {sync_run.run_id}? {restores} items will be restored on Plex Emulator" in \
            str(app.history.confirm_text.cget("text"))
        assert user_state(emu) == synced  # asking writes nothing
        assert "Server" not in app.history.columns  # one server: named above the table
        assert "1 run on Plex Emulator" in str(app.history.summary.cget("text"))
        assert not app.history.xscroll.winfo_ismapped()  # the table fits, giving up what it can spare
        assert app.history.table()[0][2] == "sample_imdb_ratings.csv" or scale > 1
        assert clipped(app) == []
        d.shot("history_confirm")

        app.history.restore.invoke()
        d.pump(until=lambda: d.idle() and d.status().startswith("Undone"), what="the undo")
        assert user_state(emu) == before  # every item exactly as before the sync
        log = app.log_panel.text()
        assert f'Restored Plex rating for "{first.item.display_title}" to 2 (1.0★)' in log
        assert 'Cleared Plex rating for "' in log and "as unwatched" in log
        assert str(app.action.progress_text.cget("text")) == f"{restores} / {restores} restored"
        app.show_tab(HISTORY_TAB, app.right)
        d.pump(until=lambda: d.idle() and len(app.history.rows) == 2, what="the refreshed history")
        undo_run = app.history.rows[0]
        assert undo_run.file == f"undo of run {sync_run.run_id}" and undo_run.undoable
        assert history_row(d, sync_run.run_id).undone == f"by run {undo_run.run_id}"
        assert not history_row(d, sync_run.run_id).undoable
        app.history.select(sync_run.run_id)
        assert str(app.history.undo.cget("state")) == "disabled"
        assert f"already undone by run {undo_run.run_id}" in str(app.history.detail.cget("text"))
        app.history.select(undo_run.run_id)
        assert clipped(app) == []
        assert touching(app.right_column.extras.frame) == [] and touching(app.history.undo.master) == []
        d.shot("history")

        # The undo is a run too: undoing it puts the sync's ratings back. Cancelled midway, then finished.
        app.history.undo.invoke()
        d.pump(until=lambda: app.history.confirm.winfo_ismapped() and d.idle(), what="the redo confirmation")
        emu.faults.latency_ms = 400
        app.history.restore.invoke()
        d.pump(until=lambda: app.action.progress.get() > 0, what="the first restores")
        assert str(app.action.cancel.cget("state")) == "normal"
        app.action.cancel.invoke()
        d.pump(until=lambda: d.idle() and d.status().startswith("Undo cancelled"), what="the cancelled redo")
        state = user_state(emu)
        assert state != synced and state != before
        assert f"Undo run {undo_run.run_id} again to restore the rest" in d.status()
        emu.faults.latency_ms = 2
        d.pump(until=lambda: d.idle() and len(app.history.rows) == 3, what="the history after the cancel")
        assert app.history.rows[0].status == "cancelled" and history_row(d, undo_run.run_id).undone == ""
        app.history.select(undo_run.run_id)
        app.history.undo.invoke()
        d.pump(until=lambda: app.history.confirm.winfo_ismapped() and d.idle(), what="the second confirmation")
        assert "already as before" in str(app.history.confirm_note.cget("text"))
        app.history.restore.invoke()
        d.pump(until=lambda: d.idle() and d.status().startswith("Undone"), what="the finished redo")
        assert user_state(emu) == synced
        no_engine_call_on_tk_thread(d, "journal_runs", "journal_run", "plan_undo", "execute_plan")
    finally:
        d.close()


@pytest.mark.parametrize("scale", [1.0, 1.5])
def test_unfinished_run_is_offered_at_next_start(display: str, emu: Emulator, scale: float) -> None:
    from ratings_to_plex.gui.app import HISTORY_TAB
    from ratings_to_plex.journal import JournalDB

    tag = f"{round(scale * 100)}"
    d = Driver(scale, tag)
    app = d.app
    try:
        connect(d, emu)
        app.form.all_libraries.set(True)
        choose_file(d)
        assert not app.banner.shown  # nothing unfinished yet
        planned = {c.item.rating_key: c.new_rating for c in expected_plan(emu, app.form.request()).writes}
        app.update_ratings()
        d.pump(until=lambda: d.idle() and app.plan_key is not None, what="the plan")
        emu.faults.latency_ms = 400
        app.update_ratings()
        d.pump(until=lambda: app.action.progress.get() > 0, what="the first writes")
        app.controller.cancel()
        d.pump(until=lambda: d.idle() and app.banner.shown, what="the banner after the cancel")
        app.banner.dismiss.invoke()  # dismissed for this session only
        assert not app.banner.frame.winfo_ismapped()
        app.check_unfinished()
        d.pump(0.3)
        assert not app.banner.shown
    finally:
        d.close()
    journal = JournalDB()
    run = journal.runs()[0]
    journal.close()
    assert run.status == "cancelled" and 0 < run.applied < len(planned)

    emu.faults.latency_ms = 2
    d = Driver(scale, tag)  # the next start
    app = d.app
    try:
        connect(d, emu)
        choose_file(d)
        d.pump(until=lambda: app.banner.shown, what="the banner")
        text = str(app.banner.text.cget("text"))
        assert text == f"Run {run.id} for this file did not finish ({run.applied} of {len(planned)} changes written)."
        assert app.banner.frame.winfo_ismapped()
        assert clipped(app) == []
        d.shot("resume_banner")
        app.banner.finish.invoke()
        d.pump(until=lambda: d.idle() and d.status().startswith(f"Run {run.id} finished"), what="the resume")
        state = emu.state()
        assert {k: state[k].user_rating for k in planned} == planned  # every planned rating is in Plex
        left = len(planned) - run.applied
        assert f"the remaining {left} change" in d.status()
        assert not app.banner.shown and not app.banner.frame.winfo_ismapped()
        journal = JournalDB()
        assert journal.run(run.id).status == "done" and journal.run(run.id).applied == len(planned)
        journal.close()
        app.show_tab(HISTORY_TAB, app.right)
        d.pump(until=lambda: d.idle() and app.history.rows and history_row(d, run.id).status == "done",
               what="the history")
        no_engine_call_on_tk_thread(d, "find_unfinished", "journal_run", "plan_resume", "execute_plan")
    finally:
        d.close()


def test_several_libraries_are_searched_and_remembered(display: str, emu: Emulator) -> None:
    from ratings_to_plex.app.rows import plan_rows
    from ratings_to_plex.gui.form import SEVERAL
    from ratings_to_plex.plex.client import PlexClient

    d = Driver(1.0, "100")
    app = d.app
    try:
        connect(d, emu)
        assert app.form.request().libraries == ("Movies",)
        assert SEVERAL in app.login.library.cget("values")
        app.login.library._dropdown_callback(SEVERAL)  # what picking the menu's last entry does
        d.pump(0.1)
        picker = app.login.picker
        assert picker.is_open and list(picker.boxes) == ["Movies", "TV Shows", "Movies 4K"]
        assert picker.chosen() == ("Movies",)
        picker.boxes["Movies 4K"]._canvas.event_generate("<Escape>")  # Esc: nothing changes
        assert not picker.is_open and app.form.request().libraries == ("Movies",)

        app.login.library._dropdown_callback(SEVERAL)
        app.show_tab("Source")  # the list goes with its tab
        d.pump(0.15)
        assert picker.frame is not None and not picker.frame.winfo_ismapped()
        app.show_tab("Login")
        d.pump(0.15)
        assert picker.frame.winfo_ismapped()
        picker.boxes["Movies 4K"].toggle()
        d.pump(0.1)
        assert clipped(app) == []
        d.shot("several_libraries")
        picker.done.invoke()
        assert app.form.library.get() == "Movies + Movies 4K"
        request = app.form.request()
        assert request.libraries == ("Movies", "Movies 4K") and not request.all_libraries

        choose_file(d)
        app.preview()
        d.pump(until=lambda: app.plan_key is not None and not app.preview_panel.pending(), what="the preview")
        sections = {s.title: s.key for s in PlexClient.connect(emu.url, emu.token).sections()}
        plan = expected_plan(emu, request)
        chosen = {sections["Movies"], sections["Movies 4K"]}
        assert {c.item.section_id for c in plan.changes} == chosen  # both libraries, and only those
        names = {sections["Movies"]: "Movies", sections["Movies 4K"]: "Movies 4K"}
        assert app.preview_panel.table() == [r.values() for r in plan_rows(plan, names)]
        assert "Plex Emulator (Movies, Movies 4K)" in str(app.preview_panel.summary.cget("text"))
        no_engine_call_on_tk_thread(d, "prepare_plan")
    finally:
        d.close()

    d = Driver(1.0, "100")  # remembered like the single choice was
    try:
        connect(d, emu)
        assert d.app.form.request().libraries == ("Movies", "Movies 4K")
        assert d.app.form.library.get() == "Movies + Movies 4K"
    finally:
        d.close()


def test_two_servers_with_one_name_are_both_in_the_menu(display: str, same_name: tuple[Emulator, Emulator],
                                                        tmp_path: Path) -> None:
    """The server menu lists both same-named servers; a run goes to the one chosen, never the first."""
    first, second = same_name
    d = Driver(1.0, "100")
    app = d.app
    try:
        app.controller.start(url=first.url, token=first.token)
        d.pump(until=lambda: app.form.server.get() == "Plex Media Server" and d.idle(), what="the first")
        app.controller.connect_url(second.url, second.token)
        label = f"Plex Media Server ({second.url.split('://', 1)[1]})"
        d.pump(until=lambda: app.form.server.get() == label and d.idle(), what="the second")
        assert list(app.login.server.cget("values")) == ["Plex Media Server", label]
        app.show_tab("Login")
        d.shot("two_servers_one_name")
        app.form.all_libraries.set(True)
        from .test_journal_helpers import csv_from_library

        csv_from_library(second, tmp_path / "second.csv", 8, seed=1)
        app.set_source(tmp_path / "second.csv")
        d.pump(until=lambda: d.idle() and "Detected:" in str(app.source.detected.cget("text")), what="the file")
        write_all(d)
        assert first.counters.writes() == 0 and second.counters.writes() == 8
        assert app.remembered_settings().server == "Plex Media Server"  # what --server takes
    finally:
        d.close()


def test_a_damaged_journal_is_named_and_moved_aside(display: str, emu: Emulator) -> None:
    journal = Path(os.environ["RATINGS_TO_PLEX_DATA_DIR"]) / "journal.sqlite3"
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_bytes(b"not a database " * 100)
    d = Driver(1.0, "100")
    app = d.app
    try:
        connect(d, emu)
        app.show_tab("History", app.right)
        d.pump(until=lambda: app.history.confirm.winfo_ismapped(), what="the offer to move the journal aside")
        assert str(journal) in str(app.history.detail.cget("text"))
        d.shot("journal_damaged")
        app.history.restore.invoke()
        d.pump(until=lambda: d.idle() and "moved aside" in d.status(), what="the journal moved aside")
        assert not app.history.confirm.winfo_ismapped() and list(journal.parent.glob("journal.sqlite3.corrupt-*"))
    finally:
        d.close()
