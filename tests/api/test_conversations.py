"""ConversationService over a real channel: appends, idempotency, order, limits, errors."""

from __future__ import annotations

import asyncio
import json

import grpc
import pytest
from grpc import aio

from server._proto.handoff.v1 import handoff_pb2 as pb
from tests.api.conftest import Running, start_server, status_of, test_settings


async def test_append_assigns_gapless_turn_ids(running: Running) -> None:
    cid = await running.create()
    turns = [await running.say(cid, f"r{i}", f"message {i}") for i in range(5)]
    assert [t.turn_id for t in turns] == [1, 2, 3, 4, 5]


async def test_retried_append_is_applied_once(running: Running) -> None:
    cid = await running.create("retry-me")
    request = pb.AppendTurnRequest(conversation_id=cid, request_id="same", role=pb.CUSTOMER, text="hello")
    first = await running.conversations.AppendTurn(request)
    second = await running.conversations.AppendTurn(request)
    assert (first.duplicate, second.duplicate) == (False, True)
    assert second.turn.turn_id == first.turn.turn_id
    package = await running.conversations.GetContextPackage(pb.GetContextPackageRequest(conversation_id=cid))
    assert [t.text for t in package.transcript] == ["hello"]


async def test_reused_request_id_for_other_text_is_refused(running: Running) -> None:
    cid = await running.create()
    await running.say(cid, "r1", "first")
    with pytest.raises(aio.AioRpcError) as caught:
        await running.say(cid, "r1", "something else")
    assert status_of(caught.value) == grpc.StatusCode.ALREADY_EXISTS
    assert "request_id" in caught.value.details()


async def test_concurrent_appends_keep_their_order_and_lose_nothing(running: Running) -> None:
    cid = await running.create()
    texts = [f"turn {i}" for i in range(40)]
    acks = await asyncio.gather(*(running.say(cid, f"c{i}", text) for i, text in enumerate(texts)))
    assert sorted(a.turn_id for a in acks) == list(range(1, 41))
    package = await running.conversations.GetContextPackage(pb.GetContextPackageRequest(conversation_id=cid))
    by_id = {t.turn_id: t.text for t in package.transcript}
    assert sorted(by_id.values()) == sorted(texts)
    assert all(by_id[a.turn_id] == a.text for a in acks)


async def test_retries_racing_each_other_are_applied_once(running: Running) -> None:
    cid = await running.create()
    acks = await asyncio.gather(*(running.say(cid, "dup", "once only") for _ in range(10)))
    assert {a.turn_id for a in acks} == {1}
    conversation = await running.conversations.GetConversation(pb.GetConversationRequest(conversation_id=cid))
    assert conversation.turn_count == 1


async def test_unknown_conversation_is_not_found(running: Running) -> None:
    for call in (
        running.conversations.AppendTurn(
            pb.AppendTurnRequest(conversation_id="nope", request_id="r", role=pb.CUSTOMER, text="hi")
        ),
        running.conversations.GetContextPackage(pb.GetContextPackageRequest(conversation_id="nope")),
        running.conversations.GetConversation(pb.GetConversationRequest(conversation_id="nope")),
        running.conversations.CompleteConversation(pb.CompleteConversationRequest(conversation_id="nope")),
    ):
        with pytest.raises(aio.AioRpcError) as caught:
            await call
        assert status_of(caught.value) == grpc.StatusCode.NOT_FOUND
        assert "nope" in caught.value.details()


async def test_oversize_turn_is_invalid_argument_with_the_limit(running: Running) -> None:
    cid = await running.create()
    with pytest.raises(aio.AioRpcError) as caught:
        await running.say(cid, "big", "x" * 501)
    assert status_of(caught.value) == grpc.StatusCode.INVALID_ARGUMENT
    assert "500" in caught.value.details()


async def test_oversize_message_is_resource_exhausted(tmp_path) -> None:
    instance = await start_server(test_settings(tmp_path, max_message_bytes=4096))
    try:
        cid = await instance.create()
        with pytest.raises(aio.AioRpcError) as caught:
            await instance.say(cid, "huge", "y" * 10_000)
        assert status_of(caught.value) == grpc.StatusCode.RESOURCE_EXHAUSTED
    finally:
        await instance.stop()


