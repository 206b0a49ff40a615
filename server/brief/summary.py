"""Extractive summary and key sentences, from the transcript alone.

The summary follows the shape human support summaries take: the customer's
problem, then what the bot (or agent) did or proposed. The customer's problem is
the first informative sentences the customer wrote; the action is the most
informative sentence of the bot's side, scored on action and request cues,
length and position, with greetings, apologies and thanks left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from server.analysis.injection import addresses_model
from server.brief.text import clean_text, split_sentences, words
from server.context.model import Role, Turn
from server.privacy.text_caches import text_cache

_CUSTOMER_SIDE = {Role.CUSTOMER}
_SERVICE_SIDE = {Role.BOT, Role.AGENT}
_PLEASANTRY = re.compile(
    r"^(?:hi|hello|hey|thanks?|thank you|cheers|ok(?:ay)?|great|sure|no problem|you're welcome|"
    r"we're sorry|sorry|i'm sorry|i am sorry|we are sorry|we apologi[sz]e|i apologi[sz]e|happy to help|glad to help|have a (?:good|great|nice))\b",
    re.IGNORECASE,
)
_ACTION_CUE = re.compile(
    r"\b(?:please|dm|direct message|send|check|follow|refund|replace|reset|try|recommend|suggest|"
    r"contact|reach out|call|visit|update|escalat\w*|look into|arrange|cancel|credit|link|"
    r"will|can you|could you|need|able to|confirm|report|raise|forward|fix)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sentence:
    turn_id: int
    speaker: str
    text: str
    position: int  # order in the conversation, over all sentences


@text_cache(maxsize=65536)
def turn_sentences(text: str) -> tuple[str, ...]:
    """Cleaned sentences of one turn's text, cached: a live package is re-read at every turn."""
    return tuple(split_sentences(clean_text(text)))


def sentences(turns: Sequence[Turn]) -> list[Sentence]:
    """Cleaned sentences of the customer's and the service side's turns, in order."""
    found: list[Sentence] = []
    for turn in turns:
        if turn.role not in _CUSTOMER_SIDE | _SERVICE_SIDE:
            continue
        for text in turn_sentences(turn.text):
            found.append(Sentence(turn.id, turn.role.value, text, len(found)))
    return found


def informative(sentence: Sentence) -> bool:
    count = len(words(sentence.text))
    return count >= 4 and not (count < 9 and _PLEASANTRY.match(sentence.text))


def problem_sentences(found: Sequence[Sentence], limit: int = 1, min_words: int = 10) -> list[Sentence]:
    """The customer's first informative sentences (how people open is what they need):
    ``limit`` of them, or one more while those chosen are shorter than ``min_words``."""
    chosen: list[Sentence] = []
    total = 0
    for sentence in found:
        if sentence.speaker != Role.CUSTOMER.value or not informative(sentence) or addresses_model(sentence.text):
            continue  # text written to the model is not the customer's problem statement
        if len(chosen) >= limit and total >= min_words:
            break
        chosen.append(sentence)
        total += len(words(sentence.text))
    return chosen


def _action_score(sentence: Sentence, last_position: int) -> float:
    count = len(words(sentence.text))
    cues = len(_ACTION_CUE.findall(sentence.text))
    length = min(count, 25) / 25 - max(0, count - 40) / 40
    recency = sentence.position / max(last_position, 1)
    return 1.0 * min(cues, 3) + 1.5 * length + 0.5 * recency


def action_sentences(found: Sequence[Sentence], limit: int = 1) -> list[Sentence]:
    """The service side's most informative action, request or proposal sentences."""
    candidates = [s for s in found if s.speaker != Role.CUSTOMER.value and informative(s)]
    if not candidates:
        return []
    last = found[-1].position if found else 0
    ranked = sorted(candidates, key=lambda s: _action_score(s, last), reverse=True)
    return sorted(ranked[:limit], key=lambda s: s.position)


def _reported(chosen: Sequence[Sentence], who: str) -> str:
    if not chosen:
        return ""
    verb = "asks" if all(s.text.rstrip().endswith("?") for s in chosen) else "says"
    return f"{who} {verb}: " + " ".join(s.text for s in chosen)


def summarise(turns: Sequence[Turn], found: Sequence[Sentence] | None = None) -> str:
    """'Customer says: <problem>. Agent says: <action>.' from the transcript alone."""
    found = sentences(turns) if found is None else found
    parts = [_reported(problem_sentences(found), "Customer"), _reported(action_sentences(found), "Agent")]
    return " ".join(part for part in parts if part)


def key_sentences(turns: Sequence[Turn], found: Sequence[Sentence] | None = None) -> list[Sentence]:
    """The sentences worth quoting: the customer's problem and the service side's actions."""
    found = sentences(turns) if found is None else found
    chosen = problem_sentences(found, limit=2) + action_sentences(found, limit=2)
    return sorted(chosen, key=lambda s: s.position)
