"""The embedding model's precision: bfloat16 where the CPU multiplies it in hardware, float32 elsewhere.

bfloat16 must give float32 unit vectors close to float32's (the issue labels and the knowledge
base read them), and the setting must reach the model wherever it runs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from server.analysis import embedding
from server.analysis.embedding import Embedder, resolve_precision
from server.analysis.embedding_process import ProcessEmbedder
from server.config import load_settings
from server.errors import InvalidArgumentError

TEXTS = [
    "My parcel never arrived and the tracking has not moved since Monday.",
    "I was charged twice for order 48213, $89.99 each time.",
    "The kettle arrived broken, the box was crushed.",
    "I want a refund, not another voucher.",
    "How do I change the email address on my account?",
    "ok thanks",
]


@pytest.fixture(scope="module")
def both(embedder: Embedder) -> dict[str, Embedder]:
    """The session's model and one in the other precision (loaded once for this module)."""
    other = "float32" if embedder.precision == "bfloat16" else "bfloat16"
    return {embedder.precision: embedder, other: Embedder(precision=other)}


def test_bfloat16_gives_float32_unit_vectors_close_to_float32s(both: dict[str, Embedder]) -> None:
    full, half = both["float32"].embed(TEXTS), both["bfloat16"].embed(TEXTS)
    assert half.dtype == np.float32 and half.shape == full.shape
    assert np.allclose(np.linalg.norm(half, axis=1), 1, atol=1e-5)
    cosine = (full * half).sum(axis=1)
    assert cosine.min() >= 0.999
    assert np.abs(full - half).max() > 1e-4  # really computed in the other precision
    # the texts' nearest other text is the same in both
    assert ((full @ full.T - 2 * np.eye(len(TEXTS))).argmax(1) == (half @ half.T - 2 * np.eye(len(TEXTS))).argmax(1)).all()


def test_the_weights_are_in_the_precision_asked_for(both: dict[str, Embedder]) -> None:
    for precision, model in both.items():
        assert {p.dtype for p in model._model.parameters()} == {getattr(torch, precision)}


def test_auto_takes_bfloat16_only_where_the_cpu_has_amx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True, raising=False)
    assert resolve_precision("auto") == "bfloat16"
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False, raising=False)
    assert resolve_precision("auto") == "float32"
    monkeypatch.delattr(torch.cpu, "_is_amx_tile_supported", raising=False)  # a torch without the probe
    assert resolve_precision("auto") == "float32"
    assert resolve_precision("float32") == "float32" and resolve_precision("bfloat16") == "bfloat16"
    assert embedding.bfloat16_is_native() is False


def test_an_unknown_precision_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="bfloat16"):
        resolve_precision("int8")
    monkeypatch.setenv("HANDOFF_EMBEDDING_PRECISION", "int8")
    with pytest.raises(InvalidArgumentError, match="embedding_precision"):
        load_settings()


def test_the_child_process_runs_the_precision_asked_for(both: dict[str, Embedder]) -> None:
    child = ProcessEmbedder(nice=5, precision="float32")
    try:
        assert child.precision == "float32"
        assert np.allclose(child.embed(TEXTS), both["float32"].embed(TEXTS), atol=1e-5)
    finally:
        child.close()
