"""Replaces personal data with typed placeholders: ``[CARD •••• 4242]``, ``[EMAIL]``, ``[ADDRESS]`` ...

A ``Redactor`` is built from a setting: ``all`` (or ``on``/``true``), ``none`` (or
``off``/``false``/empty), or a comma-separated list of kinds (``card,iban,ssn``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from server.privacy.detect import Finding, Kind, find_pii

_ALL = ("all", "on", "true", "yes", "1")
_NONE = ("", "none", "off", "false", "no", "0")


def parse_kinds(spec: str) -> frozenset[Kind]:
    """'all' | 'none' | 'card,email,...': raises ValueError naming the kinds there are."""
    spec = spec.strip().lower()
    if spec in _ALL:
        return frozenset(Kind)
    if spec in _NONE:
        return frozenset()
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in Kind.__members__.values()]
    if unknown:
        raise ValueError(
            f"unknown kind(s) of personal data {unknown}; use 'all', 'none' or a list of "
            + ", ".join(k.value for k in Kind)
        )
    return frozenset(Kind(name) for name in names)


@dataclass(frozen=True)
class Redactor:
    kinds: frozenset[Kind] = frozenset(Kind)

    @classmethod
    def from_setting(cls, spec: str) -> Redactor:
        return cls(parse_kinds(spec))

    def __bool__(self) -> bool:
        return bool(self.kinds)

    def find(self, text: str) -> list[Finding]:
        return find_pii(text, self.kinds) if self.kinds and text else []

    def redact(self, text: str) -> str:
        return apply(text, self.find(text))


def apply(text: str, findings: Iterable[Finding]) -> str:
    """The text with each (non-overlapping) finding replaced by its placeholder."""
    out, last = [], 0
    for item in sorted(findings, key=lambda f: f.start):
        out.append(text[last : item.start])
        out.append(item.placeholder)
        last = item.end
    out.append(text[last:])
    return "".join(out)


NO_REDACTION = Redactor(frozenset())
