"""What a number in a sentence is about: a refund, a credit, a delivery ...

A quantity takes the topic of the nearest keyword in its clause, else in its
sentence, else at the end of the sentence before (``"I've issued a refund. It
will show up in 3-5 business days."``). Each kind of quantity only looks at the
topics that make sense for it, so "$14.99" is never a delivery.
"""

from __future__ import annotations

import re

from server.checks.text import Segment, clauses, containing

_KEYWORDS: dict[str, str] = {
    "refund": r"\brefund\w*|\breimburs\w*|\bmoney\b|\bget\s+(?:\S+\s+){0,3}?back\b",
    "credit": r"\bcredit(?:ed|s)?\b|\bvouchers?\b|\bgift cards?\b|\bcoupons?\b",
    "charge": r"\bfees?\b|\bsurcharge\b|\bcharge[sd]?\b|\bbill(?:ed)?\b",
    "price": r"\bprice[ds]?\b|\bcosts?\b|\btotal\b|\bpaid\b",
    "discount": r"\bdiscount\w*|\boff\b",
    "delivery": r"\bdeliver\w*|\barriv\w*|\breach you\b|\bget (?:it|them) to you\b|\bin your hands\b",
    "ship": r"\bship(?:s|ped|ping)?\b|\bdispatch\w*|\b(?:sent|send|go|goes|went) out\b",
    "pickup": r"\bpick(?:ed|ing|s)?[- ]?up\b|\bpick (?:\S+ ){1,2}up\b|\bcollect\w*|\bcollection\b",
    "update": r"\bupdates?\b|\bhear back\b|\bget back to\b|\bcall(?:s)? you\b|\bcall(?:ing)? back\b"
    r"|\bcallback\b|\bcontact you\b|\breach out\b|\bfollow[- ]up\b|\brespond\b|\breply\b|\bemail you\b",
    "return": r"\breturn\w*|\breceived\b|\bsend\s+(?:\S+\s+){0,3}?back\b",
    "expiry": r"\bexpir\w*|\bvalid\b",
}
_PATTERNS = {topic: re.compile(rx, re.IGNORECASE) for topic, rx in _KEYWORDS.items()}

MONEY_TOPICS = ("refund", "credit", "charge", "price")
PERCENT_TOPICS = ("discount", "refund", "credit")
TIME_TOPICS = ("refund", "credit", "delivery", "ship", "pickup", "update", "return", "expiry")


def topic_of(
    sentences: tuple[Segment, ...], start: int, end: int, allowed: tuple[str, ...], prefer_before: bool
) -> str | None:
    """The topic for the quantity at ``text[start:end]``, or None when nothing says."""
    sentence = containing(sentences, start)
    if sentence is None:
        return None
    clause = containing(clauses(sentence), start)
    for scope in (clause, sentence):
        if scope is not None:
            found = _nearest(scope, start, end, allowed, prefer_before)
            if found:
                return found
    index = sentences.index(sentence)
    if index > 0:
        before = sentences[index - 1]
        return _nearest(before, before.end, before.end, allowed, prefer_before=True)
    return None


def _nearest(scope: Segment, start: int, end: int, allowed: tuple[str, ...], prefer_before: bool) -> str | None:
    before: list[tuple[int, str]] = []
    after: list[tuple[int, str]] = []
    for topic in allowed:
        for m in _PATTERNS[topic].finditer(scope.text):
            m_start, m_end = scope.start + m.start(), scope.start + m.end()
            if m_end <= start:
                before.append((start - m_end, topic))
            elif m_start >= end:
                after.append((m_start - end, topic))
            else:
                before.append((0, topic))  # the keyword spans the quantity ("get $65 back")
    if prefer_before and before:
        return min(before)[1]
    candidates = before + after
    return min(candidates)[1] if candidates else None


def commitment_topic(action: str) -> str | None:
    """The topic a commitment's action names ("refund", "callback" -> update), if any."""
    words = action.replace("_", " ")
    for topic, pattern in _PATTERNS.items():
        if pattern.search(words):
            return topic
    return None
