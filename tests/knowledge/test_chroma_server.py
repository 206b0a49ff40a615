"""The knowledge base on a Chroma server (HANDOFF_CHROMA_URL), as replicas would share it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.config import Settings
from server.knowledge.cli import open_knowledge
from server.knowledge.ingest import ingest

KB = Path(__file__).resolve().parents[2] / "kb"


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("chroma") or str(Path(__import__("sys").executable).with_name("chroma"))
    if not Path(binary).exists():
        pytest.skip("the chroma command (from the chromadb package) is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "run", "--path", str(tmp_path_factory.mktemp("chroma")), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


def test_two_clients_share_one_chroma_server(chroma_url: str, embedder, tmp_path: Path) -> None:
    settings = Settings(chroma_url=chroma_url, data_dir=tmp_path, kb_collection="shared-kb")
    writer = open_knowledge(settings, embedder)
    report = ingest(writer, [KB])
    assert report.added > 0
    reader = open_knowledge(settings, embedder)  # another replica, its own client
    assert len(reader) == report.added
    best = reader.search("the parcel is late, how do I chase the carrier?", k=1)[0]
    assert "delivery" in best.source and best.heading_path
    assert not (tmp_path / "chroma").exists()  # nothing was written locally
