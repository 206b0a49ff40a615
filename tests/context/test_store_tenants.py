"""Both stores list one tenant's conversations when asked, and every tenant's when not."""

from __future__ import annotations

from server.context.model import Stage
from server.context.records import ConversationRecord
from server.context.store import ContextStore


def record(conversation_id: str, tenant: str, customer_id: str, at: float) -> ConversationRecord:
    return ConversationRecord(conversation_id=conversation_id, tenant=tenant, customer_id=customer_id,
                              created_at=at, updated_at=at)


async def test_lists_filter_by_tenant_and_keep_the_tenant(store: ContextStore) -> None:
    for i, (tenant, customer) in enumerate([("alpha", "c1"), ("beta", "c1"), ("alpha", "c2"), ("beta", "c2")]):
        await store.create_conversation(record(f"conv-{i}", tenant, customer, 1000.0 + i))
    alpha = await store.list_conversations(tenant="alpha")
    assert [(r.conversation_id, r.tenant) for r in alpha] == [("conv-0", "alpha"), ("conv-2", "alpha")]
    beta_c1 = await store.list_conversations(tenant="beta", customer_id="c1")
    assert [r.conversation_id for r in beta_c1] == ["conv-1"]
    assert [r.conversation_id for r in await store.list_conversations(tenant="beta", limit=1, offset=1)] == ["conv-3"]
    assert await store.list_conversations(tenant="beta", stage=Stage.COMPLETED) == []
    assert len(await store.list_conversations()) == 4  # no tenant: all of them
    assert (await store.get_conversation("conv-1")).tenant == "beta"


async def test_an_existing_id_keeps_its_first_tenant(store: ContextStore) -> None:
    await store.create_conversation(record("taken", "alpha", "c1", 1000.0))
    existing, created = await store.create_conversation(record("taken", "beta", "c9", 2000.0))
    assert not created and (existing.tenant, existing.customer_id) == ("alpha", "c1")
