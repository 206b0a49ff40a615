"""Typing bare answers: "2109" after "May I have your zip code?".

What is left of a customer message once the cued detectors have taken their
spans is split into short pieces; a piece that is a single value takes its type
from its shape and from what the bot just asked for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from server.analysis.fact_patterns import Found, money_value, name_words
from server.analysis.vocabulary import COMMON_WORDS, MEMBERSHIP_LEVELS

_SPLIT = re.compile(r"\s*(?:\||,|;|\band\b|\bor\b|(?<=[a-z0-9])[.!?](?:\s|$))\s*", re.IGNORECASE)
_FILLER = re.compile(
    r"^(?:(?:sure|yes|yeah|yep|ok|okay|ah|oh|um|uh|so|well|hi|hello|here|thanks|thank you)\b[\s,!.:]*)*"
    r"(?:(?:it's|its|it is|that's|that is|this is|here it is|here you go|mine is|my \w+(?: \w+)? is)\b[\s:]*)?",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"^#?\d+$")
_CODE = re.compile(r"^(?=.*\d)(?=.*[A-Z])[A-Z0-9-]{6,}$")
_HANDLE = re.compile(r"^(?=.*\d)[a-z][a-z0-9._-]{2,}$")
_AMOUNT = re.compile(r"^\$?\d+(?:\.\d{2})?$")
_WORD = re.compile(r"^[A-Za-z][A-Za-z'-]*$")


def bare_answers(text: str, taken: Sequence[Found], slots: Sequence[str]) -> list[Found]:
    """Values in the untaken parts of ``text``, typed by shape and the asked ``slots``."""
    rest = _blank_out(text, taken)
    found: list[Found] = []
    position = 0
    for piece in _SPLIT.split(rest):
        start = rest.find(piece, position) if piece else position
        position = max(position, start + len(piece))
        value = _FILLER.sub("", piece.strip(" \t|.!?\"'()")).strip(" .!?:")
        kind = _type_of(value, slots) if value else None
        if kind is not None:
            offset = text.find(value, start)
            found.append(Found(kind, _shown(kind, value), offset, offset + len(value)))
    return found


def leading_name(text: str, slots: Sequence[str]) -> Found | None:
    """'Joseph Banter and my account id is 78985': a capitalised name opening an answer to a name question."""
    if "customer_name" not in slots:
        return None
    kept: list[str] = []
    for token in text.strip().split()[:3]:
        word = token.rstrip(",")
        if not _WORD.match(word) or word.lower() in COMMON_WORDS or not word[0].isupper():
            break
        kept.append(word)
        if word != token:
            break
    if len(kept) >= 2:
        value = " ".join(kept)
        start = text.find(kept[0])
        return Found("customer_name", value, start, start + len(value))
    return None


def _blank_out(text: str, taken: Sequence[Found]) -> str:
    chars = list(text)
    for item in taken:
        for i in range(max(0, item.start), min(len(chars), item.end)):
            chars[i] = "|"
    return "".join(chars)


def _type_of(value: str, slots: Sequence[str]) -> str | None:
    if _DIGITS.match(value):
        return _digits_type(value.lstrip("#"), slots)
    if _CODE.match(value):
        return _first(slots, ("account_id", "order_id", "tracking_number")) or "account_id"
    if _HANDLE.match(value):
        return "username"
    lower = value.lower()
    if "membership_level" in slots and lower in MEMBERSHIP_LEVELS:
        return "membership_level"
    if "amount" in slots and _AMOUNT.match(value):
        return "amount"
    return _name_type(value, slots)


def _digits_type(digits: str, slots: Sequence[str]) -> str | None:
    n = len(digits)
    if "pin_number" in slots and 4 <= n <= 8:
        return "pin_number"
    if "zip_code" in slots and 4 <= n <= 5:
        return "zip_code"
    if "phone" in slots and 10 <= n <= 11:
        return "phone"
    if "amount" in slots and n <= 4:
        return "amount"
    kind = _first(slots, ("order_id", "account_id", "tracking_number", "zip_code"))
    if kind == "zip_code" and n > 5:
        kind = None
    return kind or ("reference_number" if n >= 6 else None)


def _name_type(value: str, slots: Sequence[str]) -> str | None:
    kind = _first(slots, ("security_answer", "customer_name"))
    if kind is None:
        return None
    words = value.split()
    if not 1 <= len(words) <= 3 or not all(_WORD.match(w) for w in words):
        return None
    if len(name_words(words)) != len(words) or any(w.lower() in COMMON_WORDS for w in words):
        return None
    if len(words) == 1 and not words[0][0].isupper():
        return None
    return kind


def _shown(kind: str, value: str) -> str:
    if kind == "amount":
        return money_value(value if value.startswith("$") else f"${value}") or value
    return value


def _first(slots: Sequence[str], kinds: Sequence[str]) -> str | None:
    return next((s for s in slots if s in kinds), None)
