"""Folded patterns answer as their IGNORECASE originals do, from the original text."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from server.analysis import (
    commitments,
    fact_patterns,
    injection,
    questions,
    sentiment_lexicon,
    statements,
    steps,
)
from server.analysis.folded import Folded
from server.escalation import cues, frustration, similarity
from server.evaluation.datasets import read_items

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def _outcomes(pattern: Folded | re.Pattern[str], text: str) -> tuple[object, ...]:
    found = pattern.search(text)
    anchored = pattern.match(text)
    whole = pattern.fullmatch(text)
    return (
        [(m.span(), m.group(0), m.groups()) for m in pattern.finditer(text)],
        pattern.findall(text),
        found and (found.span(), found.group(0), found.groups()),
        anchored and anchored.span(),
        whole and whole.span(),
    )


def test_matches_are_read_from_the_original_text() -> None:
    order = Folded(r"\border\s*(?:id|number)?\s*(?:is)?\s*([a-z0-9-]*\d[a-z0-9]*)")
    match = order.search("My ORDER Number is AB-1234x, thanks")
    assert match is not None
    assert match.group(1) == "AB-1234x" and match.span(1) == (19, 27)
    assert order.findall("order 9A and Order b7") == ["9A", "b7"]


@pytest.mark.parametrize("text", [
    "Where is my ORDER?", "wHeRe Is My OrDeR", "where is my order", "WHERE IS MY ORDER 😡", "where is my ordér",
    "Whére is my order", "",
])
def test_agrees_with_ignorecase_on_ascii_and_other_text(text: str) -> None:
    for source in (r"\bwhere\s+is\s+my\s+(order|parcel)\b", r"[A-Z]+\s", r"^\W*where", r"(\w+)\s+(?P<Last>\w+)$"):
        assert _outcomes(Folded(source), text) == _outcomes(re.compile(source, re.IGNORECASE), text), (source, text)


def test_text_that_lower_casing_would_change_goes_to_the_ignorecase_pattern() -> None:
    # IGNORECASE folds the long s to "s" and the Kelvin sign to "k"; str.lower() keeps the first
    # and changes the length of "İ": these texts are searched as they are
    assert Folded(r"\bsorry\b").search("ſorry about that") is not None
    assert Folded(r"\bkilo\b").search("\u212ailo") is not None
    match = Folded(r"order (\d+)").search("İstanbul order 42")
    assert match is not None and match.group(1) == "42"


def test_named_groups_and_case_minding_parts_keep_their_meaning() -> None:
    named = Folded(r"(?P<Kind>order|account) (?P=Kind)")
    match = named.search("ORDER order")
    assert match is not None and match.group("Kind") == "ORDER"
    minded = Folded(r"\bcode (?-i:[A-Z]{3})\b")
    assert minded.search("CODE ABC") is not None
    assert minded.search("code abc") is None  # the part written to mind case still does


def _folded_in(values: object) -> list[Folded]:
    found: list[Folded] = []
    for value in values:  # type: ignore[attr-defined]
        if isinstance(value, Folded):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            found += _folded_in(value)
    return found


def test_every_analyser_pattern_agrees_on_real_conversations() -> None:
    texts = [t.text for name in ("abcd_dev.jsonl", "tweetsumm_dev.jsonl")
             for item in itertools.islice(read_items(DATA / name), 60) for t in item.turns]
    texts += [t.upper() for t in texts[::4]] + [t.title() for t in texts[1::4]]
    patterns = [
        p for module in (commitments, fact_patterns, injection, questions, sentiment_lexicon, statements, steps, cues,
                         frustration, similarity)
        for p in _folded_in(vars(module).values())
    ]
    assert len(patterns) > 100 and len(texts) > 1000
    differing = [
        (p.pattern[:50], text[:60]) for p in patterns for text in texts
        if _outcomes(p, text) != _outcomes(p._ignorecase, text)  # noqa: SLF001
    ]
    assert differing == []
