"""Finds personal data in a message: cards, bank details, national ids, emails, phones, addresses.

Each detector is deliberately narrow: a card number counts only when its Luhn check
passes, an IBAN only with the right length for its country and the mod-97 check, a
bank account only when the customer labels it. A number the text itself calls an
order, tracking or reference number is never taken for anything else, so the facts
an agent needs (an order number, a tracking id, an amount, a date) stay usable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers

from server.privacy.checksums import IBAN_LENGTHS, aba_routing_valid, iban_valid, luhn_valid


class Kind(StrEnum):
    CARD = "card"
    BANK_ACCOUNT = "bank_account"
    IBAN = "iban"
    SSN = "ssn"
    NINO = "nino"  # UK National Insurance number
    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"


_PLACEHOLDERS = {
    Kind.BANK_ACCOUNT: "[BANK ACCOUNT]", Kind.IBAN: "[IBAN]", Kind.SSN: "[SSN]", Kind.NINO: "[NI NUMBER]",
    Kind.EMAIL: "[EMAIL]", Kind.PHONE: "[PHONE]", Kind.ADDRESS: "[ADDRESS]",
}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    kind: Kind
    start: int
    end: int
    text: str

    @property
    def placeholder(self) -> str:
        if self.kind == Kind.CARD:  # the last four stay, so an agent can confirm the card
            return f"[CARD •••• {_digits(self.text)[-4:]}]"
        return _PLACEHOLDERS[self.kind]


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


# "order number is", "tracking #", "ref:" right before a number: it is an identifier the agent needs.
_ID_LABEL = re.compile(
    r"\b(?:order|tracking|track|reference|ref|confirmation|invoice|ticket|case|shipment|parcel|package|"
    r"item|sku|model|serial|transaction|booking|claim|return|rma|receipt|policy|member|membership|customer|"
    r"loyalty|subscriber)"
    r"(?:\s*(?:number|no\.?|num|id|code|#|is|was|as|:|-))*\s*#?\s*$",
    re.IGNORECASE,
)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
IBAN_START = re.compile(r"\b([A-Z]{2})(\d{2})(?=[ A-Z0-9]{11,})", re.IGNORECASE)
SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])")
SSN_LABELLED = re.compile(
    r"\b(?:ssn|social security(?:\s+number)?|social)\s*(?:number|no\.?|#)?\s*(?:is|:)?\s*"
    r"((?!000|666|9\d\d)\d{3}\s?(?!00)\d{2}\s?(?!0000)\d{4})\b",
    re.IGNORECASE,
)
_NINO = r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"
NINO = re.compile(_NINO)
NINO_LABELLED = re.compile(  # lower case only where the customer says what it is
    r"\b(?:national insurance|ni|nino)(?:\s*(?:number|no\.?|#))?\s*(?:is|:)?\s*(" + _NINO + ")", re.IGNORECASE
)
_IS = r"\s*(?:is|was|:|(?:should|would|will)\s+be)?\s*"
BANK_ACCOUNT = re.compile(
    r"\b(?:(?:bank|checking|chequing|savings|current)(?:\s+account)?|account|acct\.?|a/c)"
    r"\s*(?:number|no\.?|num|#)" + _IS + r"(\d{6,17})\b"
    r"|\b(?:bank|checking|chequing|savings)\s+(?:account\s+)?(?:is\s+|:\s*)?(\d{6,17})\b",
    re.IGNORECASE,
)
ROUTING = re.compile(r"\b(?:routing|aba|sort\s*code)\s*(?:number|no\.?|#)?\s*(?:is|:)?\s*(\d{9}|\d{2}-\d{2}-\d{2})\b", re.I)
_SUFFIXES = (
    "street|st|avenue|ave|road|rd|drive|dr|lane|ln|boulevard|blvd|way|court|ct|place|pl|terrace|ter|"
    "parkway|pkwy|highway|hwy|circle|cir|square|sq|trail|trl|close|crescent|cres|grove|gardens|gdns"
)
_STREET_WORD = r"(?:[A-Za-z][A-Za-z.'-]*|\d{1,3}(?:st|nd|rd|th))"  # 'Elm', '2nd'

ADDRESS = re.compile(
    r"\b\d{1,6}[A-Za-z]?,?\s+(?:" + _STREET_WORD + r"\s+){1,3}(?:" + _SUFFIXES + r")\b\.?"
    r"(?:\s+(?:N|S|E|W|NE|NW|SE|SW)\b)?"
    r"(?:,?\s+(?:apt|apartment|unit|suite|ste|flat|#)\.?\s*#?\w{1,5})?"
    r"(?-i:(?:,\s*[A-Z][A-Za-z.'-]*(?:\s+[A-Z][a-z.'-]+){0,2}\b)?"  # , City
    r"(?:,?\s+[A-Z]{2}\b(?!\d))?"  # state
    r"(?:,?\s+(?:\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})\b)?)",  # ZIP or UK postcode
    re.IGNORECASE,
)
_NOT_STREET_WORDS = frozenset(
    "a an the and or of to in on at by for with from my your our their this that these those each per every "
    "one two three four five six seven eight nine ten times time day days week weeks month months year years "
    "hour hours minute minutes item items pack packs pair pairs box boxes order orders more less other same "
    "is was are were be been it its i we you he she they me us them all any some no not only".split()
)
PHONE_LABEL = re.compile(r"\b(?:phone|cell|mobile|tel|telephone|call|text|reach|contact|number)\b[^.!?\d]{0,20}$", re.I)
_PHONE_SHAPE = re.compile(
    r"^(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]?\d{4}$|^\+\d[\d\s().-]{7,18}\d$"
    r"|^0\d{3,4}[\s-]\d{3}[\s-]?\d{3,4}$"  # a UK number in national form: 07911 123456, 020 7946 0958
)


def find_pii(text: str, kinds: Iterable[Kind] = tuple(Kind)) -> list[Finding]:
    """Every finding of the wanted kinds, in text order, none overlapping another."""
    wanted = set(kinds)
    found: list[Finding] = []
    for kind, detector in _DETECTORS:
        if kind in wanted:
            for item in detector(text):
                if not any(item.start < f.end and f.start < item.end for f in found):
                    found.append(item)
    return sorted(found, key=lambda f: f.start)


def _labelled_as_id(text: str, start: int) -> bool:
    return bool(_ID_LABEL.search(text[max(0, start - 40) : start]))


def find_emails(text: str) -> list[Finding]:
    return [Finding(Kind.EMAIL, m.start(), m.end(), m.group()) for m in EMAIL.finditer(text)]


def find_cards(text: str) -> list[Finding]:
    """13-19 digits, optionally grouped by spaces or dashes, passing Luhn and not called an order/tracking id."""
    found = []
    for m in CARD.finditer(text):
        digits = _digits(m.group())
        if digits[0] in "23456" and luhn_valid(digits) and not _labelled_as_id(text, m.start()):
            found.append(Finding(Kind.CARD, m.start(), m.end(), m.group()))
    return found


def find_ibans(text: str) -> list[Finding]:
    found = []
    for m in IBAN_START.finditer(text):
        length = IBAN_LENGTHS.get(m.group(1).upper())
        end = _iban_end(text, m.start(), length) if length else None
        if end is not None and iban_valid(text[m.start() : end]):
            found.append(Finding(Kind.IBAN, m.start(), end, text[m.start() : end]))
    return found


def _iban_end(text: str, start: int, length: int) -> int | None:
    """Where an IBAN of ``length`` characters (spaces allowed between them) starting here ends."""
    count, i = 0, start
    while i < len(text) and count < length:
        ch = text[i]
        if ch.isalnum():
            count += 1
        elif ch != " " or i + 1 >= len(text) or not text[i + 1].isalnum():
            return None
        i += 1
    if count < length or (i < len(text) and text[i].isalnum()):
        return None
    return i


def find_ssns(text: str) -> list[Finding]:
    found = [
        Finding(Kind.SSN, m.start(), m.end(), m.group()) for m in SSN.finditer(text) if not _labelled_as_id(text, m.start())
    ]
    found += [Finding(Kind.SSN, m.start(1), m.end(1), m.group(1)) for m in SSN_LABELLED.finditer(text)]
    return found


def find_ninos(text: str) -> list[Finding]:
    found = [Finding(Kind.NINO, m.start(), m.end(), m.group()) for m in NINO.finditer(text)]
    found += [Finding(Kind.NINO, m.start(1), m.end(1), m.group(1)) for m in NINO_LABELLED.finditer(text)]
    return found


def find_bank_accounts(text: str) -> list[Finding]:
    """A labelled account number ('account number 12345678', 'checking 000123456789') or routing number."""
    found = []
    for m in BANK_ACCOUNT.finditer(text):
        group = 1 if m.group(1) else 2
        found.append(Finding(Kind.BANK_ACCOUNT, m.start(group), m.end(group), m.group(group)))
    for m in ROUTING.finditer(text):
        value = m.group(1)
        if "-" in value or aba_routing_valid(value):
            found.append(Finding(Kind.BANK_ACCOUNT, m.start(1), m.end(1), value))
    return found


def find_addresses(text: str) -> list[Finding]:
    """House number, street name, street suffix; a unit, city, state and ZIP or postcode when they follow."""
    found = []
    for m in ADDRESS.finditer(text):
        words = re.findall(r"\b[A-Za-z][A-Za-z.'-]*|\b\d{1,3}(?:st|nd|rd|th)\b", m.group())
        name = words[: next((i for i, w in enumerate(words) if _is_suffix(w) and i > 0), len(words))]
        if name and not any(w.lower().strip(".") in _NOT_STREET_WORDS for w in name):
            found.append(Finding(Kind.ADDRESS, m.start(), m.end() - (1 if m.group().endswith(",") else 0), m.group()))
    return found


def _is_suffix(word: str) -> bool:
    return re.fullmatch(_SUFFIXES, word.lower().rstrip(".")) is not None


def find_phones(text: str) -> list[Finding]:
    """Formatted numbers ('(555) 123-4567', '+44 20 7946 0958'), or bare digits after 'call me on' and the like."""
    if sum(ch.isdigit() for ch in text) < 7:
        return []
    found: list[Finding] = []
    matches = [*phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.POSSIBLE)]
    if "0" in text:  # national UK form ('07911 123456') only parses as GB
        matches += phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.VALID)
    for match in matches:
        raw = match.raw_string
        if _labelled_as_id(text, match.start) or any(f.start < match.end and match.start < f.end for f in found):
            continue
        shaped = _PHONE_SHAPE.match(raw) is not None
        labelled = PHONE_LABEL.search(text[max(0, match.start - 30) : match.start]) is not None
        if shaped or (labelled and 7 <= len(_digits(raw)) <= 15):
            found.append(Finding(Kind.PHONE, match.start, match.end, raw))
    return found


_DETECTORS = (
    (Kind.EMAIL, find_emails),
    (Kind.IBAN, find_ibans),
    (Kind.CARD, find_cards),
    (Kind.SSN, find_ssns),
    (Kind.NINO, find_ninos),
    (Kind.BANK_ACCOUNT, find_bank_accounts),
    (Kind.ADDRESS, find_addresses),
    (Kind.PHONE, find_phones),
)
