"""The desktop app's Export (JSON backup) and "Restore from backup…" (issue 15), under Xvfb against the emulator:
export → change ratings with a sync → restore previews the changes in the Preview table → Update writes them →
Plex's ratings equal the backup's, item for item; the restore is journaled and can be undone from History; every
engine call ran in a worker. History opens a past run's unmatched CSV and run log.
Screenshots: test-artifacts/gui/restore_*.png."""

from __future__ import annotations

import json
from pathlib import Path

from ratings_to_plex.emulator import Emulator

from .test_gui import (  # noqa: F401 - display: the session's Xvfb; emu: the demo emulator
    Driver,
    clipped,
    connect,
    display,
    emu,
    history_row,
    no_engine_call_on_tk_thread,
    user_state,
    write_all,
)
from .test_gui import choose_file as choose_sample


def test_export_then_restore_from_backup_is_exact_and_undoable(display: str, emu: Emulator,  # noqa: F811
                                                                tmp_path: Path) -> None:
    from ratings_to_plex.gui.app import HISTORY_TAB, PREVIEW_TAB
    from ratings_to_plex.gui.restore_ui import start_restore

    d = Driver(1.0, "restore")
    app = d.app
    try:
        connect(d, emu)
        app.form.all_libraries.set(True)
        before = user_state(emu)
        backup = tmp_path / "plex-ratings.json"
        app.show_tab("Source")
        d.shot("01_source_tab")
        assert clipped(app) == []
        assert app.controller.export(app.form.request(), "json", backup)  # the Source tab's Export…
        d.pump(until=lambda: d.idle() and d.status().startswith("Exported"), what="the export")
        assert json.loads(backup.read_text(encoding="utf-8"))

        choose_sample(d)  # change ratings: a sync of the sample export
        write_all(d)
        changed = user_state(emu)
        assert changed != before

        assert app.right_column.extras.restore.winfo_manager() == "pack"  # in History
        start_restore(app, backup)  # what the button does once the backup is chosen in the file dialog
        d.pump(until=lambda: d.idle() and app.plan_key is not None, what="the restore preview")
        assert app.right.get() == PREVIEW_TAB
        shown = app.preview_panel.table()
        differing = [k for k in before if before[k][0] != changed[k][0]]
        assert len(shown) >= len(differing) > 0
        assert str(app.action.update.cget("text")).startswith("Write ")
        assert user_state(emu) == changed  # a preview writes nothing
        d.shot("02_restore_preview")

        app.update_ratings()  # Update writes the restore plan
        d.pump(until=lambda: d.idle() and d.status().startswith("Done"), what="the restore")
        after = user_state(emu)
        assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}  # item for item
        d.shot("03_restored")

        app.show_tab(HISTORY_TAB, app.right)
        d.pump(until=lambda: d.idle() and len(app.history.rows) >= 2, what="History")
        restore_run = app.history.rows[0]
        assert restore_run.undoable, restore_run.blocker
        extras = app.right_column.extras
        sync_run = app.history.rows[1]
        app.history.select(sync_run.run_id)  # a past run's reports, from History
        d.pump(until=lambda: d.idle() and str(extras.open_log.cget("state")) == "normal", what="the reports")
        assert str(extras.open_csv.cget("state")) == "normal"
        extras.open_csv.invoke()
        extras.open_log.invoke()
        assert d.opened[-2].name.startswith("Unmatched_") and d.opened[-2].is_file()
        assert d.opened[-1].is_file() and d.opened[-1].suffix == ".log", d.opened[-1]
        d.shot("04_history_reports")
        app.history.select(restore_run.run_id)
        app.history.undo.invoke()
        d.pump(until=lambda: app.history.confirm.winfo_ismapped() and d.idle(), what="the undo question")
        d.shot("05_undo_the_restore")
        app.history.restore.invoke()
        d.pump(until=lambda: d.idle() and d.status().startswith("Undone"), what="the undo")
        assert {k: v[0] for k, v in user_state(emu).items()} == {k: v[0] for k, v in changed.items()}
        no_engine_call_on_tk_thread(d, "export_ratings", "read_backup", "plan_restore", "execute_plan", "reports")
    finally:
        d.close()
