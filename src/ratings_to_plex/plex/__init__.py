"""Everything that talks to Plex as a client: sign-in, server choice, library index, writes go through here."""
