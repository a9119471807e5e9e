"""A fix for CustomTkinter, applied once when the window's widgets are imported."""

from __future__ import annotations

from typing import Any


def keep_hidden_on_rescale() -> None:
    """CTk bug: on a change of widget scaling it re-applies every widget's last grid()/pack()/place() call, so a
    widget hidden with grid_remove() (CTk does not track that) comes back — a finished run's banner, empty notes.
    Re-apply it only to widgets that are shown; a hidden one keeps its options for its next grid()."""
    from customtkinter.windows.widgets.core_widget_classes.ctk_base_class import CTkBaseClass

    original = CTkBaseClass._set_scaling
    if getattr(original, "r2p_patched", False):
        return

    def set_scaling(self: Any, new_widget_scaling: float, new_window_scaling: float) -> None:
        call = self._last_geometry_manager_call
        hidden = call is not None and not self.winfo_manager()
        if hidden:
            self._last_geometry_manager_call = None
        try:
            original(self, new_widget_scaling, new_window_scaling)
        finally:
            if hidden:
                self._last_geometry_manager_call = call

    set_scaling.r2p_patched = True  # type: ignore[attr-defined]
    CTkBaseClass._set_scaling = set_scaling

