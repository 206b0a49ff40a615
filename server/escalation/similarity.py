"""How alike two turns are, to tell a loop (the same question again) from progress."""

from __future__ import annotations

import re

from server.analysis.folded import Folded
from server.context.model import Turn

_WORD = re.compile(r"[a-z0-9']+")
_STOP = frozenset(
    "a an the and or but to of in on at for with from by is are was were be been am do does did "
    "i you your me my we our it this that these those can could would will please just so "
    "let us let's there here what which ok okay sure thanks thank".split()
)
_CLOSINGS = Folded(
    r"\b(?:anything else|something else|have a (?:great|nice|good)|you'?re welcome|one moment|"
    r"bear with me|let me (?:check|look)|hold on|just a (?:moment|second|sec))\b",
)
MIN_CONTENT_WORDS = 3


def content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in _STOP)


def _kept_words(text: str) -> str:
    """The content words as one string, the compact form a turn keeps (a set costs 0.7-2.3 kB;
    words have no spaces). Not interned: some 3.12 releases never free interned strings
    (cpython#113993), and a customer's words must go with the turn."""
    return " ".join(content_words(text))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Overlap of content words (Dice), 0..1: cheap and robust to rewording order."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def is_substantive(turn: Turn) -> bool:
    """Worth comparing: not a pleasantry ("anything else?") and long enough to mean something."""
    return turn.once(_substantive)


def _substantive(text: str) -> bool:
    return not _CLOSINGS.search(text) and len(content_words(text)) >= MIN_CONTENT_WORDS


def words_of(turn: Turn) -> frozenset[str]:
    """The turn's content words, read once and kept on it as a string (compared with the
    turns of the recent window as each arrives)."""
    return frozenset(turn.once(_kept_words).split())
