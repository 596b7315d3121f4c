"""``python3 -m sar_planner``: the same as the ``sar-planner`` command."""

import sys

from sar_planner.cli import main

sys.exit(main())
