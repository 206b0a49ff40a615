"""Session-wide fixtures: the real embedding model, loaded once per test session."""

from __future__ import annotations

import os
import threading

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@pytest.fixture(scope="session")
def embedder():
    from server.analysis.embedding import Embedder

    return Embedder()


class HeldEmbedder:
    """The real model behind a gate: an embedding does not start until the test opens it."""

    def __init__(self, embedder) -> None:  # type: ignore[no-untyped-def]
        self.embedder, self.dimension, self.gate = embedder, embedder.dimension, threading.Event()
        self.texts: list[str] = []  # every text embedded, in order

    def embed(self, texts, batch_size=64):  # type: ignore[no-untyped-def]
        self.gate.wait(30)
        self.texts.extend(texts)
        return self.embedder.embed(texts, batch_size)
