"""Generated code of ``bridge.proto``: regenerate with ``python -m worker.bridge.protogen``."""
