"""Reads what the metrics need from a store, then computes them."""

from __future__ import annotations

from server.context.model import ContextPackage
from server.context.records import ConversationRecord, EventType
from server.context.store import ContextStore
from server.metrics.compute import compute_metrics
from server.metrics.model import GroupBy, MetricsReport, Window

PAGE = 500


async def gather_metrics(store: ContextStore, window: Window | None = None,
                         group_by: GroupBy = GroupBy.NONE, tenant: str | None = None) -> MetricsReport:
    """Every escalated conversation's records (of one tenant, or of all when ``tenant`` is None);
    packages are loaded only for handoffs in the window."""
    window = window or Window()
    records = await _all_conversations(store, tenant)
    if tenant is not None:
        own = {c.conversation_id for c in records}
        events = [e for e in await store.list_events() if e.conversation_id in own]
    else:
        events = await store.list_events()
    escalated = {e.conversation_id for e in events if e.type == EventType.ESCALATED and window.holds(e.occurred_at)}
    conversations = [c for c in records if c.conversation_id in escalated]
    packages: dict[str, ContextPackage] = {}
    for record in conversations:
        package = await store.load_package(record.conversation_id)
        if package is not None:
            packages[record.conversation_id] = package.model_copy(
                update={"transcript": await store.list_turns(record.conversation_id)}
            )
    feedback = [f for f in await store.list_feedback() if f.conversation_id in escalated]
    return compute_metrics(conversations, packages, events, feedback, window, group_by)


async def _all_conversations(store: ContextStore, tenant: str | None) -> list[ConversationRecord]:
    out: list[ConversationRecord] = []
    while True:
        page = await store.list_conversations(tenant=tenant, limit=PAGE, offset=len(out))
        out += page
        if len(page) < PAGE:
            return out
