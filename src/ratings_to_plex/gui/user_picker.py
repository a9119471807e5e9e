"""The Login tab's "User" menu: act as another person of the signed-in account's Plex Home (issue 16).

Shown once plex.tv lists more than one Home user. The PIN field (masked) appears for a protected profile. "Switch"
asks the controller's worker to connect with that user's own token; a failed switch says why here and leaves nobody
connected. The window's handlers for the household events are here too (`HANDLERS`), merged into `handlers`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import customtkinter as ctk

from .household_jobs import ActingAs, UserChoice, UsersLoaded
from .tabs import WRAP
from .widgets import ERROR_COLOR, MUTED_COLOR, OK_COLOR, PAD, button, entry, label, option_menu

if TYPE_CHECKING:
    from .app import App

GRID_ROW: Final = 9  # under the "Connect by URL + token" section of the Login tab


class UserPicker:
    """User menu + PIN + Switch, and one line saying who the window writes for."""

    def __init__(self, tab: Any, on_switch: Callable[[str, str], Any]) -> None:
        self._on_switch = on_switch
        self.users: dict[str, UserChoice] = {}  # by menu label
        self.frame = ctk.CTkFrame(tab, fg_color="transparent")
        self.frame.grid_columnconfigure(1, weight=1)
        label(self.frame, "User").grid(row=0, column=0, sticky="w", pady=(4, 2))
        self.choice = ctk.StringVar(self.frame, value="")
        self.menu = option_menu(self.frame, self.choice, ["—"], command=lambda _v: self._chosen(), width=220,
                                dynamic_resizing=False)
        self.menu.grid(row=0, column=1, sticky="w", padx=(PAD + 8, 0), pady=(4, 2))
        self.switch = button(self.frame, "Switch", self._switch, width=70)
        self.switch.grid(row=0, column=2, sticky="e", padx=(PAD // 2, 0), pady=(4, 2))
        self.pin_label = label(self.frame, "PIN")
        self.pin = ctk.StringVar(self.frame, value="")
        self.pin_entry = entry(self.frame, self.pin, show="•", width=90)
        self.pin_entry._entry.bind("<Return>", lambda _e: self._switch())
        self.note = label(self.frame, "", size=12, muted=True, wrap=WRAP)  # shown once there is news (room is short)

    def show(self, users: tuple[UserChoice, ...]) -> None:
        """Fill the menu (the account itself first chosen); hide it all when there is nobody else."""
        self.users = {u.label: u for u in users}
        if not users:
            self.frame.grid_remove()
            return
        self.menu.configure(values=list(self.users))
        current = self.choice.get()
        if current not in self.users:
            self.choice.set(next((u.label for u in users if u.kind == "you"), users[0].label))
            self.note.grid_remove()
        self._chosen()
        self.frame.grid(row=GRID_ROW, column=0, columnspan=2, sticky="ew", padx=PAD, pady=(0, 4))

    def say(self, text: str, color: Any = MUTED_COLOR) -> None:
        self.note.configure(text=text, text_color=color)
        self.note.grid(row=2, column=0, columnspan=3, sticky="w")

    def chosen(self) -> UserChoice | None:
        return self.users.get(self.choice.get())

    def _chosen(self) -> None:
        user = self.chosen()
        if user is not None and user.protected:
            self.pin_label.grid(row=1, column=0, sticky="w", pady=2)
            self.pin_entry.grid(row=1, column=1, sticky="w", padx=(PAD + 8, 0), pady=2)
        else:
            self.pin_label.grid_remove()
            self.pin_entry.grid_remove()

    def _switch(self) -> None:
        user = self.chosen()
        if user is None:
            return
        self.say(f"Switching to {user.title}…")
        self._on_switch(user.uuid, self.pin.get() if user.protected else "")

    def acting(self, e: ActingAs) -> None:
        self.pin.set("")  # never kept in the field
        if e.error:
            self.say(f"Nobody is connected: {e.error}", ERROR_COLOR)
        else:
            self.say(f"Acting as {e.user or 'yourself (the account owner)'} on {e.server}.", OK_COLOR)


def picker(app: App) -> UserPicker:
    """The Login tab's picker, made on first use (the window itself does not know about it)."""
    found = app.__dict__.get("_r2p_user_picker")
    if found is None:
        found = app.__dict__["_r2p_user_picker"] = UserPicker(
            app.tabs.tab("Login"), lambda uuid, pin: _switch(app, uuid, pin))
    assert isinstance(found, UserPicker)
    return found


def _switch(app: App, uuid: str, pin: str) -> None:
    if not app.controller.switch_user(uuid, pin, app.form.server.get()):
        app.set_status("Busy: wait for the current step to finish, then switch again.", "error")


def users_loaded(app: App, e: UsersLoaded) -> None:
    if e.users or "_r2p_user_picker" in app.__dict__:
        picker(app).show(e.users)


def acting_as(app: App, e: ActingAs) -> None:
    picker(app).acting(e)
    app.plan_key = app.plan_writes = None  # a plan is one user's: the next Update plans again
    app.preview_panel.mark_stale("the user changed")
    app.action.set_update_text(None, app.form.dry_run.get())


HANDLERS: Final[dict[type, Callable[[Any, Any], None]]] = {UsersLoaded: users_loaded, ActingAs: acting_as}
