"""Facts the customer gave: names, ids, contact details, addresses, amounts ...

``FactExtractor`` reads each customer turn: cued detectors first (an email, "order
id is 123", "$79", "9600 Brushwick Dr"), then the deployment's own fact types,
then whatever is left is typed as a bare answer to the bot's last question. The
same type and normalised value seen again only adds a turn id. A logged system
action naming the account holder ("Account has been pulled up for Chloe Zhang.")
fixes the spelling of a name the customer gave, or finds one they said that the
detectors missed; it never invents one the customer did not say.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from server.analysis import fact_patterns as fp
from server.analysis.answers import bare_answers, leading_name
from server.analysis.fact_patterns import Found
from server.analysis.folded import Folded
from server.analysis.questions import asked_slots
from server.context.model import ContextPackage, Fact, Role, Turn

logger = logging.getLogger(__name__)

_ACCOUNT_HOLDER = re.compile(r"\b(?i:account|profile|record)\b.*?\bfor\s+([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){1,2})\s*\.?\s*$")
_NAME_TYPES = ("customer_name",)


@dataclass(frozen=True)
class FactType:
    """A deployment's own fact type: a regex (group 1 is the value if present) and/or keywords."""

    name: str
    pattern: str = ""
    keywords: Sequence[str] = ()
    _compiled: list[re.Pattern[str]] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.pattern:
            self._compiled.append(re.compile(self.pattern, re.IGNORECASE))
        if self.keywords:
            words = sorted((re.escape(k.strip()) for k in self.keywords if k.strip()), key=len, reverse=True)
            self._compiled.append(re.compile(r"\b(" + "|".join(words) + r")\b", re.IGNORECASE))

    def find(self, text: str) -> list[Found]:
        found = []
        for rx in self._compiled:
            for m in rx.finditer(text):
                group = 1 if rx.groups else 0
                found.append(Found(self.name, m.group(group), m.start(group), m.end(group)))
        return found


def normalise(kind: str, value: str) -> str:
    """The key two mentions of one fact share: case and spacing folded, phones by digits."""
    if kind == "phone":
        return "".join(ch for ch in value if ch.isdigit())
    return " ".join(value.lower().split())


def find_facts(text: str, slots: Sequence[str], extra: Sequence[FactType] = ()) -> list[Found]:
    """Every fact in one customer message, given the fact types the bot just asked for."""
    cued = [
        *fp.find_emails(text),
        *fp.find_keyed_ids(text),
        *fp.find_phones(text, expect_phone="phone" in slots),
        *fp.find_addresses(text),
        *fp.find_money(text),
        *fp.find_membership(text),
        *fp.find_payment_methods(text),
        *fp.find_dates(text),
        *fp.find_repeat_contacts(text),
        *fp.find_introduced_names(text, expect_name="customer_name" in slots),
        *[f for kind in extra for f in kind.find(text)],
    ]
    name = fp.find_products(text) + _listed(fp.BARE_ID, text, slots) + [n for n in [leading_name(text, slots)] if n]
    found = _without_overlaps(cued + name)
    return found + bare_answers(text, found, slots)


def _listed(rx: Folded, text: str, slots: Sequence[str]) -> list[Found]:
    """'the id is EPFRFWVQE7': an id whose kind comes from the question."""
    kind = next((s for s in slots if s in ("account_id", "order_id", "tracking_number")), "account_id")
    return [Found(kind, m.group(1), m.start(1), m.end(1)) for m in rx.finditer(text)]


def _without_overlaps(found: list[Found]) -> list[Found]:
    kept: list[Found] = []
    for item in found:
        if not any(item.start < k.end and k.start < item.end for k in kept):
            kept.append(item)
    return kept


class FactExtractor:
    """Per-turn analyser: adds the customer's facts to ``package.facts``."""

    def __init__(self, extra_fact_types: Sequence[FactType] = ()) -> None:
        self.extra_fact_types = tuple(extra_fact_types)

    def __call__(self, package: ContextPackage, turn: Turn) -> None:
        self.update(package, turn)

    def update(self, package: ContextPackage, turn: Turn) -> None:
        if turn.role == Role.CUSTOMER:
            slots = asked_slots(package.transcript, turn.id)
            for item in find_facts(turn.text, slots, self.extra_fact_types):
                add_fact(package, item.type, item.value, turn.id)
        elif turn.role == Role.SYSTEM:
            holder = _ACCOUNT_HOLDER.search(turn.text)
            if holder:
                confirm_name(package, holder.group(1))


def add_fact(package: ContextPackage, kind: str, value: str, turn_id: int) -> None:
    """Adds a customer fact, or the turn id to the same fact already known."""
    value = value.strip()
    if not value:
        return
    key = normalise(kind, value)
    for fact in package.facts:
        if fact.source == "customer" and fact.type == kind and normalise(kind, fact.value) == key:
            if turn_id not in fact.turn_ids:
                fact.turn_ids.append(turn_id)
            return
    package.facts.append(Fact(type=kind, value=value, turn_ids=[turn_id]))
    logger.debug("fact %s from turn %d", kind, turn_id)


def confirm_name(package: ContextPackage, holder: str) -> None:
    """Aligns the customer's name with the account found under it (spelling fixed, or a missed mention found)."""
    key = normalise("customer_name", holder)
    names = [f for f in package.facts if f.type in _NAME_TYPES and f.source == "customer"]
    if any(normalise(f.type, f.value) == key for f in names):
        return
    close = [f for f in names if difflib.SequenceMatcher(None, normalise(f.type, f.value), key).ratio() >= 0.85]
    if close:
        close[-1].value = holder
        return
    said = re.compile(r"\b" + re.escape(key) + r"\b")
    turn_ids = [t.id for t in package.transcript if t.role == Role.CUSTOMER and said.search(t.text.lower())]
    for turn_id in turn_ids:
        add_fact(package, "customer_name", holder, turn_id)
