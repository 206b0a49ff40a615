"""What a draft-reply check returns, and the deployment limits it checks against."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum

from server.context.model import Model


class FindingKind(StrEnum):
    CONTRADICTION = "contradiction"  # the draft conflicts with an earlier promise or statement
    REPEAT_QUESTION = "repeat_question"  # the draft asks for something the customer already gave
    BEYOND_POLICY = "beyond_policy"  # the draft promises more than the deployment allows


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Finding(Model):
    """One problem in a draft, tied to the draft text it concerns and to earlier turns.

    ``span`` is a ``(start, end)`` character range of the draft; replacing
    ``draft[start:end]`` with ``suggested_rewrite`` (when non-empty) applies the fix.
    ``earlier_text`` is quoted verbatim from the turn(s) in ``turn_ids``.
    """

    kind: FindingKind
    severity: Severity
    span: tuple[int, int]
    turn_ids: list[int]
    earlier_text: str = ""
    known_value: str = ""  # repeat questions: the value the customer gave
    slot: str = ""  # fact type (order_id, email ...) or claim topic (refund.amount ...)
    message: str
    suggested_rewrite: str = ""
    source: str = "rules"  # rules | llm


@dataclass(frozen=True)
class Policy:
    """What a deployment lets an agent promise. ``None`` means no limit.

    Amounts are in the deployment's currency; ``fastest_*_days`` is the quickest
    turnaround the business can honour, so a promise of anything faster is flagged.
    """

    max_refund_amount: float | None = None
    max_credit_amount: float | None = None
    max_discount_percent: float | None = None
    fastest_delivery_days: float | None = None
    fastest_refund_days: float | None = None
    forbidden_phrases: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Policy:
        """Build from configuration; unknown keys are an error, not silently ignored."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown policy keys {sorted(unknown)}; expected some of {sorted(known)}")
        values = dict(data)
        if "forbidden_phrases" in values:
            values["forbidden_phrases"] = tuple(str(p) for p in values["forbidden_phrases"])  # type: ignore[attr-defined]
        return cls(**values)  # type: ignore[arg-type]
