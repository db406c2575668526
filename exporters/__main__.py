"""``python -m exporters``: run the claim exporter on its own."""

from dictobs.cli import exit_now
from exporters.cli import main

exit_now(main())
