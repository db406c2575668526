"""Regenerate the Python code of ``worker/bridge/proto/bridge.proto``.

The proto is compiled with the repository root as include path, so the generated gRPC module
imports ``worker.bridge.proto.bridge_pb2`` (a package import) instead of a top-level
``bridge_pb2``. The output is committed; ``tests/bridge`` checks it matches a fresh run::

    .venv/bin/python -m worker.bridge.protogen
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTO = Path("worker/bridge/proto/bridge.proto")
GENERATED = ("bridge_pb2.py", "bridge_pb2.pyi", "bridge_pb2_grpc.py")


def generate(out_root: Path) -> list[Path]:
    """Compile the proto into ``out_root/worker/bridge/proto/``; return the generated files."""
    well_known = resources.files("grpc_tools") / "_proto"
    cmd = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{REPO_ROOT}",
        f"-I{well_known}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        f"--grpc_python_out={out_root}",
        str(REPO_ROOT / PROTO),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"protoc failed on {PROTO}: {done.stderr.strip()}")
    return [out_root / PROTO.parent / name for name in GENERATED]


def main() -> int:
    """Regenerate in a scratch directory, then move each file into place (atomic per file)."""
    target = REPO_ROOT / PROTO.parent
    with tempfile.TemporaryDirectory(dir=target) as scratch:
        for path in generate(Path(scratch)):
            staged = target / f".{path.name}.tmp"
            shutil.copyfile(path, staged)
            staged.replace(target / path.name)
            print(f"wrote {PROTO.parent / path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
