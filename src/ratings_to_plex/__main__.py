"""`python -m ratings_to_plex` = the `ratings-to-plex` command."""

from .cli import main

raise SystemExit(main())
