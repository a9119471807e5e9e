"""Help links: where to export ratings from each service, and how to find a Plex token."""

from __future__ import annotations

from typing import Any, Final

import customtkinter as ctk

from .widgets import keyboard

LINK_COLOR: Final = ("#1d4ed8", "#93c5fd")
HELP_LINKS: Final = {
    "token": "https://support.plex.tv/articles/204059436-finding-an-authentication-token-x-plex-token/",
    "IMDb": "https://help.imdb.com/article/imdb/track-movies-tv/ratings-faq/G67Y87TFYYP6TWAV",
    "Letterboxd": "https://letterboxd.com/settings/data/",
    "Trakt": "https://trakt.tv/settings/data",
}


def link(master: Any, text: str, url: str) -> ctk.CTkButton:
    """A help link: opens `url` in the browser (in the background: a slow browser start never blocks the window)."""

    def open_it() -> None:
        import threading
        import webbrowser

        threading.Thread(target=webbrowser.open, args=(url,), daemon=True, name="help-link").start()

    b = ctk.CTkButton(master, text=text, command=open_it, fg_color="transparent", hover_color=("gray85", "gray25"),
                      text_color=LINK_COLOR, font=ctk.CTkFont(size=12, underline=True), width=0, height=22)
    b.r2p_url = url
    keyboard(b, b.invoke)
    return b
