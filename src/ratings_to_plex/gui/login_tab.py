"""The Login tab: PIN sign-in in the browser (with a visible waiting state and Cancel), the server and library
drop-downs (the library menu's last entry picks several), "Search ALL libraries", and an advanced "Connect by URL +
token" section. The token is never shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import customtkinter as ctk

from .controller import ServerChoice
from .form import NO_LIBRARY, NO_SERVER, SEVERAL, Form
from .libraries import LibraryPicker
from .links import HELP_LINKS, link
from .tabs import WRAP
from .widgets import (
    ERROR_COLOR,
    MUTED_COLOR,
    OK_COLOR,
    PAD,
    STOP_COLOR,
    STOP_HOVER,
    button,
    check,
    enable,
    entry,
    label,
    option_menu,
)

ALL_SHOWN = "All libraries"  # what the library menu shows while "Search ALL libraries" is ticked


class LoginTab:
    def __init__(self, tab: ctk.CTkFrame, form: Form, *, on_sign_in: Callable[[], Any],
                 on_cancel: Callable[[], Any], on_sign_out: Callable[[], Any],
                 on_connect: Callable[[], Any], on_open_link: Callable[[], Any]) -> None:
        self.form = form
        self.servers: dict[str, ServerChoice] = {}
        tab.grid_columnconfigure(1, weight=1)

        row = ctk.CTkFrame(tab, fg_color="transparent")
        row.grid(row=0, column=0, columnspan=2, sticky="ew", padx=PAD, pady=(PAD, 0))
        self.sign_in = button(row, "Login to Plex", on_sign_in, width=150)
        self.sign_in.pack(side="left")
        self.sign_out = button(row, "Sign out", on_sign_out, width=90, fg_color="transparent", border_width=1,
                               text_color=("gray10", "gray90"))
        self.account = label(tab, "Not signed in: the browser opens for you to approve.", muted=True, size=12,
                             wrap=WRAP)
        self.account.grid(row=1, column=0, columnspan=2, sticky="w", padx=PAD)

        self._build_waiting(tab, on_open_link, on_cancel)

        label(tab, "Server").grid(row=2, column=0, sticky="w", padx=PAD, pady=(PAD, 4))
        self.server = option_menu(tab, form.server, [NO_SERVER], command=lambda _v: self._server_changed(),
                                  width=280, dynamic_resizing=False, state="disabled")
        self.server.grid(row=2, column=1, sticky="w", padx=(0, PAD), pady=(PAD, 4))
        label(tab, "Library").grid(row=3, column=0, sticky="w", padx=PAD, pady=4)
        self.library = option_menu(tab, form.library, [NO_LIBRARY], command=self._library_chosen, width=280,
                                   dynamic_resizing=False, state="disabled")
        self.library.grid(row=3, column=1, sticky="w", padx=(0, PAD), pady=4)
        self.picker = LibraryPicker(tab.winfo_toplevel(), on_done=self._several_chosen, on_cancel=self._restore)
        self._chosen: tuple[str, ...] = ()  # the choice before "Several libraries…" was picked (Cancel restores it)
        form.library.trace_add("write", lambda *_: self._remember_choice())
        self.all_libraries = check(tab, "Search ALL libraries", form.all_libraries)
        self._all_shown = ctk.StringVar(tab, value=ALL_SHOWN)
        form.all_libraries.trace_add("write", lambda *_: self._all_changed())
        self.all_libraries.grid(row=4, column=0, columnspan=2, sticky="w", padx=PAD, pady=(6, 0))
        label(tab, "No library selection required: all are searched.", muted=True,
              size=12, wrap=WRAP).grid(row=5, column=0, columnspan=2, sticky="w", padx=(PAD + 30, PAD))
        self.server_note = label(tab, "", size=12, wrap=WRAP, text_color=ERROR_COLOR)
        self.server_note.grid(row=6, column=0, columnspan=2, sticky="w", padx=PAD)
        self.server_note.grid_remove()

        self._build_advanced(tab, on_connect)

    def _build_waiting(self, tab: ctk.CTkFrame, on_open_link: Callable[[], Any], on_cancel: Callable[[], Any]) -> None:
        """Shown only while plex.tv waits for the user to approve the sign-in in the browser."""
        self.waiting = ctk.CTkFrame(tab, corner_radius=6, fg_color=("#fef3c7", "#3f3522"))
        self.waiting.grid_columnconfigure(0, weight=1)
        self.waiting_text = label(self.waiting, "Waiting for approval…", bold=True, wrap=WRAP - 40)
        self.waiting_text.grid(row=0, column=0, columnspan=2, sticky="w", padx=PAD, pady=(6, 0))
        self.waiting_hint = label(self.waiting, "Approve the sign-in in the browser window that opened.",
                                  muted=True, size=12, wrap=WRAP - 40)
        self.waiting_hint.grid(row=1, column=0, columnspan=2, sticky="w", padx=PAD)
        self.open_link = button(self.waiting, "Open link again", on_open_link, width=130)
        self.open_link.grid(row=2, column=0, sticky="w", padx=PAD, pady=6)
        self.cancel = button(self.waiting, "Cancel", on_cancel, width=90, fg_color=STOP_COLOR,
                             hover_color=STOP_HOVER)
        self.cancel.grid(row=2, column=1, sticky="e", padx=PAD, pady=6)


    def _build_advanced(self, tab: ctk.CTkFrame, on_connect: Callable[[], Any]) -> None:
        """The "Connect by URL + token" section (hidden until asked for)."""
        self.advanced_toggle = button(tab, "▸ Connect by URL + token (advanced)", self.toggle_advanced,
                                      fg_color="transparent", text_color=("gray10", "gray90"), anchor="w",
                                      hover_color=("gray80", "gray25"), width=280)
        self.advanced_toggle.grid(row=7, column=0, columnspan=2, sticky="w", padx=PAD - 4, pady=(PAD, 0))
        self.advanced = ctk.CTkFrame(tab, fg_color="transparent")
        self.advanced.grid_columnconfigure(1, weight=1)
        label(self.advanced, "URL").grid(row=0, column=0, sticky="w", pady=3)
        self.url = entry(self.advanced, self.form.url, placeholder_text="http://192.168.1.10:32400")
        self.url.grid(row=0, column=1, columnspan=2, sticky="ew", padx=(PAD, 0), pady=3)
        label(self.advanced, "Token").grid(row=1, column=0, sticky="w", pady=3)
        self.token = entry(self.advanced, self.form.token, show="•", width=120)
        self.token.grid(row=1, column=1, sticky="ew", padx=(PAD, 0), pady=3)
        self.token._entry.bind("<Return>", lambda _e: on_connect())
        self.connect = button(self.advanced, "Connect", on_connect, width=90)
        self.connect.grid(row=1, column=2, sticky="e", padx=(PAD, 0), pady=3)
        # CTk shows no placeholder in an entry bound to a variable: the example gets a line of its own
        # (shown like a placeholder: while the URL or the token is still empty)
        self.hints = hints = ctk.CTkFrame(self.advanced, fg_color="transparent")
        hints.grid(row=2, column=1, columnspan=2, sticky="w", padx=(PAD, 0))
        label(hints, "e.g. 192.168.1.10:32400 ·", muted=True, size=12).pack(side="left")
        self.token_help = link(hints, "How do I find my token?", HELP_LINKS["token"])
        self.token_help.pack(side="left")
        for var in (self.form.url, self.form.token):
            var.trace_add("write", lambda *_: self._show_hints())

    def _show_hints(self) -> None:
        if self.form.url.get().strip() and self.form.token.get().strip():
            self.hints.grid_remove()
        else:
            self.hints.grid()

    # -- states --------------------------------------------------------------------------------------------
    def toggle_advanced(self, show: bool | None = None) -> None:
        show = not self.advanced.winfo_ismapped() if show is None else show
        if show:
            self.advanced.grid(row=8, column=0, columnspan=2, sticky="ew", padx=PAD, pady=(0, PAD))
        else:
            self.advanced.grid_remove()
        self.advanced_toggle.configure(text=("▾" if show else "▸") + " Connect by URL + token (advanced)")

    def show_waiting(self, url: str | None, opened: bool = True) -> None:
        if url is None:
            self.waiting.grid_remove()
            self.account.grid()
            enable(self.advanced_toggle, True)
            return
        self.waiting.grid(row=1, column=0, columnspan=2, sticky="ew", padx=PAD, pady=(6, 0))
        self.account.grid_remove()
        self.toggle_advanced(False)  # not needed while signing in; keeps the tab short enough at any scaling
        enable(self.advanced_toggle, False)
        self.waiting_text.configure(text="Waiting for approval…")
        self.waiting_hint.configure(text="Approve the sign-in in the browser window that opened." if opened else
                                    f"No browser could be opened: visit {url}")

    def tick(self, seconds_left: float) -> None:
        minutes, seconds = divmod(int(seconds_left), 60)
        self.waiting_text.configure(text=f"Waiting for approval… ({minutes}:{seconds:02d} left)")

    def signed_in(self, text: str, account: bool = True) -> None:
        """`account` False: connected by URL + token only (nothing to sign out of)."""
        self.account.configure(text=text, text_color=OK_COLOR)
        if account:
            self.sign_in.configure(text="Login again")
            self.sign_out.pack(side="left", padx=(PAD, 0))

    def signed_out(self, text: str = "Not signed in.") -> None:
        self.account.configure(text=text, text_color=MUTED_COLOR)
        self.sign_in.configure(text="Login to Plex")
        self.sign_out.pack_forget()

    def set_servers(self, servers: tuple[ServerChoice, ...], select: str | None, remembered: str | None,
                    remembered_libraries: tuple[str, ...] = ()) -> None:
        """Fill the drop-downs; keep the current choice, else the one just connected, else the remembered one
        (remembered by the server's own name, or its machine identifier)."""
        self.servers = {s.name: s for s in servers}
        names = list(self.servers)
        current = self.form.server.get()
        if remembered is not None and remembered not in self.servers:
            remembered = next((s.name for s in servers if remembered in (s.server_name, s.machine_id)), None)
        chosen = next((n for n in (select, current, remembered) if n in self.servers), names[0] if names else None)
        self.server.configure(values=names or [NO_SERVER], state="normal" if names else "disabled")
        self.form.server.set(chosen or NO_SERVER)
        self._server_changed(remembered_libraries)

    def server_name(self, label: str | None) -> str | None:
        """The server's own name for a menu label (what the command line's --server takes)."""
        choice = self.servers.get(label or "")
        return (choice.server_name or choice.name) if choice else label

    def _server_changed(self, prefer: tuple[str, ...] = ()) -> None:
        self.picker.close()
        choice = self.servers.get(self.form.server.get())
        libraries = list(choice.libraries) if choice else []
        kept = (tuple(lib for lib in wanted if lib in libraries) for wanted in (self.form.libraries(), prefer))
        pick = next((k for k in kept if k), tuple(libraries[:1]))
        self.library.configure(values=[*libraries, SEVERAL] if len(libraries) > 1 else libraries or [NO_LIBRARY],
                               state="normal" if libraries and not self.form.all_libraries.get() else "disabled")
        self.form.set_libraries(pick)
        if choice and choice.error:
            self.server_note.configure(text=choice.error)
            self.server_note.grid()
        else:
            self.server_note.grid_remove()

    def _all_changed(self) -> None:
        choice = self.servers.get(self.form.server.get())
        usable = bool(choice and choice.libraries)
        self.library.configure(state="disabled" if self.form.all_libraries.get() or not usable else "normal")
        # The menu says what will be searched: "All libraries" while the box is ticked (the choice underneath
        # is kept, and shown again when it is unticked).
        self.library.configure(variable=self._all_shown if self.form.all_libraries.get() else self.form.library)
        if self.form.all_libraries.get():
            self.picker.dismiss()

    # -- several libraries ---------------------------------------------------------------------------------
    def _remember_choice(self) -> None:
        if self.form.library.get() != SEVERAL:
            self._chosen = self.form.libraries()

    def _library_chosen(self, value: str) -> None:
        if value == SEVERAL:
            self.open_several()
        else:
            self.picker.close()
            self.form.set_libraries((value,))

    def open_several(self) -> None:
        """Show the check list of this server's libraries (the library menu's "Several libraries…")."""
        choice = self.servers.get(self.form.server.get())
        if choice is None or len(choice.libraries) < 2:
            return
        if self.form.library.get() != SEVERAL:
            self._chosen = self.form.libraries()
        self.form.library.set(SEVERAL)
        self.picker.open(self.library, list(choice.libraries), self._chosen)

    def _several_chosen(self, names: tuple[str, ...]) -> None:
        choice = self.servers.get(self.form.server.get())
        order = list(choice.libraries) if choice else list(names)
        self.form.set_libraries(tuple(sorted(names, key=lambda n: order.index(n) if n in order else len(order))))
        self.library._canvas.focus_set()

    def _restore(self) -> None:
        self.form.set_libraries(self._chosen)
        self.library._canvas.focus_set()
