"""Entry point frozen by PyInstaller into the `ratings-to-plex-gui` executable."""

import sys

from ratings_to_plex.gui import main

if __name__ == "__main__":
    sys.exit(main())
