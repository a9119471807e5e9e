"""Entry point frozen by PyInstaller into the `ratings-to-plex-gui` executable."""

import multiprocessing
import sys

from ratings_to_plex.gui import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the window's engine process is this executable started again
    sys.exit(main())
