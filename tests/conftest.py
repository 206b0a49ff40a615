"""Session-wide fixtures: the real embedding model, loaded once per test session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@pytest.fixture(scope="session")
def embedder():
    from server.analysis.embedding import Embedder

    return Embedder()