async def test_turn_limit_per_conversation_is_resource_exhausted(running: Running) -> None:
    cid = await running.create()
    for i in range(50):
        await running.say(cid, f"r{i}", "again")
    with pytest.raises(aio.AioRpcError) as caught:
        await running.say(cid, "one-more", "again")
    assert status_of(caught.value) == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "50" in caught.value.details()


@pytest.mark.parametrize(
    ("request_fields", "mentions"),
    [
        ({"conversation_id": "", "request_id": "r", "role": pb.CUSTOMER, "text": "hi"}, "conversation_id"),
        ({"conversation_id": "c/../x", "request_id": "r", "role": pb.CUSTOMER, "text": "hi"}, "conversation_id"),
        ({"conversation_id": "c" * 200, "request_id": "r", "role": pb.CUSTOMER, "text": "hi"}, "conversation_id"),
        ({"conversation_id": "ok", "request_id": "", "role": pb.CUSTOMER, "text": "hi"}, "request_id"),
        ({"conversation_id": "ok", "request_id": "r r", "role": pb.CUSTOMER, "text": "hi"}, "request_id"),
        ({"conversation_id": "ok", "request_id": "r", "role": pb.ROLE_UNSPECIFIED, "text": "hi"}, "role"),
        ({"conversation_id": "ok", "request_id": "r", "role": 99, "text": "hi"}, "role"),
        ({"conversation_id": "ok", "request_id": "r", "role": pb.CUSTOMER, "text": "  "}, "text"),
        ({"conversation_id": "ok", "request_id": "r", "role": pb.CUSTOMER, "text": "a\x00b"}, "NUL"),
    ],
)
async def test_malformed_append_is_refused_cleanly(running: Running, request_fields: dict, mentions: str) -> None:
    await running.create("ok")
    with pytest.raises(aio.AioRpcError) as caught:
        await running.conversations.AppendTurn(pb.AppendTurnRequest(**request_fields))
    assert status_of(caught.value) == grpc.StatusCode.INVALID_ARGUMENT
    assert mentions in caught.value.details()
    conversation = await running.conversations.GetConversation(pb.GetConversationRequest(conversation_id="ok"))
    assert conversation.turn_count == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.CreateConversation(pb.CreateConversationRequest(conversation_id="bad id")),
        lambda s: s.CreateConversation(pb.CreateConversationRequest(customer_id="x" * 300)),
        lambda s: s.ListConversations(pb.ListConversationsRequest(page_size=-1)),
        lambda s: s.ListConversations(pb.ListConversationsRequest(page_size=100_000)),
        lambda s: s.ListConversations(pb.ListConversationsRequest(page_token="garbage")),
        lambda s: s.ListConversations(pb.ListConversationsRequest(stage=42)),
        lambda s: s.GetContextPackage(pb.GetContextPackageRequest(conversation_id="ok", wait_ms=-5)),
        lambda s: s.IngestContext(pb.IngestContextRequest(conversation_id="ok", request_id="x", source="crm",
                                                         content="{not json")),
        lambda s: s.IngestContext(pb.IngestContextRequest(conversation_id="ok", request_id="x", source="crm",
                                                         content_type="image/png", content="...")),
        lambda s: s.ReportEvent(pb.HandoffEvent(conversation_id="ok", request_id="e1")),
        lambda s: s.ReportEvent(pb.HandoffEvent(conversation_id="ok", request_id="e1", type=pb.SATISFACTION,
                                                score=11)),
    ],
)
async def test_malformed_requests_are_invalid_argument(running: Running, call) -> None:
    await running.create("ok")
    with pytest.raises(aio.AioRpcError) as caught:
        await call(running.conversations)
    assert status_of(caught.value) == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details()


async def test_completed_conversation_refuses_new_turns(running: Running) -> None:
    cid = await running.create()
    await running.say(cid, "r1", "bye")
    done = await running.conversations.CompleteConversation(
        pb.CompleteConversationRequest(conversation_id=cid, outcome="resolved")
    )
    assert done.stage == pb.COMPLETED
    with pytest.raises(aio.AioRpcError) as caught:
        await running.say(cid, "r2", "wait, one more thing")
    assert status_of(caught.value) == grpc.StatusCode.FAILED_PRECONDITION


