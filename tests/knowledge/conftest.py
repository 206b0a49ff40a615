"""Fixtures for the knowledge tests: the real embedding model (once), real chromadb on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.analysis.embedding import Embedder
from server.knowledge.store import KnowledgeBase


@pytest.fixture(scope="session")
def kb_embedder(request: pytest.FixtureRequest) -> Embedder:
    """The shared session ``embedder`` when tests/conftest.py provides one, else our own."""
    try:
        embedder: Embedder = request.getfixturevalue("embedder")
    except pytest.FixtureLookupError:
        embedder = Embedder()
    return embedder


@pytest.fixture
def kb(tmp_path: Path, kb_embedder: Embedder) -> KnowledgeBase:
    return KnowledgeBase.open(kb_embedder, data_dir=tmp_path / "chroma", collection="test-kb")


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "shipping.md").write_text(
        "---\ncategory: delivery\n---\n"
        "# Shipping\n\n## Lost parcels\n\nIf the tracking has not moved for a week, open a trace with the courier.\n\n"
        "### Replacement\n\nSend a free replacement once the courier confirms the loss.\n",
        encoding="utf-8",
    )
    (folder / "accounts.md").write_text(
        "---\ncategory: account\n---\n"
        "# Accounts\n\n## Password reset\n\nThe reset email link expires after thirty minutes.\n",
        encoding="utf-8",
    )
    return folder
