"""Start the Restorer window: `python main.py [IMAGE]` (the bundled sample photo when none)."""

import sys

from ui.app import main

if __name__ == "__main__":
    sys.exit(main(sys.argv))
