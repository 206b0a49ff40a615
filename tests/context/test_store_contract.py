"""One contract, two stores: what the server relies on holds for SQLite and for Redis alike."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from server.context.model import BotAction, ContextPackage, ExternalContext, Outcome, Role, Stage
from server.context.records import ConversationRecord, EventRecord, EventType, FeedbackRecord, NewTurn
from server.context.sqlite_store import SQLiteStore
from server.context.store import ContextStore
from server.errors import AlreadyExistsError, FailedPreconditionError, NotFoundError, ResourceExhaustedError


def record(conversation_id: str, customer_id: str = "", created_at: float | None = None) -> ConversationRecord:
    now = time.time() if created_at is None else created_at
    return ConversationRecord(conversation_id=conversation_id, customer_id=customer_id, created_at=now, updated_at=now)


def said(request_id: str, text: str, role: Role = Role.CUSTOMER) -> NewTurn:
    return NewTurn(request_id=request_id, role=role, text=text)


async def test_create_is_idempotent_and_reads_back(store: ContextStore) -> None:
    first, created = await store.create_conversation(record("c1", "anna"))
    again, created_again = await store.create_conversation(record("c1", "someone else"))
    assert (created, created_again) == (True, False)
    assert again.customer_id == "anna" and again.stage == Stage.BOT_HANDLING and again.turn_count == 0


async def test_appends_are_ordered_idempotent_and_limited(store: ContextStore) -> None:
    await store.create_conversation(record("c1"))
    action = BotAction(name="send-reset-link", outcome=Outcome.FAILED, detail="bounced")
    t1, dup1 = await store.append_turn("c1", said("r1", "hello"), 3)
    t2, _ = await store.append_turn("c1", NewTurn(request_id="r2", role=Role.SYSTEM, text="", action=action), 3)
    again, dup = await store.append_turn("c1", said("r1", "hello"), 3)
    assert (t1.id, t2.id, again.id, dup1, dup) == (1, 2, 1, False, True)
    with pytest.raises(AlreadyExistsError):
        await store.append_turn("c1", said("r1", "something else"), 3)
    await store.append_turn("c1", said("r3", "three"), 3)
    with pytest.raises(ResourceExhaustedError):
        await store.append_turn("c1", said("r4", "four"), 3)
    turns = await store.list_turns("c1")
    assert [(t.id, t.request_id) for t in turns] == [(1, "r1"), (2, "r2"), (3, "r3")]
    assert turns[1].action == action and turns[0].created_at > 0
    assert [t.id for t in await store.list_turns("c1", after_turn_id=2)] == [3]
    assert (await store.get_conversation("c1")).turn_count == 3


async def test_concurrent_appends_get_gapless_ids_each_once(store: ContextStore) -> None:
    await store.create_conversation(record("busy"))
    results = await asyncio.gather(
        *(store.append_turn("busy", said(f"r{i % 30}", f"text {i % 30}"), 100) for i in range(60))
    )
    assert sorted({t.id for t, _ in results}) == list(range(1, 31))
    assert sum(duplicate for _, duplicate in results) == 30


async def test_unknown_and_completed_conversations_refuse_turns(store: ContextStore) -> None:
    with pytest.raises(NotFoundError):
        await store.append_turn("nope", said("r", "hi"), 10)
    with pytest.raises(NotFoundError):
        await store.get_conversation("nope")
    await store.create_conversation(record("done"))
    completed = await store.set_stage("done", Stage.COMPLETED, "resolved")
    assert completed.stage == Stage.COMPLETED and completed.outcome == "resolved" and completed.completed_at
    with pytest.raises(FailedPreconditionError):
        await store.append_turn("done", said("r", "hi"), 10)


async def test_listing_by_customer_and_stage(store: ContextStore) -> None:
    for i in range(4):
        await store.create_conversation(record(f"a{i}", "anna", created_at=1000 + i))
    await store.create_conversation(record("b0", "bob", created_at=999))
    await store.set_stage("a1", Stage.AGENT_CONNECTED)
    anna = await store.list_conversations(customer_id="anna", limit=2, offset=1)
    connected = await store.list_conversations(stage=Stage.AGENT_CONNECTED)
    assert [r.conversation_id for r in anna] == ["a1", "a2"]
    assert [r.conversation_id for r in connected] == ["a1"]


async def test_package_context_events_and_feedback_round_trip(store: ContextStore) -> None:
    await store.create_conversation(record("c1"))
    package = ContextPackage(conversation_id="c1", analyzed_through_turn=4)
    await store.save_package(package)
    assert (await store.load_package("c1")) == package
    item = ExternalContext(source="crm", content='{"tier": "gold"}', received_at=1.0)
    assert await store.add_external_context("c1", item, "x1") and not await store.add_external_context("c1", item, "x1")
    assert await store.list_external_context("c1") == [item]
    event = EventRecord(conversation_id="c1", type=EventType.SATISFACTION, request_id="e1", occurred_at=5.0, score=4)
    assert await store.add_event(event) and not await store.add_event(event)
    assert await store.list_events("c1") == [event] and await store.list_events(since=6.0) == []
    feedback = FeedbackRecord(conversation_id="c1", suggestion_id="s1", action="used", recorded_at=2.0)
    await store.add_feedback(feedback)
    assert await store.list_feedback("c1") == [feedback]


async def test_idle_conversations_complete_and_purge_removes_everything(store: ContextStore) -> None:
    await store.create_conversation(record("old", "anna", created_at=100))
    await store.append_turn("old", said("r1", "hello"), 10)
    await store.create_conversation(record("fresh"))
    completed = await store.complete_inactive(idle_before=time.time() - 0.0, now=time.time())
    assert "old" in completed
    assert await store.purge_completed(completed_before=time.time() + 1) >= 1
    with pytest.raises(NotFoundError):
        await store.get_conversation("old")
    assert await store.list_turns("old") == []
    assert [r.conversation_id for r in await store.list_conversations(customer_id="anna")] == []


async def _fill(store: ContextStore, conversation_id: str, customer_id: str, tenant: str = "default") -> None:
    now = time.time()
    await store.create_conversation(
        ConversationRecord(conversation_id=conversation_id, customer_id=customer_id, tenant=tenant,
                           created_at=now, updated_at=now)
    )
    await store.append_turn(conversation_id, said("r1", f"hello from {customer_id}"), 10)
    await store.append_turn(conversation_id, said("r2", "my card is 4242 4242 4242 4242"), 10)
    await store.save_package(ContextPackage(conversation_id=conversation_id, customer_id=customer_id, tenant=tenant))
    await store.add_external_context(conversation_id, ExternalContext(source="crm", content="{}"), "x1")
    await store.add_event(EventRecord(conversation_id=conversation_id, type=EventType.ESCALATED, request_id="e1",
                                      occurred_at=now))
    await store.add_feedback(FeedbackRecord(conversation_id=conversation_id, suggestion_id="s", action="used",
                                            recorded_at=now))


async def test_deleting_a_customers_data_removes_everything_of_theirs_only(store: ContextStore) -> None:
    await _fill(store, "anna-1", "anna")
    await _fill(store, "anna-2", "anna")
    await _fill(store, "bob-1", "bob")
    await _fill(store, "anna-other-tenant", "anna", tenant="acme")
    counts = await store.delete_customer_data("default", "anna")
    assert (counts.conversations, counts.turns, counts.packages) == (2, 4, 2)
    assert (counts.external_context, counts.events, counts.feedback) == (2, 2, 2)
    assert sorted(counts.conversation_ids) == ["anna-1", "anna-2"]
    for cid in ("anna-1", "anna-2"):
        with pytest.raises(NotFoundError):
            await store.get_conversation(cid)
        assert await store.list_turns(cid) == [] and await store.load_package(cid) is None
        assert await store.list_external_context(cid) == [] and await store.list_events(cid) == []
        assert await store.list_feedback(cid) == []
    assert {e.conversation_id for e in await store.list_events()} == {"bob-1", "anna-other-tenant"}
    assert {f.conversation_id for f in await store.list_feedback()} == {"bob-1", "anna-other-tenant"}
    assert [r.conversation_id for r in await store.list_conversations(customer_id="anna")] == ["anna-other-tenant"]
    assert len(await store.list_turns("bob-1")) == 2 and await store.load_package("bob-1") is not None
    # the request ids went too: the same request id is a new turn, not a retry
    await store.create_conversation(record("anna-1", "anna"))
    turn, duplicate = await store.append_turn("anna-1", said("r1", "something new"), 10)
    assert (turn.id, duplicate) == (1, False)


async def test_deleting_one_conversation_and_deleting_twice(store: ContextStore) -> None:
    await _fill(store, "anna-1", "anna")
    await _fill(store, "anna-2", "anna")
    assert (await store.delete_customer_data("default", "bob", "anna-1")).conversations == 0  # not bob's
    one = await store.delete_customer_data("default", "anna", "anna-1")
    assert (one.conversations, one.turns, one.conversation_ids) == (1, 2, ["anna-1"])
    assert [r.conversation_id for r in await store.list_conversations(customer_id="anna")] == ["anna-2"]
    again = await store.delete_customer_data("default", "anna", "anna-1")
    assert again.conversations == again.turns == again.events == 0
    rest = await store.delete_customer_data("default", "anna")
    assert rest.conversations == 1 and (await store.delete_customer_data("default", "anna")).conversations == 0


async def test_deleted_text_is_gone_from_the_sqlite_files(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "context.sqlite3")
    try:
        await _fill(store, "anna-1", "anna-unique-customer")
        await _fill(store, "bob-1", "bob-unique-customer")
        await store.delete_customer_data("default", "anna-unique-customer")
    finally:
        await store.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("context.sqlite3*"))
    assert b"bob-unique-customer" in stored
    assert b"anna-unique-customer" not in stored


async def test_packages_save_in_one_batch_and_never_bring_a_deleted_conversation_back(store: ContextStore) -> None:
    await _fill(store, "anna-1", "anna")
    await _fill(store, "anna-2", "anna")
    first = ContextPackage(conversation_id="anna-1", analyzed_through_turn=2)
    second = ContextPackage(conversation_id="anna-2", analyzed_through_turn=1)
    await store.save_packages([first, second])
    assert await store.load_package("anna-1") == first and await store.load_package("anna-2") == second
    await store.delete_customer_data("default", "anna", "anna-1")
    # a save that was on its way when the conversation was deleted (here or at another replica)
    await store.save_packages([first.model_copy(update={"analyzed_through_turn": 3}), second])
    assert await store.load_package("anna-1") is None
    assert await store.load_package("anna-2") == second
    await store.save_packages([])


async def test_the_last_update_index_follows_appends_and_never_brings_back_a_deleted_conversation(
    redis_url: str,
) -> None:
    from server.context.redis_store import RedisStore

    store = RedisStore(redis_url, prefix=f"t{time.monotonic_ns()}")
    try:
        await store.create_conversation(record("old", "anna", created_at=time.time() - 100))
        await store.create_conversation(record("gone", "bob", created_at=time.time() - 100))
        await store.append_turn("old", said("r1", "hello"), 10)  # written to the index behind the append
        await store.append_turn("gone", said("r1", "hello"), 10)
        await store.delete_customer_data("default", "bob")
        # the append counts as activity: nothing is idle as of 50 s ago
        assert await store.complete_inactive(time.time() - 50, time.time()) == []
        assert await store._redis.zscore(store._index("updated"), "gone") is None
        assert await store.complete_inactive(time.time() + 1, time.time()) == ["old"]
    finally:
        await store.close()
