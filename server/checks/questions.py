"""Repeat questions: the draft asks for something the customer already gave.

A sentence asks for a slot when it is a question or a request ("please ...",
"could you ...") and a request word ("what", "which", "give me", "confirm" ...)
comes shortly before the slot's name. It is fine, and not reported, when the
sentence already states a value for the slot ("Just to confirm, your order
number is 12345?") or asks about a different one ("another order number").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from server.checks.text import Segment, is_question, last_words, normalise, sentences
from server.context.model import Fact


@dataclass(frozen=True)
class Slot:
    name: str
    label: str
    fact_types: tuple[str, ...]
    pattern: re.Pattern[str]
    asks_by_itself: bool = False  # "Who am I speaking with?" needs no request word


def _slot(name: str, label: str, types: tuple[str, ...], pattern: str, asks: bool = False) -> Slot:
    return Slot(name, label, types, re.compile(pattern, re.IGNORECASE), asks)


_ADDRESS_PARTS = ("street_address", "address", "city", "state", "zip_code")
SLOTS: tuple[Slot, ...] = (
    _slot("order_id", "order number", ("order_id",), r"\border\s*(?:number|id|no\b\.?|#)"),
    _slot("order_id", "order number", ("order_id",), r"\b(?:which|what) order\b(?!\s+(?:status|date))", True),
    _slot("account_id", "account ID", ("account_id",), r"\baccount\s*(?:id|number|no\b\.?|#)"),
    _slot("username", "username", ("username",), r"\buser\s?name\b|\blog-?in (?:id|name)\b"),
    _slot("email", "email address", ("email",), r"\be-?mail(?:\s+address)?\b"),
    _slot("phone", "phone number", ("phone",),
          r"\b(?:phone|mobile|cell|telephone)(?:\s+number)?\b|\bcontact number\b|\bbest number\b|\bnumber (?:\S+ ){0,3}?(?:call|reach|text)\b"),
    _slot("zip_code", "zip code", ("zip_code",), r"\b(?:zip|postal|post)\s*code\b"),
    _slot("street_address", "address", _ADDRESS_PARTS,
          r"(?<!e-mail )(?<!email )\b(?:shipping |mailing |delivery |street |home |billing )?address\b"),
    _slot("customer_name", "name", ("customer_name", "name"),
          r"\b(?:your|full|first|last)\s+name\b|\bname (?:on|for) the (?:account|order)\b"),
    _slot("customer_name", "name", ("customer_name", "name"),
          r"\bwho am i (?:speaking|talking|chatting) (?:to|with)\b|\bwho(?:'s| is) this\b", True),
    _slot("membership_level", "membership level", ("membership_level",), r"\bmembership(?: level| tier| status)?\b"),
    _slot("payment_method", "payment method", ("payment_method",), r"\bpayment method\b"),
)

_REQUEST_SENTENCE = re.compile(
    r"\b(?:please|could you|can you|would you|will you|may i|can i|could i|i(?:'ll| will)? need|we need|let me know"
    r"|provide|share|send me|tell me|give me|confirm|verify)\b",
    re.IGNORECASE,
)
_REQUEST_WORD = re.compile(
    r"\b(?:what|what's|whats|which|(?:i|we) have|get|need|provide|give|share|send|tell|confirm|verify|enter|type"
    r"|know|spell|please)\b",
    re.IGNORECASE,
)
_NOT_THEIRS = {"our", "my", "an", "this", "that", "his", "her"}
_OTHER_INSTANCE = re.compile(r"\b(?:another|other|second|different|new|alternate|alternative|additional)\b", re.IGNORECASE)
_IDENTIFIER = r"(?<![$\w.,])(?:[A-Za-z]+-?)?\d[\d().\s-]{2,}\d\b(?![.,]\d)"
_VALUE_LIKE: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
    "street_address": re.compile(r"\b\d+\s+\w+\s+(?:street|st|lane|ln|road|rd|avenue|ave|drive|dr|boulevard|blvd|way|court|ct)\b", re.I),
    "customer_name": re.compile(r"(?!x)x"),  # a name is recognised only as the known one
    "username": re.compile(r"\b[a-z][a-z._-]*\d+\b"),
}
_ID_LIKE = re.compile(_IDENTIFIER)


@dataclass(frozen=True)
class Ask:
    """A slot the draft asks for again, with what the customer gave for it."""

    slot: Slot
    sentence: Segment
    value: str
    facts: tuple[Fact, ...]


def find_asks(draft: str, facts: Sequence[Fact]) -> list[tuple[Segment, list[Slot]]]:
    """Every sentence that asks for slots, with the slots it asks for (known or not)."""
    text = normalise(draft)
    out = []
    for sentence in sentences(text):
        asked = _asked_slots(sentence, facts)
        if asked:
            out.append((sentence, asked))
    return out


def repeat_asks(draft: str, facts: Sequence[Fact]) -> list[tuple[Segment, list[Ask], list[Slot]]]:
    """Per asking sentence: the asks the customer already answered, and the slots still unknown."""
    out = []
    for sentence, slots in find_asks(draft, facts):
        known = [ask for slot in slots if (ask := _known(slot, sentence, facts)) is not None]
        if known:
            unknown = [s for s in slots if s.name not in {a.slot.name for a in known}]
            out.append((sentence, known, unknown))
    return out


def _asked_slots(sentence: Segment, facts: Sequence[Fact]) -> list[Slot]:
    text = sentence.text
    if not (is_question(sentence) or _REQUEST_SENTENCE.search(text)) or _OTHER_INSTANCE.search(text):
        return []
    asked: dict[str, Slot] = {}
    for slot in SLOTS:
        if slot.name not in asked and any(_asks(slot, text, m) for m in slot.pattern.finditer(text)):
            asked[slot.name] = slot
    return [s for s in asked.values() if not _states_a_value(s, text, facts)]


def _asks(slot: Slot, text: str, m: re.Match[str]) -> bool:
    if slot.asks_by_itself:
        return True
    before = last_words(text[: m.start()], 6)
    last = before.rsplit(" ", 1)[-1].lower() if before else ""
    return last not in _NOT_THEIRS and bool(_REQUEST_WORD.search(before))


def _states_a_value(slot: Slot, text: str, facts: Sequence[Fact]) -> bool:
    """A confirmation: the sentence already carries a value (the known one or another)."""
    flat = _flat(text)
    if any(_flat(f.value) and _flat(f.value) in flat for f in facts if f.type in slot.fact_types):
        return True
    pattern = _VALUE_LIKE.get(slot.name)
    return bool((pattern or _ID_LIKE).search(text))


def _known(slot: Slot, sentence: Segment, facts: Sequence[Fact]) -> Ask | None:
    relevant = [f for f in facts if f.type in slot.fact_types]
    if not relevant:
        return None
    if slot.name == "street_address":
        parts = [_latest([f for f in relevant if f.type == t]) for t in _ADDRESS_PARTS]
        chosen = tuple(p for p in parts if p is not None)
        return Ask(slot, sentence, ", ".join(p.value for p in chosen), chosen)
    latest = _latest(relevant)
    assert latest is not None
    return Ask(slot, sentence, latest.value, (latest,))


def _latest(facts: Sequence[Fact]) -> Fact | None:
    """The customer's own latest value first; a value only on file (external) after."""
    if not facts:
        return None
    return max(facts, key=lambda f: (f.source != "external", max(f.turn_ids, default=0)))


def _flat(value: str) -> str:
    return re.sub(r"[^a-z0-9@]", "", value.lower())

