"""``python -m econ``: the same as the ``econ`` command."""

import sys

from econ.cli import main

sys.exit(main())
