"""``python -m exporters``: run the claim exporter on its own."""

import sys

from exporters.cli import main

sys.exit(main())
