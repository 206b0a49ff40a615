"""Live assist: what the agent should see now, each suggestion with a stable id.

``suggest_for`` returns, most urgent first: an alert when the customer's
frustration has crossed the threshold, the bot's commitments the agent must
honour, knowledge passages for the conversation's query (see
``server.knowledge.query``), and the customer's details mentioned lately.
Ids hash the conversation id with what the suggestion is about, so the same
suggestion keeps its id from one call to the next and the caller can send only
new ones; the desktop's feedback on each comes back as a ``FeedbackRecord``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from server.context.model import ContextPackage, Sentiment
from server.knowledge.corpus import Filters
from server.knowledge.query import build_query
from server.knowledge.store import KnowledgeBase, Passage

FRUSTRATION_ALERT = 0.6
RECENT_TURNS = 4  # facts said within this many turns of the end "matter now"


class SuggestionKind(StrEnum):
    KNOWLEDGE = "knowledge"
    FACT = "fact"
    COMMITMENT = "commitment"
    SENTIMENT_ALERT = "sentiment_alert"


@dataclass(frozen=True)
class Suggestion:
    id: str
    kind: SuggestionKind
    title: str
    text: str
    score: float
    source_turn_ids: tuple[int, ...] = ()
    passage: Passage | None = None  # set for knowledge suggestions


class FeedbackAction(StrEnum):
    SEEN = "seen"
    USED = "used"
    DISMISSED = "dismissed"


@dataclass(frozen=True)
class FeedbackRecord:
    suggestion_id: str
    conversation_id: str
    action: FeedbackAction
    timestamp: float = field(default_factory=time.time)


def suggestion_id(conversation_id: str, key: str) -> str:
    return hashlib.sha256(f"{conversation_id}\x1f{key}".encode()).hexdigest()[:24]


def knowledge_suggestions(
    package: ContextPackage,
    kb: KnowledgeBase,
    k: int,
    filters: Filters | None = None,
    query_vector: np.ndarray | None = None,
) -> list[Suggestion]:
    query = build_query(package)
    if not query.text:
        return []
    passages = kb.search(query.text, filters, k, query_vector=query_vector, tenant=package.tenant)
    return [_from_passage(package.conversation_id, p, query.turn_ids) for p in passages]


def _from_passage(conversation_id: str, passage: Passage, turn_ids: tuple[int, ...]) -> Suggestion:
    title = " > ".join(passage.heading_path) or passage.title
    return Suggestion(
        id=suggestion_id(conversation_id, passage.id),
        kind=SuggestionKind.KNOWLEDGE,
        title=title,
        text=passage.text,
        score=passage.score,
        source_turn_ids=turn_ids,
        passage=passage,
    )


def commitment_suggestions(package: ContextPackage) -> list[Suggestion]:
    return [
        Suggestion(
            id=suggestion_id(package.conversation_id, f"commitment:{c.action}:{c.text}"),
            kind=SuggestionKind.COMMITMENT,
            title=f"Bot promised: {c.action}" + (f" ({c.amount})" if c.amount else ""),
            text=c.text + (f" (by {c.deadline})" if c.deadline else ""),
            score=1.0,
            source_turn_ids=tuple(c.turn_ids),
        )
        for c in package.commitments
    ]


def fact_suggestions(package: ContextPackage) -> list[Suggestion]:
    last = package.transcript[-1].id if package.transcript else 0
    recent = [f for f in package.facts if f.turn_ids and max(f.turn_ids) > last - RECENT_TURNS]
    return [
        Suggestion(
            id=suggestion_id(package.conversation_id, f"fact:{f.type}:{f.value}"),
            kind=SuggestionKind.FACT,
            title=f.type.replace("_", " "),
            text=f.value,
            score=0.5,
            source_turn_ids=tuple(f.turn_ids),
        )
        for f in recent
    ]


def _episode_start(sentiment: Sentiment) -> int | None:
    """The turn where frustration last crossed the alert threshold, if it is still above it."""
    start = None
    for point in sentiment.points:
        if point.frustration < FRUSTRATION_ALERT:
            start = None
        elif start is None:
            start = point.turn_id
    return start


def sentiment_alert(package: ContextPackage) -> list[Suggestion]:
    sentiment = package.sentiment
    start = _episode_start(sentiment)
    if start is None or sentiment.trend == "falling_frustration":
        return []
    points = [p for p in sentiment.points if p.turn_id >= start]
    about = f", about {sentiment.target}" if sentiment.target != "none" else ""
    return [
        Suggestion(
            id=suggestion_id(package.conversation_id, f"sentiment:{start}"),
            kind=SuggestionKind.SENTIMENT_ALERT,
            title="Customer frustration is rising",
            text=f"Frustration {sentiment.current_frustration:.2f} (peak {sentiment.peak_frustration:.2f}){about}.",
            score=sentiment.current_frustration,
            source_turn_ids=tuple(p.turn_id for p in points),
        )
    ]


def suggest_for(
    package: ContextPackage,
    kb: KnowledgeBase,
    k: int = 3,
    *,
    filters: Filters | None = None,
    query_vector: np.ndarray | None = None,
) -> list[Suggestion]:
    """Suggestions for the conversation as it stands, most urgent first."""
    return [
        *sentiment_alert(package),
        *commitment_suggestions(package),
        *knowledge_suggestions(package, kb, k, filters, query_vector),
        *fact_suggestions(package),
    ]
