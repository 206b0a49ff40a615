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
