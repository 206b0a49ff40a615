"""Amounts, percentages, durations and dates in a text, each with its topic.

``extract_claims`` is pure and cached by text: earlier turns are read once per
process however often the agent's draft changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.checks.text import Segment, containing, is_question, negation_start, normalise, sentences
from server.checks.topics import MONEY_TOPICS, PERCENT_TOPICS, TIME_TOPICS, topic_of
from server.privacy.text_caches import text_cache

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty-eight": 48, "seventy-two": 72, "ninety": 90,
}
_NUM = r"(?:\d+(?:\.\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_HOURS = {"minute": 1 / 60, "min": 1 / 60, "hour": 1.0, "hr": 1.0, "day": 24.0, "week": 168.0, "month": 720.0}
BUSINESS_DAY_HOURS = 24.0 * 7 / 5

MONEY = re.compile(
    r"[$€£]\s?\d[\d,]*(?:\.\d{1,2})?|\b\d[\d,]*(?:\.\d{1,2})?\s?(?:dollars|usd|euros?|eur|gbp|pounds)\b",
    re.IGNORECASE,
)
PERCENT = re.compile(r"\b\d+(?:\.\d+)?\s?(?:%|percent\b)", re.IGNORECASE)
DURATION = re.compile(
    rf"(?:\b(?P<pre>within|up to|under|less than|no more than|at most|in|for|takes?|about|around)\s+)?"
    rf"\b(?P<lo>{_NUM})(?:\s*(?:-|–|to|or)\s*(?P<hi>{_NUM}))?[\s-]*(?P<biz>business\s+|working\s+)?"
    r"(?P<unit>minute|min|hour|hr|day|week|month)s?\b(?!\s+ago)",
    re.IGNORECASE,
)
_UPPER_BOUND = {"within", "up to", "under", "less than", "no more than", "at most"}
DATE = re.compile(
    r"\b(?:(?:next|this)\s+)?(?P<weekday>mon|tues|wednes|thurs|fri|satur|sun)day\b"
    r"|\b(?P<rel>today|tonight|tomorrow|yesterday)\b"
    r"|\b(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b",
    re.IGNORECASE,
)
_RELATIVE_DAYS = {"today": 0.0, "tonight": 0.0, "tomorrow": 1.0, "yesterday": -1.0}
_ADDITIVE = re.compile(
    r"\b(?:another|additional|extra|on top|add(?:ed|ing)?|raise[ds]?|increase[ds]?|more|instead|new)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Claim:
    """A quantity a text states: ``lo``/``hi`` are amounts, percents or hours; dates use ``key``."""

    kind: str  # money | percent | duration | date
    topic: str | None
    start: int
    end: int
    text: str
    lo: float = 0.0
    hi: float = 0.0
    key: str = ""  # dates: weekday:friday | rel:tomorrow | md:3-14
    negated: bool = False
    additive: bool = False
    in_question: bool = False
    sentence: Segment | None = None

    @property
    def slot(self) -> str:
        return f"{self.topic}.{'amount' if self.kind in ('money', 'percent') else 'time'}"


def _number(word: str) -> float:
    return _NUMBER_WORDS.get(word.lower(), 0.0) if word.isalpha() or "-" in word else float(word)


def _money_value(text: str) -> float:
    digits = re.sub(r"[^\d.]", "", text.replace(",", ""))
    return float(digits) if digits else 0.0


@text_cache(maxsize=8192)
def extract_claims(raw: str) -> tuple[Claim, ...]:
    text = normalise(raw)
    sents = sentences(text)
    found = _money(text, sents) + _percents(text, sents)
    taken = [(c.start, c.end) for c in found]
    found += [c for c in _durations(text, sents) if not _overlaps(c, taken)]
    found += _dates(text, sents)
    return tuple(sorted(found, key=lambda c: c.start))


def _overlaps(claim: Claim, taken: list[tuple[int, int]]) -> bool:
    return any(claim.start < end and start < claim.end for start, end in taken)


def _context(text: str, sents: tuple[Segment, ...], start: int) -> dict[str, object]:
    sentence = containing(sents, start)
    prefix = text[sentence.start:start] if sentence else text[:start]
    return {
        "negated": negation_start(prefix, 5) is not None,
        "additive": bool(_ADDITIVE.search(sentence.text if sentence else "")),
        "in_question": bool(sentence and is_question(sentence)),
        "sentence": sentence,
    }


def _money(text: str, sents: tuple[Segment, ...]) -> list[Claim]:
    out = []
    for m in MONEY.finditer(text):
        value = _money_value(m.group())
        topic = topic_of(sents, m.start(), m.end(), MONEY_TOPICS, prefer_before=False)
        out.append(Claim("money", topic, m.start(), m.end(), m.group(), value, value, **_context(text, sents, m.start())))
    return out


def _percents(text: str, sents: tuple[Segment, ...]) -> list[Claim]:
    out = []
    for m in PERCENT.finditer(text):
        value = float(re.sub(r"[^\d.]", "", m.group()))
        topic = topic_of(sents, m.start(), m.end(), PERCENT_TOPICS, prefer_before=False)
        out.append(Claim("percent", topic, m.start(), m.end(), m.group(), value, value, **_context(text, sents, m.start())))
    return out


def _durations(text: str, sents: tuple[Segment, ...]) -> list[Claim]:
    out = []
    for m in DURATION.finditer(text):
        unit = BUSINESS_DAY_HOURS if m.group("biz") and m.group("unit").lower() == "day" else _HOURS[m.group("unit").lower()]
        lo = _number(m.group("lo")) * unit
        hi = _number(m.group("hi")) * unit if m.group("hi") else lo
        if not m.group("hi") and (m.group("pre") or "").lower() in _UPPER_BOUND:
            lo = 0.0
        start = m.start("lo")
        topic = topic_of(sents, start, m.end(), TIME_TOPICS, prefer_before=True)
        out.append(Claim("duration", topic, start, m.end(), text[start:m.end()], lo, hi, **_context(text, sents, start)))
    return out


def _dates(text: str, sents: tuple[Segment, ...]) -> list[Claim]:
    out = []
    for m in DATE.finditer(text):
        key, days = _date_key(m)
        topic = topic_of(sents, m.start(), m.end(), TIME_TOPICS, prefer_before=True)
        out.append(Claim("date", topic, m.start(), m.end(), m.group(), days, days, key, **_context(text, sents, m.start())))
    return out


def _date_key(m: re.Match[str]) -> tuple[str, float]:
    if m.group("weekday"):
        return f"weekday:{m.group('weekday').lower()}", -1.0
    if m.group("rel"):
        rel = m.group("rel").lower()
        return f"rel:{'today' if rel == 'tonight' else rel}", _RELATIVE_DAYS[rel] * 24
    return f"md:{m.group('month').lower()[:3]}-{int(m.group('day'))}", -1.0
