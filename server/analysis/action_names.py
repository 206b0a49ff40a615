"""Mapping a logged or described action to the deployment's declared action names.

"Identity verification in progress ..." and "verify-identity" share stems
(verif, ident); "A link will be sent." and "send-link" share them once irregular
forms are folded. An action matches by the share of its name's stems the text
covers (a synonym counts a little less than the word itself); its optional
description is a weaker second source of words. No declared actions: the text's
own content words make the name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_TOKEN = re.compile(r"[a-z]+")
_IRREGULAR = {"sent": "send", "made": "make", "gave": "give", "got": "get", "paid": "pay", "found": "find"}
_SUFFIXES = ("ications", "ication", "ations", "ation", "ements", "ement", "ities", "ity", "ings", "ing", "ies",
             "ied", "ed", "es", "ate", "s", "y", "e")  # fmt: skip
_SYNONYMS = {
    "ask": ("query", "question", "inquir", "consult"),
    "oracl": ("answer", "knowledg"),
    "pull": ("look", "open", "retriev", "fetch", "locat"),
    "verif": ("confirm", "authent", "check"),
    "valid": ("verif", "confirm", "check"),
    "enter": ("input", "record", "fill"),
    "record": ("not", "log", "enter"),
    "updat": ("chang", "modif", "edit"),
    "send": ("email", "mail", "deliver"),
    "offer": ("issu", "give", "grant"),
    "notif": ("tell", "inform", "alert", "escalat", "report"),
    "search": ("look", "find", "brows"),
}
_STOP = frozenset("a an the of for to in on at is are was were be been has have will by with and or your my".split())
_KEEP_SHORT = frozenset({"in", "out", "up", "on", "off"})
SYNONYM_WEIGHT = 0.8
MIN_SCORE = 0.5


def stem(word: str) -> str:
    word = _IRREGULAR.get(word, word)
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= (4 if len(suffix) >= 3 else 3):
            return word[: -len(suffix)]
    return word


def stems(text: str, keep_short: bool = False) -> set[str]:
    words = _TOKEN.findall(text.lower())
    return {stem(w) for w in words if (keep_short and w in _KEEP_SHORT) or w not in _STOP}


@dataclass(frozen=True)
class _Action:
    name: str
    name_stems: frozenset[str]
    description_stems: frozenset[str]


class ActionMatcher:
    """Scores texts against declared action names (and their optional descriptions)."""

    def __init__(self, actions: Sequence[str] = (), descriptions: Mapping[str, str] | None = None) -> None:
        descriptions = descriptions or {}
        self.actions = [
            _Action(a, frozenset(stems(a.replace("-", " ").replace("_", " "), keep_short=True)),
                    frozenset(stems(descriptions.get(a, ""))))
            for a in actions
        ]  # fmt: skip

    def match(self, text: str) -> tuple[str, float] | None:
        """The best declared action for ``text`` and its score, if one reaches MIN_SCORE."""
        words = stems(text, keep_short=True)
        best: tuple[float, int, str] | None = None
        for action in self.actions:
            score = max(_name_score(action.name_stems, words), _description_score(action.description_stems, words))
            key = (score, len(action.name_stems), action.name)
            if score >= MIN_SCORE and (best is None or key[:2] > best[:2]):
                best = key
        return (best[2], best[0]) if best else None


def _name_score(name: frozenset[str], words: set[str]) -> float:
    if not name:
        return 0.0
    total = 0.0
    for part in name:
        if part in words:
            total += 1.0
        elif any(syn in words for syn in _SYNONYMS.get(part, ())):
            total += SYNONYM_WEIGHT
    return total / len(name)


def _description_score(description: frozenset[str], words: set[str]) -> float:
    return min(0.75, 0.25 * len(description & words))


def plain_name(text: str) -> str:
    """A readable step name from free text: 'Identity verification in progress ...' -> 'identity verification'."""
    words = [_IRREGULAR.get(w, w) for w in _TOKEN.findall(text.lower()) if w not in _STOP and w not in _FILLER]
    return " ".join(words[:4])


_FILLER = frozenset("i ve we you ll re s just already now progress progess been being please".split())
