"""The store interface: SQLite by default (sqlite_store), Redis for scale-out.

Every method is a coroutine so a networked store fits the same shape. An append
returns only once the turn is durable in the store: that is what "acknowledged"
means.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from server.context.model import ContextPackage, ExternalContext, Stage, Turn
from server.context.records import ConversationRecord, DeletedCounts, EventRecord, FeedbackRecord, NewTurn


class ContextStore(Protocol):
    async def create_conversation(self, record: ConversationRecord) -> tuple[ConversationRecord, bool]:
        """Create, or return the existing record (created=False) when the id is taken."""

    async def get_conversation(self, conversation_id: str) -> ConversationRecord:
        """Raise NotFoundError when there is no such conversation."""

    async def list_conversations(
        self, *, tenant: str | None = None, customer_id: str = "", stage: Stage | None = None,
        limit: int = 50, offset: int = 0,
    ) -> list[ConversationRecord]:
        """Oldest first; ``tenant`` None means every tenant's (housekeeping, tools)."""

    async def set_stage(self, conversation_id: str, stage: Stage, outcome: str = "") -> ConversationRecord: ...

    async def append_turn(self, conversation_id: str, turn: NewTurn, max_turns: int) -> tuple[Turn, bool]:
        """Store a turn once per request id; returns (turn, duplicate)."""

    async def list_turns(self, conversation_id: str, after_turn_id: int = 0) -> list[Turn]: ...

    async def save_package(self, package: ContextPackage) -> None:
        """Persist the analysed fields (everything but the transcript)."""

    async def save_packages(self, packages: Sequence[ContextPackage]) -> None:
        """save_package for many at once (one transaction or round trip); a package whose
        conversation no longer exists is not saved."""

    async def load_package(self, conversation_id: str) -> ContextPackage | None: ...

    async def add_external_context(self, conversation_id: str, item: ExternalContext, request_id: str) -> bool:
        """Returns False when request_id was applied already."""

    async def list_external_context(self, conversation_id: str) -> list[ExternalContext]: ...

    async def add_event(self, event: EventRecord) -> bool:
        """Returns False when the event's request id was recorded already."""

    async def list_events(self, conversation_id: str = "", since: float = 0.0) -> list[EventRecord]: ...

    async def add_feedback(self, feedback: FeedbackRecord) -> None: ...

    async def list_feedback(self, conversation_id: str = "") -> list[FeedbackRecord]: ...

    async def complete_inactive(self, idle_before: float, now: float) -> list[str]:
        """Complete conversations not updated since idle_before; returns their ids."""

    async def purge_completed(self, completed_before: float) -> int:
        """Delete conversations completed before the cut-off, with all they hold."""

    async def delete_customer_data(
        self, tenant: str, customer_id: str, conversation_id: str = ""
    ) -> DeletedCounts:
        """Delete everything held for the tenant's customer (or only that one conversation of
        theirs): conversations, turns, packages, outside context, events, feedback, request ids.
        Records of another tenant or customer are left alone; deleting again returns zeros."""

    async def ping(self) -> None:
        """Raise when the store cannot be reached (the health probe)."""

    async def close(self) -> None: ...
