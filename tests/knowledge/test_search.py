from __future__ import annotations

from pathlib import Path

import pytest

from server.knowledge.ingest import ingest
from server.knowledge.store import KnowledgeBase, SearchMode


def test_search_with_metadata_filter_returns_only_matching_passages(kb: KnowledgeBase, docs: Path) -> None:
    ingest(kb, [docs])
    passages = kb.search("courier trace for a lost parcel", filters={"category": "account"}, k=5)
    assert passages
    assert {p.metadata["category"] for p in passages} == {"account"}


@pytest.mark.parametrize("mode", list(SearchMode))
def test_every_search_mode_finds_the_passage_that_answers(kb: KnowledgeBase, docs: Path, mode: SearchMode) -> None:
    ingest(kb, [docs])
    best = kb.search("password reset link expired", k=2, mode=mode)[0]
    assert best.heading_path == ("Accounts", "Password reset")
    assert best.source == str((docs / "accounts.md").resolve())


def test_search_on_an_empty_knowledge_base_returns_nothing(kb: KnowledgeBase) -> None:
    assert kb.search("anything", k=3) == []


def test_knowledge_base_reopened_from_disk_keeps_its_passages(kb: KnowledgeBase, docs: Path, tmp_path: Path) -> None:
    ingest(kb, [docs])
    reopened = KnowledgeBase.open(kb.embedder, data_dir=tmp_path / "chroma", collection="test-kb", mode=SearchMode.BM25)
    assert len(reopened) == len(kb)
    assert reopened.search("thirty minutes", k=1)[0].heading_path == ("Accounts", "Password reset")