async def test_conversations_are_listed_by_customer_and_stage_page_by_page(running: Running) -> None:
    for i in range(5):
        await running.create(f"anna-{i}", customer_id="anna")
    await running.create("bob-0", customer_id="bob")
    await running.conversations.CompleteConversation(pb.CompleteConversationRequest(conversation_id="anna-0"))
    first = await running.conversations.ListConversations(
        pb.ListConversationsRequest(customer_id="anna", page_size=3)
    )
    second = await running.conversations.ListConversations(
        pb.ListConversationsRequest(customer_id="anna", page_size=3, page_token=first.next_page_token)
    )
    ids = [c.conversation_id for c in [*first.conversations, *second.conversations]]
    assert ids == [f"anna-{i}" for i in range(5)] and second.next_page_token == ""
    completed = await running.conversations.ListConversations(pb.ListConversationsRequest(stage=pb.COMPLETED))
    assert [c.conversation_id for c in completed.conversations] == ["anna-0"]


async def test_handoff_events_are_stored_once_and_move_the_stage(running: Running) -> None:
    cid = await running.create()
    escalated = pb.HandoffEvent(conversation_id=cid, type=pb.ESCALATED, request_id="e1")
    first = await running.conversations.ReportEvent(escalated)
    again = await running.conversations.ReportEvent(escalated)
    connected = await running.conversations.ReportEvent(
        pb.HandoffEvent(conversation_id=cid, type=pb.AGENT_CONNECTED_EVENT, request_id="e2", agent_id="agent-7")
    )
    await running.conversations.ReportEvent(
        pb.HandoffEvent(conversation_id=cid, type=pb.SATISFACTION, request_id="e3", score=4, post_handoff=True)
    )
    assert (first.duplicate, again.duplicate) == (False, True)
    assert (first.stage, connected.stage) == (pb.TRANSFERRING, pb.AGENT_CONNECTED)
    events = await running.runtime.store.list_events(cid)
    assert [(e.type.value, e.score) for e in events] == [
        ("escalated", None), ("agent_connected", None), ("satisfaction", 4.0)
    ]


async def test_pushed_crm_record_becomes_external_facts(running: Running) -> None:
    cid = await running.create()
    record = {"customer": {"name": "Maria Lopez", "tier": "gold"}, "orders": [{"id": "88412"}]}
    response = await running.conversations.IngestContext(
        pb.IngestContextRequest(conversation_id=cid, request_id="crm-1", source="crm", content=json.dumps(record))
    )
    assert response.facts_added == 3
    await running.say(cid, "r1", "hello")
    package = await running.conversations.GetContextPackage(
        pb.GetContextPackageRequest(conversation_id=cid, min_turn_id=1, wait_ms=5000)
    )
    external = {(f.type, f.value) for f in package.facts if f.source == "external"}
    assert external == {("crm.customer.name", "Maria Lopez"), ("crm.customer.tier", "gold"),
                        ("crm.orders[0].id", "88412")}
    assert package.external_context[0].source == "crm"


async def test_turn_stream_acknowledges_each_turn_and_sends_updates(running: Running) -> None:
    cid = await running.create()

    async def turns():
        for i, text in enumerate(["hi", "my order is late", "order 12345"]):
            yield pb.StreamTurnsRequest(
                append=pb.AppendTurnRequest(conversation_id=cid, request_id=f"s{i}", role=pb.CUSTOMER, text=text)
            )

    acks, updates = [], []
    async for event in running.conversations.StreamTurns(turns()):
        (acks if event.HasField("ack") else updates).append(event)
    assert [a.ack.turn.turn_id for a in acks] == [1, 2, 3]
    assert updates and updates[-1].update.analyzed_through_turn == 3


async def test_turn_stream_reports_a_bad_turn_with_its_status(running: Running) -> None:
    async def turns():
        yield pb.StreamTurnsRequest(
            append=pb.AppendTurnRequest(conversation_id="missing", request_id="s", role=pb.CUSTOMER, text="hi")
        )

    with pytest.raises(aio.AioRpcError) as caught:
        async for _ in running.conversations.StreamTurns(turns()):
            pass
    assert status_of(caught.value) == grpc.StatusCode.NOT_FOUND


