"""What the handoff-quality metrics say: one ``HandoffMetrics`` per group, and the window they cover."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from server.context.model import Model


class GroupBy(StrEnum):
    NONE = ""
    ISSUE = "issue"
    DEPLOYMENT = "deployment"


class Window(Model):
    """Handoffs whose first escalation falls in [start, end); end None is open."""

    start: float = 0.0
    end: float | None = None

    def holds(self, moment: float) -> bool:
        return moment >= self.start and (self.end is None or moment < self.end)


class SentimentShift(Model):
    before: float
    after: float


class HandoffMetrics(Model):
    """Means are None when there was nothing to average."""

    group: str = "all"
    handoffs: int = 0
    # reported scores (0..5), where the platform sends them
    satisfaction_handoffs: int = 0
    satisfaction_before: float | None = None
    satisfaction_after: float | None = None
    # the customer's sentiment (-1..1) around the handoff, for handoffs without scores
    sentiment_handoffs: int = 0
    sentiment_before: float | None = None
    sentiment_after: float | None = None
    # handoffs where the agent spoke, and those where the agent asked again for something known
    agent_handoffs: int = 0
    repeat_question_handoffs: int = 0
    repeat_question_rate: float | None = None
    # agent connected -> resolved
    resolved: int = 0
    resolution_median_s: float | None = None
    resolution_mean_s: float | None = None
    resolution_p90_s: float | None = None
    re_escalated: int = 0
    re_escalation_rate: float | None = None
    # escalated -> agent connected
    connected: int = 0
    wait_median_s: float | None = None
    wait_mean_s: float | None = None
    brief_prepared: int = 0
    brief_prepared_rate: float | None = None
    suggestions_used: int = 0
    suggestions_dismissed: int = 0
    suggestion_use_rate: float | None = None
    resolution_seconds: list[float] = Field(default_factory=list)
    sentiment_shifts: list[SentimentShift] = Field(default_factory=list)


class MetricsReport(Model):
    window: Window = Field(default_factory=Window)
    group_by: GroupBy = GroupBy.NONE
    overall: HandoffMetrics = Field(default_factory=HandoffMetrics)
    groups: list[HandoffMetrics] = Field(default_factory=list)
