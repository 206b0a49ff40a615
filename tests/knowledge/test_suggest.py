from __future__ import annotations

from pathlib import Path

import pytest

from server.context.model import Commitment, ContextPackage, Role, Sentiment, SentimentPoint, Turn
from server.knowledge.ingest import ingest
from server.knowledge.query import build_query
from server.knowledge.store import KnowledgeBase
from server.knowledge.suggest import SuggestionKind, suggest_for

SAMPLE_KB = Path(__file__).resolve().parents[2] / "kb"


def _package(*turns: tuple[Role, str]) -> ContextPackage:
    transcript = [Turn(id=i, role=role, text=text) for i, (role, text) in enumerate(turns, start=1)]
    return ContextPackage(conversation_id="conv-1", transcript=transcript)


@pytest.fixture
def late_delivery() -> ContextPackage:
    return _package(
        (Role.CUSTOMER, "Hello, my order still hasn't arrived and it was due four days ago."),
        (Role.BOT, "I'm sorry to hear that. Can I have your order number?"),
        (Role.CUSTOMER, "It's HP-48213."),
        (Role.SYSTEM, "Order HP-48213 has been pulled up."),
        (Role.BOT, "Thanks. Tracking shows the parcel is in transit."),
        (Role.CUSTOMER, "It has said in transit for a week. Can you chase the courier?"),
    )


def test_suggestion_for_a_late_delivery_is_the_delivery_passage(kb: KnowledgeBase, late_delivery: ContextPackage) -> None:
    ingest(kb, [SAMPLE_KB])
    knowledge = [s for s in suggest_for(late_delivery, kb, k=3) if s.kind == SuggestionKind.KNOWLEDGE]
    assert knowledge[0].passage is not None
    assert knowledge[0].passage.source.endswith("delivery-delays.md")
    assert 6 in knowledge[0].source_turn_ids


def test_query_keeps_the_opening_issue_and_the_unanswered_question(late_delivery: ContextPackage) -> None:
    query = build_query(late_delivery)
    assert "hasn't arrived" in query.text
    assert "chase the courier" in query.text
    assert 3 not in query.turn_ids  # only an order number: no topic


def test_suggestion_ids_are_stable_between_calls(kb: KnowledgeBase, late_delivery: ContextPackage) -> None:
    ingest(kb, [SAMPLE_KB])
    first = [s.id for s in suggest_for(late_delivery, kb, k=3)]
    assert first == [s.id for s in suggest_for(late_delivery, kb, k=3)]
    assert len(set(first)) == len(first)


def test_rising_frustration_and_commitments_come_first(kb: KnowledgeBase, late_delivery: ContextPackage) -> None:
    late_delivery.sentiment = Sentiment(
        points=[SentimentPoint(turn_id=1, score=-0.2, frustration=0.3), SentimentPoint(turn_id=6, score=-0.7, frustration=0.8)],
        trend="rising_frustration",
        current_frustration=0.8,
        peak_frustration=0.8,
        target="delay",
    )
    late_delivery.commitments = [Commitment(text="I'll refund the express fee.", action="refund", turn_ids=[5])]
    kinds = [s.kind for s in suggest_for(late_delivery, kb, k=2)]
    assert kinds[:2] == [SuggestionKind.SENTIMENT_ALERT, SuggestionKind.COMMITMENT]
