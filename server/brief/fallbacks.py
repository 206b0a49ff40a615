"""Transcript-only stand-ins for analysed fields, used when an analyser has not filled them.

The brief must work from the transcript alone: when the package carries facts,
statements, commitments or steps, those are used; otherwise these light rules
read them from the turns. Each item names the turns that support it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from server.brief.summary import informative, sentences
from server.brief.text import clean_text
from server.context.model import Commitment, Fact, Outcome, Role, Statement, Step, Turn

_FACT_PATTERNS = {
    "email": re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b"),
    "phone": re.compile(r"(?<!\w)\+?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b"),
    "order_id": re.compile(r"(?i)(?<=order)\s*(?:number|no\.?|#|id)?\s*:?\s*([A-Z0-9-]{4,})"),
    "amount": re.compile(r"[$£€]\s?\d[\d,]*(?:\.\d{2})?"),
}
_PROMISE = re.compile(r"\b(?:I|we)(?:'ll| will| am going to| are going to)\b[^.!?]*", re.I)
_SERVICE = (Role.BOT, Role.AGENT)


def facts_from_turns(turns: Sequence[Turn]) -> list[Fact]:
    found: dict[tuple[str, str], Fact] = {}
    for turn in turns:
        if turn.role is not Role.CUSTOMER:
            continue
        for kind, pattern in _FACT_PATTERNS.items():
            for match in pattern.finditer(turn.text):
                value = (match.group(1) if pattern.groups else match.group()).strip()
                found.setdefault((kind, value.lower()), Fact(type=kind, value=value, turn_ids=[turn.id]))
    return list(found.values())


def statements_from_turns(turns: Sequence[Turn], limit: int = 3) -> list[Statement]:
    said = [
        Statement(text=s.text, turn_ids=[s.turn_id])
        for s in sentences(turns)
        if s.speaker != Role.CUSTOMER.value and informative(s)
    ]
    return said[-limit:]


def commitments_from_turns(turns: Sequence[Turn]) -> list[Commitment]:
    return [
        Commitment(text=match.group().strip(), action="promise", turn_ids=[turn.id])
        for turn in turns
        if turn.role in _SERVICE
        for match in _PROMISE.finditer(clean_text(turn.text))
    ]


def steps_from_turns(turns: Sequence[Turn]) -> list[Step]:
    steps: list[Step] = []
    for turn in turns:
        if turn.role is not Role.SYSTEM:
            continue
        if turn.action is not None:
            steps.append(Step(name=turn.action.name, outcome=turn.action.outcome, detail=turn.action.detail, turn_ids=[turn.id]))
        else:
            steps.append(Step(name=clean_text(turn.text), outcome=Outcome.UNKNOWN, turn_ids=[turn.id]))
    return steps
