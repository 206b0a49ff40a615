"""Regenerates the committed gRPC stubs from proto/: ``python -m server.api.protogen``.

The stubs are committed (a fresh clone imports them without a build step);
tests/api/test_protogen.py regenerates them and fails when they drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROTOS = ["handoff/v1/handoff.proto"]


def generate(out_dir: Path = ROOT) -> list[Path]:
    import grpc_tools
    from grpc_tools import protoc

    include = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "protoc",
        "-Iserver/_proto=" + str(ROOT / "proto"),
        "-I" + str(include),
        "--python_out=" + str(out_dir),
        "--pyi_out=" + str(out_dir),
        "--grpc_python_out=" + str(out_dir),
        *[str(ROOT / "proto" / p) for p in PROTOS],
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed: " + " ".join(args))
    generated = sorted((out_dir / "server" / "_proto").rglob("*.py*"))
    for package in {p.parent for p in generated}:
        (package / "__init__.py").touch()
    return generated


if __name__ == "__main__":
    for path in generate():
        print(path)
    sys.exit(0)
