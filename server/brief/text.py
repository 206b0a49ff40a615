"""Text clean-up and sentence splitting for chat and social-media transcripts.

Strips what carries no meaning for a reader of the brief: @handles, URLs, agent
signatures (``^JK``, ``-Andy``), tweet counters (``1/3``) and HTML entities.
Pure functions, no dependencies, fast enough to run at transfer.
"""

from __future__ import annotations

import html
import re

_HANDLE = re.compile(r"(?<![\w@])@\w+")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_SIGNATURE = re.compile(r"(?:\^|\s[-~*]\s?)[A-Z][A-Za-z]{0,11}\s*$|\s\^\w+")
_COUNTER = re.compile(r"(?<!\w)\(?\d{1,2}/\d{1,2}\)?(?!\w|/)")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9@#])|\n+")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def clean_text(text: str) -> str:
    """The text without handles, URLs, signatures and tweet counters."""
    text = html.unescape(text)
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _COUNTER.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    previous = None
    while previous != text:  # "... ^JK" then "... -Andy" may both end a tweet
        previous = text
        text = _SIGNATURE.sub("", text).strip()
    return text.strip(" -:,")


def split_sentences(text: str) -> list[str]:
    """Sentences of one turn, split on end punctuation followed by a capital or digit."""
    parts = (part.strip() for part in _SENTENCE_END.split(text))
    return [part for part in parts if part]


def words(text: str) -> list[str]:
    """Lower-cased word tokens, for overlap and matching."""
    return _WORD.findall(text.lower())
