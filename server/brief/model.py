"""The handoff brief: what a human agent reads at transfer, and what the customer hears.

The structured part is built from the live context package; the prose (summary,
opening line, announcement) is written by the deterministic composer or, within
a budget, by an LLM whose output is grounded in the transcript.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from server.context.model import Commitment, Fact, Issue, Model, PriorContact, Statement, Step


class ProseSource(StrEnum):
    DETERMINISTIC = "deterministic"
    LLM = "llm"


class KeySentence(Model):
    turn_id: int
    speaker: str  # customer | bot | agent
    text: str


class WaitEstimate(Model):
    """Always bounded: a customer is never told 'someone will be with you eventually'."""

    min_seconds: int = Field(ge=0)
    max_seconds: int = Field(ge=1)
    source: str = "default"  # queue | default

    @model_validator(mode="after")
    def _ordered(self) -> WaitEstimate:
        if self.min_seconds > self.max_seconds:
            raise ValueError("min_seconds must not exceed max_seconds")
        return self


class QueueInfo(Model):
    """Queue data the platform passes at transfer (all optional)."""

    position: int = 0
    estimated_wait_seconds: float = 0.0
    agents_available: int = 0


class Grounding(Model):
    claims_checked: int = 0
    claims_dropped: int = 0
    dropped: list[str] = Field(default_factory=list)  # the dropped sentences


class Prose(Model):
    summary: str
    opening_line: str
    announcement: str
    source: ProseSource = ProseSource.DETERMINISTIC
    grounding: Grounding = Field(default_factory=Grounding)
    fallback_reason: str = ""  # why the LLM's prose was not used: no_model | timeout | error | invalid_output


class Brief(Model):
    issue: Issue
    issue_text: str  # the issue in words: the taxonomy label, or the customer's own problem sentence
    why_human: list[str]
    focus: list[str]
    do_not_ask: list[Fact]
    bot_told: list[Statement]
    commitments: list[Commitment]
    steps: list[Step]
    sentiment_summary: str
    prior_contacts: list[PriorContact]
    summary: str
    key_sentences: list[KeySentence]
    sections: dict[str, str]  # SITUATION, ACTION, RESOLUTION, then the deployment's own
    opening_line: str
    announcement: str
    wait: WaitEstimate
    prose_source: ProseSource = ProseSource.DETERMINISTIC
    grounding: Grounding = Field(default_factory=Grounding)
    fallback_reason: str = ""
    analyzed_through_turn: int = 0

    def with_prose(self, prose: Prose) -> Brief:
        """The same structure with other prose: the LLM never changes the structure."""
        return self.model_copy(
            update={
                "summary": prose.summary,
                "opening_line": prose.opening_line,
                "announcement": prose.announcement,
                "prose_source": prose.source,
                "grounding": prose.grounding,
                "fallback_reason": prose.fallback_reason,
            }
        )
