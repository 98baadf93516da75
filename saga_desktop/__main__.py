"""``python -m saga_desktop``: the same as the ``saga-desktop`` command."""

import sys

from saga_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