async def test_package_names_the_last_turn_it_reflects(running: Running) -> None:
    cid = await running.create()
    ack = await running.say(cid, "r1", "hello there")
    package = await running.conversations.GetContextPackage(
        pb.GetContextPackageRequest(conversation_id=cid, min_turn_id=ack.turn_id, wait_ms=5000)
    )
    assert package.analyzed_through_turn == ack.turn_id


@pytest.mark.parametrize("occurred_at", [float("nan"), float("inf"), -1.0, 4e9])
async def test_an_impossible_event_time_is_refused_not_dropped(running: Running, occurred_at: float) -> None:
    cid = await running.create()
    with pytest.raises(aio.AioRpcError) as caught:
        await running.conversations.ReportEvent(
            pb.HandoffEvent(conversation_id=cid, type=pb.ESCALATED, request_id="e1", occurred_at=occurred_at)
        )
    assert status_of(caught.value) == grpc.StatusCode.INVALID_ARGUMENT
    assert "occurred_at" in caught.value.details()
    assert await running.runtime.store.list_events(cid) == []


@pytest.mark.parametrize("wait", [float("nan"), float("inf"), -5.0])
async def test_impossible_queue_figures_are_refused(running: Running, wait: float) -> None:
    cid = await running.create()
    with pytest.raises(aio.AioRpcError) as caught:
        await running.handoff.Handoff(
            pb.HandoffRequest(conversation_id=cid, queue=pb.QueueInfo(estimated_wait_seconds=wait))
        )
    assert status_of(caught.value) == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_package_read_while_the_analysis_catches_up_shows_each_turn_once(running: Running) -> None:
    """A read that lists pending turns while the analysis appends them must not show a turn twice
    (found by tests/faults/test_killed_mid_stream.py: a restarted server catching up)."""
    cid = await running.create()

    async def append(i: int) -> None:
        await running.say(cid, f"r{i}", f"turn number {i}")

    async def read() -> list[int]:
        package = await running.conversations.GetContextPackage(pb.GetContextPackageRequest(conversation_id=cid))
        return [t.turn_id for t in package.transcript]

    for i in range(0, 40, 4):
        reads = await asyncio.gather(*(append(j) for j in range(i, i + 4)), *(read() for _ in range(6)))
        for ids in reads[4:]:
            assert ids == sorted(set(ids)), ids


async def test_a_wait_beyond_the_callers_deadline_answers_with_the_package_in_time(running: Running) -> None:
    """Found by bench/fuzz_rpc.py: wait_ms longer than the call's deadline ran into DEADLINE_EXCEEDED."""
    cid = await running.create()
    await running.say(cid, "r1", "hello")
    package = await running.conversations.GetContextPackage(
        pb.GetContextPackageRequest(conversation_id=cid, min_turn_id=1000, wait_ms=60_000), timeout=1.0
    )
    assert package.conversation_id == cid and [t.turn_id for t in package.transcript] == [1]


async def test_turn_stream_sends_the_analysis_of_a_conversations_first_turn_while_open(running: Running) -> None:
    """The stream subscribes to a conversation on its first turn there, after the append: an analysis
    that lands before the subscription must still reach the stream, not wait for the next turn."""
    for attempt in range(5):
        cid = await running.create()
        sent: asyncio.Queue[pb.StreamTurnsRequest | None] = asyncio.Queue()
        await sent.put(pb.StreamTurnsRequest(append=pb.AppendTurnRequest(
            conversation_id=cid, request_id="s0", role=pb.CUSTOMER, text="my order 12345 is late")))

        async def turns(sent: asyncio.Queue[pb.StreamTurnsRequest | None]):
            while (request := await sent.get()) is not None:
                yield request

        call = running.conversations.StreamTurns(turns(sent))
        try:
            ack = await asyncio.wait_for(call.read(), 5)
            assert ack.ack.turn.turn_id == 1, attempt
            update = await asyncio.wait_for(call.read(), 5)  # the stream stays open: no settling at its end
            assert update.update.analyzed_through_turn == 1, attempt
        finally:
            await sent.put(None)
            call.cancel()
