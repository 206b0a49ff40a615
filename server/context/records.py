"""Stored records beside the context package: conversations, events, feedback."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from server.context.model import BotAction, Model, Role, Stage


class ConversationRecord(Model):
    conversation_id: str
    tenant: str = "default"
    customer_id: str = ""
    channel: str = ""
    stage: Stage = Stage.BOT_HANDLING
    created_at: float = 0.0
    updated_at: float = 0.0
    completed_at: float | None = None
    turn_count: int = 0
    outcome: str = ""
    labels: dict[str, str] = Field(default_factory=dict)


class NewTurn(Model):
    """A turn as the platform sends it; the store gives it its id."""

    request_id: str
    role: Role
    text: str
    action: BotAction | None = None


class EventType(StrEnum):
    ESCALATED = "escalated"
    AGENT_CONNECTED = "agent_connected"
    AGENT_MESSAGE = "agent_message"
    RESOLVED = "resolved"
    SATISFACTION = "satisfaction"
    RE_ESCALATED = "re_escalated"


class EventRecord(Model):
    conversation_id: str
    type: EventType
    request_id: str
    occurred_at: float
    agent_id: str = ""
    text: str = ""
    score: float | None = None
    post_handoff: bool = False
    queue_position: int = 0


class FeedbackRecord(Model):
    conversation_id: str
    suggestion_id: str
    action: str  # seen | used | dismissed
    recorded_at: float


class DeletedCounts(Model):
    """What a deletion on request removed (idempotency keys go with their turns, context and events)."""

    conversations: int = 0
    turns: int = 0
    packages: int = 0
    external_context: int = 0
    events: int = 0
    feedback: int = 0
    conversation_ids: list[str] = Field(default_factory=list)

    def __add__(self, other: DeletedCounts) -> DeletedCounts:
        return DeletedCounts(
            conversations=self.conversations + other.conversations, turns=self.turns + other.turns,
            packages=self.packages + other.packages, external_context=self.external_context + other.external_context,
            events=self.events + other.events, feedback=self.feedback + other.feedback,
            conversation_ids=[*self.conversation_ids, *other.conversation_ids],
        )
