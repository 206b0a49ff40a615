"""The search query a conversation asks, built from the conversation rather than its last line.

In order of weight: what the issue is (the classifier's label, the turns it rests
on or else the customer's opening statement), the customer's questions nobody
has answered yet, then the customer's latest substantive turns. Turns that are
only details (a name, an order number, "thanks") carry no topic and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.context.model import ContextPackage, Role, Turn
from server.knowledge.bm25 import tokenize

MAX_QUERY_WORDS = 120
LATEST_TURNS = 3
OPENING_WORDS = 40
_QUESTION_START = re.compile(
    r"^\s*(can|could|how|what|when|where|why|which|who|will|would|is|are|do|does|did|should|may)\b", re.I
)


@dataclass(frozen=True)
class ConversationQuery:
    text: str
    turn_ids: tuple[int, ...]


def _topic_words(text: str) -> set[str]:
    return {t for t in tokenize(text) if t.isalpha() and len(t) > 2}


def is_substantive(turn: Turn) -> bool:
    """Says something about the topic: two topic words, or a question with one."""
    return len(_topic_words(turn.text)) >= (1 if is_question(turn.text) else 2)


def is_question(text: str) -> bool:
    return "?" in text or bool(_QUESTION_START.match(text))


def unanswered_questions(transcript: list[Turn]) -> list[Turn]:
    """Customer questions no later bot or agent turn shares a topic word with."""
    open_questions = []
    for i, turn in enumerate(transcript):
        if turn.role != Role.CUSTOMER or not is_question(turn.text) or not is_substantive(turn):
            continue
        words = _topic_words(turn.text)
        replies = (t for t in transcript[i + 1 :] if t.role in (Role.BOT, Role.AGENT))
        if not any(words & _topic_words(reply.text) for reply in replies):
            open_questions.append(turn)
    return open_questions


def _issue_turns(package: ContextPackage, customer: list[Turn]) -> list[Turn]:
    wanted = set(package.issue.turn_ids)
    if wanted:
        return [t for t in package.transcript if t.id in wanted]
    opening, words = [], 0
    for turn in (t for t in customer if is_substantive(t)):
        opening.append(turn)
        words += len(turn.text.split())
        if words >= OPENING_WORDS:
            break
    return opening


def build_query(package: ContextPackage) -> ConversationQuery:
    customer = [t for t in package.transcript if t.role == Role.CUSTOMER]
    latest = [t for t in customer if is_substantive(t)][-LATEST_TURNS:] or customer[-LATEST_TURNS:]
    turns: dict[int, Turn] = {}
    for turn in [*_issue_turns(package, customer), *unanswered_questions(package.transcript), *latest]:
        turns.setdefault(turn.id, turn)
    issue = package.issue
    parts = [f"{issue.group} {issue.label}".replace("_", " ").strip()] if issue.label else []
    parts.extend(t.text.strip() for t in turns.values())
    words = " ".join(parts).split()[:MAX_QUERY_WORDS]
    return ConversationQuery(" ".join(words), tuple(sorted(turns)))
