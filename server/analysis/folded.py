"""Case-insensitive patterns, matched against the lower-cased text instead of under IGNORECASE.

Under ``re.IGNORECASE`` Python's regular-expression engine folds the case of every
character it compares, and the analysers' cue patterns are long alternations tried at
every word of every turn: on 3,239 turns of the real conversations under ../shared/data,
the ten sentiment cues took 142 us a turn, and the same patterns in lower case on
``text.lower()`` 61 us. ``Folded`` does that and gives the answers of the IGNORECASE pattern:

- an ASCII text is lower-cased and searched with the pattern's lower-cased twin (its
  literals and class ranges lower-cased, escapes such as ``\\S`` or ``\\W`` kept). On
  ASCII, a character matches a literal or class ignoring case exactly when its lower
  case matches the lower-cased one, so the two find the same spans;
- a text with any other character goes to the IGNORECASE pattern itself, since lower-
  casing can change its length ("İ") and IGNORECASE folds characters ``str.lower`` leaves
  ("ſ" matches "s");
- group names keep their case, and a pattern with a part that minds case, ``(?-i:...)``,
  is always matched as written.

Matches report spans and groups of the original text, never of its lower-cased copy:
``find_keyed_ids`` keeps "AB-1234" as the customer wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_CASE_ON = re.compile(r"\(\?[a-zA-Z]*-[a-zA-Z]*i")  # (?-i:...): a part that minds case
_GROUP_NAME = re.compile(r"\(\?P[<=][^>)]*[>)]")  # (?P<name> and (?P=name): names keep their case


def _fold_source(pattern: str) -> str:
    """The pattern with every character lower-cased except the one after a backslash and
    group names."""
    out: list[str] = []
    at = 0
    for name in _GROUP_NAME.finditer(pattern):
        out.append(_fold_part(pattern[at:name.start()]))
        out.append(name.group(0))
        at = name.end()
    out.append(_fold_part(pattern[at:]))
    return "".join(out)


def _fold_part(part: str) -> str:
    out: list[str] = []
    escaped = False
    for ch in part:
        out.append(ch if escaped else ch.lower())
        escaped = not escaped and ch == "\\"
    return "".join(out)


class _OnOriginal:
    """A match on the lower-cased copy, read from the original text (same length: ASCII)."""

    __slots__ = ("_match", "_text")

    def __init__(self, match: re.Match[str], text: str) -> None:
        self._match, self._text = match, text

    def start(self, group: int | str = 0) -> int:
        return self._match.start(group)

    def end(self, group: int | str = 0) -> int:
        return self._match.end(group)

    def span(self, group: int | str = 0) -> tuple[int, int]:
        return self._match.span(group)

    def group(self, *groups: int | str) -> Any:
        if len(groups) > 1:
            return tuple(self._one(g) for g in groups)
        return self._one(groups[0] if groups else 0)

    def groups(self) -> tuple[str | None, ...]:
        return tuple(self._one(g) for g in range(1, self._match.re.groups + 1))

    def _one(self, group: int | str) -> str | None:
        start, end = self._match.span(group)
        return None if start < 0 else self._text[start:end]

    def __getitem__(self, group: int | str) -> str | None:
        return self._one(group)

    def __bool__(self) -> bool:
        return True


class Folded:
    """``re.compile(pattern, re.IGNORECASE | flags)``, matched faster (see the module).
    Offers search, match, fullmatch, finditer and findall; their matches offer group,
    groups, start, end and span."""

    __slots__ = ("pattern", "_ignorecase", "_lower")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._ignorecase = re.compile(pattern, flags | re.IGNORECASE)
        self._lower: re.Pattern[str] | None = None  # no twin where it would match otherwise
        if not _CASE_ON.search(pattern):
            try:
                self._lower = re.compile(_fold_source(pattern), flags & ~re.IGNORECASE)
            except re.error:
                pass

    @property
    def groups(self) -> int:
        return self._ignorecase.groups

    def search(self, text: str) -> re.Match[str] | _OnOriginal | None:
        return self._one_match("search", text)

    def match(self, text: str) -> re.Match[str] | _OnOriginal | None:
        return self._one_match("match", text)

    def fullmatch(self, text: str) -> re.Match[str] | _OnOriginal | None:
        return self._one_match("fullmatch", text)

    def _one_match(self, how: str, text: str) -> re.Match[str] | _OnOriginal | None:
        if self._lower is None or not text.isascii():
            return getattr(self._ignorecase, how)(text)  # type: ignore[no-any-return]
        match = getattr(self._lower, how)(text.lower())
        return None if match is None else _OnOriginal(match, text)

    def finditer(self, text: str) -> Iterator[re.Match[str] | _OnOriginal]:
        if self._lower is None or not text.isascii():
            yield from self._ignorecase.finditer(text)
            return
        for match in self._lower.finditer(text.lower()):
            yield _OnOriginal(match, text)

    def findall(self, text: str) -> list[Any]:
        if self._lower is None or not text.isascii():
            return self._ignorecase.findall(text)
        groups = self._ignorecase.groups
        found = []
        for match in self.finditer(text):
            if groups == 0:
                found.append(match.group(0))
            elif groups == 1:
                found.append(match.group(1) or "")
            else:
                found.append(tuple(g or "" for g in match.groups()))
        return found

    def __repr__(self) -> str:
        return f"Folded({self.pattern!r})"

