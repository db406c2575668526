"""``python -m exporters``: run the claim exporter on its own."""

from core.shutdown import exit_now
from exporters.cli import main

exit_now(main())
