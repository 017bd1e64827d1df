"""``python -m w2v`` runs the command line."""

import sys

from w2v.cli import main

sys.exit(main())
