"""Yes/no facts about the order and its money: shipped, delivered, cancelled ...

A proposition is a predicate (``shipped``) and, for some, a subject that must
share its clause (``refund`` ... ``processed``). A negation among the four words
before the predicate flips it; a modal or future right before it ("will be
shipped") or a condition earlier in the clause ("once it's delivered") means the
text states no status, so nothing is claimed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.checks.text import Segment, clauses, is_question, negation_start, normalise, sentences, tail_start
from server.privacy.text_caches import text_cache


@dataclass(frozen=True)
class Proposition:
    name: str
    predicate: re.Pattern[str]
    holds: bool  # what an unnegated match says
    subject: re.Pattern[str] | None = None
    ignore_modal: bool = False


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_IN_TRANSIT = r"\b(?:in transit|on (?:its|the|their) way|out for delivery)\b"
PROPOSITIONS: tuple[Proposition, ...] = (
    Proposition("shipped", _rx(r"\b(?:shipped|dispatched|sent out)\b"), True),
    Proposition("shipped", _rx(_IN_TRANSIT), True),
    Proposition("delivered", _rx(r"\bdelivered\b"), True),
    Proposition("delivered", _rx(_IN_TRANSIT + r"|\b(?:delayed|stuck)\b"), False),
    Proposition("cancelled", _rx(r"\bcancell?ed\b"), True),
    Proposition("refund_issued", _rx(r"\b(?:issued|processed|approved|completed|sent)\b"), True, _rx(r"\brefund\b")),
    Proposition("refund_issued", _rx(r"\brefunded\b"), True),
    Proposition("return_received", _rx(r"\breceived\b"), True, _rx(r"\breturn(?:ed)?\b|\bpackage\b|\bparcel\b")),
    Proposition(
        "fee",
        _rx(r"\bthere(?:'s| is| will be| would be)\s+(?:an?\s+)?(?:\$[\d.,]+\s+)?(?:\w+\s+)?fees?\b|\bbe charged\b"),
        True,
        ignore_modal=True,
    ),
    Proposition("fee", _rx(r"\bno\s+(?:\w+\s+)?fees?\b"), False),
)

_MODAL = re.compile(r"\b(?:will|would|'ll|should|could|must|may|might|to|going|expected|about)\b", re.IGNORECASE)
_CONDITION = re.compile(r"\b(?:if|once|when|whenever|unless|until|after|before|as soon as|whether)\b", re.IGNORECASE)
_TRAILING_YET = re.compile(r"\s+yet\b", re.IGNORECASE)

PHRASES = {
    ("shipped", True): "has shipped",
    ("shipped", False): "has not shipped yet",
    ("delivered", True): "has been delivered",
    ("delivered", False): "has not been delivered yet",
    ("cancelled", True): "has been cancelled",
    ("cancelled", False): "has not been cancelled",
    ("refund_issued", True): "has been processed",
    ("refund_issued", False): "has not been processed yet",
    ("return_received", True): "was received",
    ("return_received", False): "has not been received yet",
    ("fee", True): "there is a fee",
    ("fee", False): "there is no fee",
}


@dataclass(frozen=True)
class StatusClaim:
    name: str
    holds: bool
    start: int  # from the negation, if any, to the predicate (and a trailing "yet")
    end: int
    sentence: Segment


@text_cache(maxsize=8192)
def extract_status(raw: str) -> tuple[StatusClaim, ...]:
    text = normalise(raw)
    out: list[StatusClaim] = []
    for sentence in sentences(text):
        if is_question(sentence):
            continue
        for clause in clauses(sentence):
            out.extend(_clause_claims(text, clause, sentence))
    return tuple(out)


def _clause_claims(text: str, clause: Segment, sentence: Segment) -> list[StatusClaim]:
    found: dict[str, StatusClaim] = {}
    for prop in PROPOSITIONS:
        if prop.name in found or (prop.subject and not prop.subject.search(clause.text)):
            continue
        m = prop.predicate.search(clause.text)
        if m is None:
            continue
        claim = _claim(text, clause, sentence, prop, m)
        if claim is not None:
            found[prop.name] = claim
    return list(found.values())


def _claim(text: str, clause: Segment, sentence: Segment, prop: Proposition, m: re.Match[str]) -> StatusClaim | None:
    prefix = clause.text[: m.start()]
    if _CONDITION.search(prefix):
        return None
    if not prop.ignore_modal and _MODAL.search(prefix, tail_start(prefix, 3)):
        return None
    neg = negation_start(prefix)
    start = clause.start + (neg if neg is not None else m.start())
    end = clause.start + m.end()
    yet = _TRAILING_YET.match(text, end)
    end = yet.end() if yet else end
    return StatusClaim(prop.name, prop.holds != (neg is not None), start, end, sentence)
