"""``python -m chipchat`` runs the command line."""

import sys

from chipchat.cli import main

sys.exit(main())
