"""Detectors for the facts a customer states with their own cue.

Each detector reads one customer message and returns ``Found`` items: a fact
type, the value as it should be shown, and the span it came from (so a later
pass can look at what is left over). Phone numbers go through ``phonenumbers``
and amounts through ``price-parser``; identifiers, addresses and names need
the cue words around them, which only patterns give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from price_parser import Price

from server.analysis.folded import Folded
from server.analysis.vocabulary import (
    COMMON_WORDS,
    MEMBERSHIP_LEVELS,
    PAYMENT_METHODS,
    PRODUCT_NOUNS,
    STATES,
    STREET_SUFFIXES,
)


@dataclass(frozen=True)
class Found:
    type: str
    value: str
    start: int
    end: int


def _rx(pattern: str) -> Folded:
    return Folded(pattern)


EMAIL = _rx(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_ID = r"#?\s*([A-Za-z0-9][A-Za-z0-9-]*\d[A-Za-z0-9-]*|\d{4,})"
_CUE_TAIL = r"\s*(?:id|number|no\.?|num|#)?\s*(?:is|was|:|=|-)?\s*"
KEYED_IDS: tuple[tuple[str, Folded], ...] = (
    ("tracking_number", _rx(r"\btracking" + _CUE_TAIL + _ID)),
    ("order_id", _rx(r"\border" + _CUE_TAIL + _ID)),
    ("account_id", _rx(r"\baccount" + _CUE_TAIL + _ID)),
    ("username", _rx(r"\buser\s?name\s*(?:is|was|:|=|-)?\s*([\w.-]*[A-Za-z0-9])")),
    ("pin_number", _rx(r"\bpin(?:\s*(?:number|code))?\s*(?:is|:|=)?\s*(\d{4,8})\b")),
    ("zip_code", _rx(r"\b(?:zip|postal)(?:\s*code)?\s*(?:is|:)?\s*(\d{4,5}(?:-\d{4})?)\b")),
)
BARE_ID = _rx(r"\b(?:the\s+)?id\s*(?:is|:)?\s*([A-Za-z0-9]*\d[A-Za-z0-9]*)\b")
UPS_TRACKING = re.compile(r"\b1Z[0-9A-Z]{16}\b")
PHONE_SHAPE = re.compile(
    r"^(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}$|^\+\d[\d\s().-]{8,18}\d$|^\d{3}-\d{4}$"
)
MONEY = _rx(
    r"(?:[$€£]\s?\d[\d,]*(?:\.\d{1,2})?)"
    r"|\b\d[\d,]*(?:\.\d{1,2})?\s?(?:dollars|bucks|usd|euros?|pounds|gbp|eur)\b"
)
_SYMBOL_WORDS = {"euro": "€", "euros": "€", "eur": "€", "pounds": "£", "gbp": "£"}
_SUFFIX = r"(?:" + "|".join(STREET_SUFFIXES) + r")\b"
_STREET = r"\b\d{1,6}\s+(?:[A-Za-z0-9.'-]+\s+){0,3}?" + _SUFFIX + r"(?:\s+" + _SUFFIX + r")?\.?"
STREET = _rx(_STREET)
CITY_STATE_ZIP = _rx(
    r"\b([A-Za-z][A-Za-z.'-]*(?:\s+[A-Za-z][A-Za-z.'-]*){0,2}),?\s+(" + "|".join(STATES) + r")\.?,?\s+(\d{5}(?:-\d{4})?)\b"
)
MEMBERSHIP = _rx(
    r"\b(" + "|".join(MEMBERSHIP_LEVELS) + r")\s+(?:member|membership|level|tier|status|account)\b"
    r"|\b(?:member(?:ship)?\s*(?:level|tier|status)?|level|tier)\s*(?:is|:)?\s*(" + "|".join(MEMBERSHIP_LEVELS) + r")\b"
)
PAYMENT = _rx(r"\b(" + "|".join(PAYMENT_METHODS) + r")\b")
PRODUCT = _rx(r"\b(" + "|".join(PRODUCT_NOUNS) + r")\b")
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATE = _rx(
    r"\b" + _MONTHS + r"\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTHS + r"(?:,?\s+\d{4})?"
    r"|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b(?:last|this|next|on)\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
    r"|\b(?:yesterday|the day before yesterday|last week|last month)\b"
    r"|\b(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:days?|weeks?|months?)\s+ago\b"
)
DURATION = _rx(r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:hours?|days?|weeks?|months?)\b(?!\s+ago)")
REPEAT_CONTACT = _rx(
    r"\b(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th))\s+time\b"
    r"|\b(?:twice|(?:three|four|five|several|many|\d+)\s+times)\b"
)
_NAME_WORD = r"[A-Za-z][A-Za-z'-]+"
NAME_INTRO = _rx(r"\b(my name is|name's|name is|i am|i'm|im|this is|call me)\s+(" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r"){0,2})")
_STRONG_INTROS = {"my name is", "name's", "name is", "call me"}


def find_emails(text: str) -> list[Found]:
    return [Found("email", m.group(0), m.start(), m.end()) for m in EMAIL.finditer(text)]


def find_keyed_ids(text: str) -> list[Found]:
    found = [Found(kind, m.group(1), m.start(1), m.end(1)) for kind, rx in KEYED_IDS for m in rx.finditer(text)]
    found += [Found("tracking_number", m.group(0), m.start(), m.end()) for m in UPS_TRACKING.finditer(text)]
    return [f for f in found if f.value.lower() not in COMMON_WORDS]


def find_phones(text: str, expect_phone: bool) -> list[Found]:
    """Phone numbers; a run of bare digits counts only when a phone number was asked for."""
    if sum(ch.isdigit() for ch in text) < 7:
        return []
    found: list[Found] = []
    for match in phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.POSSIBLE):
        raw = match.raw_string
        if not PHONE_SHAPE.match(raw):
            continue
        formatted = raw.startswith("+") or any(not ch.isdigit() for ch in raw)
        if formatted or expect_phone:
            found.append(Found("phone", raw, match.start, match.end))
    return found


def money_value(raw: str) -> str | None:
    """'$79.00' -> '$79', '79 bucks' -> '$79', '€12.5' -> '€12.50'."""
    price = Price.fromstring(raw)
    if price.amount is None:
        return None
    word = raw.split()[-1].lower() if raw[-1].isalpha() else ""
    symbol = price.currency or _SYMBOL_WORDS.get(word, "$")
    amount = price.amount
    text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"{symbol}{text}"


def find_money(text: str, kind: str = "amount") -> list[Found]:
    found = []
    for m in MONEY.finditer(text):
        value = money_value(m.group(0))
        if value:
            found.append(Found(kind, value, m.start(), m.end()))
    return found


def find_addresses(text: str) -> list[Found]:
    found = [Found("street_address", m.group(0).rstrip(".,"), m.start(), m.end()) for m in STREET.finditer(text) if _street_like(m.group(0))]
    for m in CITY_STATE_ZIP.finditer(text):
        city = _strip_street(m.group(1), found, m.start(1))
        if city:
            found.append(Found("city", city, m.end(1) - len(city), m.end(1)))
        found.append(Found("state", m.group(2), m.start(2), m.end(2)))
        found.append(Found("zip_code", m.group(3), m.start(3), m.end(3)))
    return found


def _street_like(street: str) -> bool:
    """'9600 Brushwick Dr' yes; '2 way' or '30 each way' no."""
    body = street.split()[1:-1]
    return bool(body) and not any(w.lower().strip(".,") in COMMON_WORDS for w in body)


def _strip_street(city: str, streets: list[Found], city_start: int) -> str:
    """The city words of a 'street, city ST zip' match, without the street part."""
    for street in streets:
        if street.start <= city_start < street.end or city_start <= street.start < city_start + len(city):
            city = city[max(0, street.end - city_start) :]
    words = [w for w in city.strip(" ,.").split() if w.lower() not in COMMON_WORDS]
    return " ".join(words[-3:])


def find_membership(text: str) -> list[Found]:
    return [Found("membership_level", (m.group(1) or m.group(2)).lower(), m.start(), m.end()) for m in MEMBERSHIP.finditer(text)]


def find_payment_methods(text: str) -> list[Found]:
    return [Found("payment_method", m.group(1).lower(), m.start(1), m.end(1)) for m in PAYMENT.finditer(text)]


def find_products(text: str) -> list[Found]:
    """'calvin klein boots': a product noun with up to three modifier words before it."""
    found = []
    for m in PRODUCT.finditer(text):
        words = text[: m.start()].split()
        lead: list[str] = []
        for word in reversed(words[-2:]):
            clean = word.strip(".,!?;:'\"()")
            if not clean or clean != word or clean.lower() in COMMON_WORDS or any(ch.isdigit() for ch in clean):
                break
            lead.insert(0, clean)
        value = " ".join([*lead, m.group(0)])
        found.append(Found("product", value.lower(), m.start() - len(" ".join(lead)) - (1 if lead else 0), m.end()))
    return found


def find_dates(text: str) -> list[Found]:
    dates = [Found("date", m.group(0), m.start(), m.end()) for m in DATE.finditer(text)]
    durations = [Found("duration", m.group(0), m.start(), m.end()) for m in DURATION.finditer(text)]
    return dates + [d for d in durations if not any(x.start <= d.start < x.end for x in dates)]


def find_repeat_contacts(text: str) -> list[Found]:
    return [Found("contact_attempts", m.group(0).lower(), m.start(), m.end()) for m in REPEAT_CONTACT.finditer(text)]


def find_introduced_names(text: str, expect_name: bool) -> list[Found]:
    """'my name is Ana Lima', 'I'm David Williams' (or 'i'm chloe zhang' when a name was asked for)."""
    found = []
    for m in NAME_INTRO.finditer(text):
        words = name_words(m.group(2).split())
        strong = m.group(1).lower() in _STRONG_INTROS
        capitalised = len(words) >= 2 and all(w[0].isupper() for w in words)
        if words and (strong or capitalised or (expect_name and len(words) >= 2)):
            value = " ".join(words)
            found.append(Found("customer_name", value, m.start(2), m.start(2) + len(value)))
    return found


def name_words(words: list[str]) -> list[str]:
    """The leading words that can be part of a name (stops at 'and', 'from', 'here' ...)."""
    kept: list[str] = []
    for word in words[:3]:
        if word.lower() in COMMON_WORDS or word.lower().endswith(("ing", "ly")):
            break
        kept.append(word)
    return kept
