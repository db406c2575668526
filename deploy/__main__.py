"""``python -m deploy generate|check``: write the manifests, or say which committed ones are stale.

``make manifests`` runs ``generate``. Exit status 2 with one line naming the environment and the
bad input when an environment does not render; 1 from ``check`` when files differ.
"""

from __future__ import annotations

import argparse
import sys

from core.shutdown import exit_now
from deploy import render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy", description=__doc__)
    parser.add_argument("action", choices=("generate", "check"))
    args = parser.parse_args(argv)
    try:
        if args.action == "generate":
            for path in render.write():
                print(render.relative(path))
            return 0
        stale = render.differences()
    except (render.RenderError, FileNotFoundError) as err:
        print(f"manifests: error: {err}", file=sys.stderr)
        return 2
    for name in stale:
        print(f"stale: {name}", file=sys.stderr)
    if stale:
        print("manifests: run `make manifests` and commit the result", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    exit_now(main())
