"""Sentences, clauses and the few word-level cues the checks read."""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.privacy.text_caches import text_cache


@dataclass(frozen=True)
class Segment:
    """A piece of a text with its character offsets in that text."""

    start: int
    end: int
    text: str


_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_CLAUSE_BREAK = re.compile(r",\s+|;\s+|\s+-\s+|\s+(?:and|but|so|while|although|though|whereas)\s+", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(?:not|no|never|nothing|none|cannot|without)\b|n't\b|\bnot yet\b", re.IGNORECASE
)
_WORD = re.compile(r"\S+")


def normalise(text: str) -> str:
    """Same length as ``text`` (offsets stay valid): typographic quotes made plain."""
    return text.replace("\u2019", "'").replace("\u2018", "'")


def _pieces(text: str, breaks: re.Pattern[str], offset: int, keep_break: bool) -> list[Segment]:
    out: list[Segment] = []
    start = 0
    for m in breaks.finditer(text):
        end = m.end() if keep_break else m.start()
        _append_stripped(out, text, start, end, offset)
        start = m.end()
    _append_stripped(out, text, start, len(text), offset)
    return out


def _append_stripped(out: list[Segment], text: str, start: int, end: int, offset: int) -> None:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    piece = piece.strip()
    if piece:
        out.append(Segment(offset + start + lead, offset + start + lead + len(piece), piece))


@text_cache(maxsize=8192)
def sentences(text: str) -> tuple[Segment, ...]:
    """Sentences of ``text``, ending punctuation kept ("$84.50" is not a boundary)."""
    return tuple(_pieces(text, _SENTENCE_END, 0, keep_break=True))


def clauses(sentence: Segment) -> list[Segment]:
    """A sentence cut at commas, semicolons and coordinating conjunctions."""
    return _pieces(sentence.text, _CLAUSE_BREAK, sentence.start, keep_break=False)


def containing(segments: tuple[Segment, ...] | list[Segment], pos: int) -> Segment | None:
    for seg in segments:
        if seg.start <= pos < seg.end:
            return seg
    return None


def last_words(text: str, n: int) -> str:
    return " ".join(_WORD.findall(text)[-n:])


def tail_start(prefix: str, words: int) -> int:
    """Where the last ``words`` words of ``prefix`` begin."""
    starts = [m.start() for m in _WORD.finditer(prefix)]
    if not starts:
        return len(prefix)
    return starts[-words] if len(starts) >= words else starts[0]


def negation_start(prefix: str, words: int = 4) -> int | None:
    """Offset in ``prefix`` of a negation among its last ``words`` words, if any."""
    m = _NEGATION.search(prefix, tail_start(prefix, words))
    if m is None:
        return None
    start = m.start()
    while start > 0 and not prefix[start - 1].isspace():
        start -= 1  # "hasn't", not "n't"
    return start


def is_question(sentence: Segment) -> bool:
    return sentence.text.rstrip().endswith("?")
