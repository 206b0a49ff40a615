"""The context package: one typed model of everything known about a conversation.

Every analysed item names the turn ids that support it, so an agent (or an
evaluator) can always go back to what the customer or the bot actually said.
Proto messages never reach this module; the api layer translates.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    def model_post_init(self, context: Any, /) -> None:
        # pydantic keeps, in every instance, a set of the fields its caller passed: 728 bytes
        # for a turn of five (a live turn and its analysis held ~3.8 KB). Nothing here reads it
        # (no exclude_unset): every instance of a class shares one set of all its field names,
        # which an assignment cannot change.
        object.__setattr__(self, "__pydantic_fields_set__", _all_fields(type(self)))


@cache
def _all_fields(cls: type[BaseModel]) -> set[str]:
    return set(cls.model_fields)


class Role(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"  # a logged action of the bot's side ("Account has been pulled up for ...")


class Stage(StrEnum):
    BOT_HANDLING = "bot_handling"
    ESCALATION_PENDING = "escalation_pending"
    TRANSFERRING = "transferring"
    AGENT_CONNECTED = "agent_connected"
    COMPLETED = "completed"


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PENDING = "pending"
    UNKNOWN = "unknown"


class BotAction(Model):
    """A structured action the bot (or its platform) took, with its outcome."""

    name: str
    outcome: Outcome = Outcome.UNKNOWN
    detail: str = ""


R = TypeVar("R")


class Turn(Model):
    # A turn is never changed once made (a redacted one is a copy), so what is read off it can
    # be kept: ``once``'s memo here, escalation's scan on the package.
    model_config = ConfigDict(frozen=True)
    # What ``once`` computed from ``text``: a slot pydantic knows nothing of, so it is never
    # serialised, compared, pickled or carried into a copy (a copy starts empty, whatever
    # its text), and it goes when the turn goes. Not a PrivateAttr: those cost every Turn
    # built or loaded a few microseconds, and every read a slow ``__getattr__``.
    __slots__ = ("_memo",)

    id: int  # 1-based position in the conversation, assigned by the store
    role: Role
    text: str
    request_id: str = ""
    created_at: float = 0.0
    action: BotAction | None = None

    def once(self, fn: Callable[..., R], *args: Hashable) -> R:
        """``fn(self.text, *args)``, computed once for this turn and kept on it.

        For pure functions of the text (and hashable settings) read again on every later
        turn. ``fn`` is part of the key: pass a module-level function, not a new lambda."""
        try:
            results = self._memo  # type: ignore[has-type]
        except AttributeError:
            results = {}
            object.__setattr__(self, "_memo", results)
        key = (fn, *args) if args else fn
        try:
            return results[key]  # type: ignore[no-any-return]
        except KeyError:
            value = results[key] = fn(self.text, *args)
            return value


class Fact(Model):
    """Something the customer gave: an order number, an email, a name."""

    type: str
    value: str
    turn_ids: list[int]
    source: str = "customer"  # customer | external (CRM / order data pushed by the platform)


class Statement(Model):
    """Something the bot told the customer, so the agent does not repeat it."""

    text: str
    turn_ids: list[int]


class Commitment(Model):
    """A promise the bot made: the agent has to honour it."""

    text: str
    action: str
    amount: str | None = None
    deadline: str | None = None
    turn_ids: list[int]


class Step(Model):
    """A resolution step tried, and how it went."""

    name: str
    outcome: Outcome = Outcome.UNKNOWN
    detail: str = ""
    turn_ids: list[int]


class SentimentPoint(Model):
    model_config = ConfigDict(frozen=True)  # escalation's scan reads each point once

    turn_id: int
    score: float  # -1 (very negative) .. 1 (very positive)
    frustration: float  # 0 .. 1
    target: str = "none"  # none | bot | delay | product
    signals: list[str] = Field(default_factory=list)


class Sentiment(Model):
    points: list[SentimentPoint] = Field(default_factory=list)
    trend: str = "flat"  # rising_frustration | falling_frustration | flat
    current_frustration: float = 0.0
    peak_frustration: float = 0.0
    peak_turn_id: int | None = None
    recovered: bool = False
    target: str = "none"  # what the current frustration is about


class Issue(Model):
    label: str = ""
    group: str = ""  # the taxonomy's grouping (ABCD: the flow)
    confidence: float = 0.0
    complexity: str = "low"  # low | medium | high
    turn_ids: list[int] = Field(default_factory=list)
    alternatives: list[tuple[str, float]] = Field(default_factory=list)


class PriorContact(Model):
    conversation_id: str
    issue_label: str = ""
    outcome: str = ""  # the stage it ended in, or resolved / re-escalated
    started_at: float = 0.0
    turn_count: int = 0


class Reason(Model):
    code: str  # asked_for_human | rising_frustration | needs_authority | looping | ...
    text: str
    weight: float = 0.0
    turn_ids: list[int] = Field(default_factory=list)


class Decision(StrEnum):
    CONTINUE = "continue"
    SOON = "soon"
    NOW = "now"


class Escalation(Model):
    decision: Decision = Decision.CONTINUE
    confidence: float = 0.0
    score: float = 0.0
    reasons: list[Reason] = Field(default_factory=list)
    hold_reasons: list[Reason] = Field(default_factory=list)
    focus: list[str] = Field(default_factory=list)
    decided_at_turn: int = 0
    # the turn at which the decision first left CONTINUE (the brief is prepared then); 0: never
    first_flagged_turn: int = 0


class ExternalContext(Model):
    """Outside context the platform pushed: a CRM record, order data."""

    source: str
    content_type: str = "application/json"
    content: str
    received_at: float = 0.0


class ContextPackage(Model):
    # Escalation's reading of the transcript, kept between turns (server/escalation/scan.py):
    # a slot like Turn's memo, so never serialised, compared or carried into a copy.
    __slots__ = ("_scans",)

    conversation_id: str
    tenant: str = "default"
    customer_id: str = ""
    channel: str = ""
    stage: Stage = Stage.BOT_HANDLING
    created_at: float = 0.0
    updated_at: float = 0.0
    transcript: list[Turn] = Field(default_factory=list)
    analyzed_through_turn: int = 0
    issue: Issue = Field(default_factory=Issue)
    sentiment: Sentiment = Field(default_factory=Sentiment)
    facts: list[Fact] = Field(default_factory=list)
    bot_statements: list[Statement] = Field(default_factory=list)
    commitments: list[Commitment] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    prior_contacts: list[PriorContact] = Field(default_factory=list)
    external_context: list[ExternalContext] = Field(default_factory=list)
    escalation: Escalation = Field(default_factory=Escalation)

    def scans(self) -> dict[Any, Any]:
        """Escalation's scans of this package's transcript, by the policy settings they read."""
        try:
            return self._scans  # type: ignore[no-any-return]
        except AttributeError:
            scans: dict[Any, Any] = {}
            object.__setattr__(self, "_scans", scans)
            return scans
