"""DeleteCustomerData on a real server, over SQLite and over a real Redis."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import grpc
import pytest

from server._proto.handoff.v1 import handoff_pb2 as pb
from server.cli import main
from tests.api.conftest import Running, start_server, status_of, test_settings
from tests.context.conftest import redis_url  # noqa: F401  (a real redis-server for the session)


@pytest.fixture(params=["sqlite", "redis"])
async def running(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    extra = {}
    if request.param == "redis":
        extra = {"store": "redis", "redis_url": request.getfixturevalue("redis_url")}
    instance = await start_server(test_settings(tmp_path, **extra))
    yield instance
    await instance.stop()


async def _conversation(running: Running, cid: str, customer: str) -> None:
    await running.create(cid, customer)
    await running.say(cid, "m-1", f"Hi, my order 88412 is late, mail me at {customer}@example.com")
    await running.say(cid, "m-2", "Sorry to hear that, let me check.", role=pb.BOT)
    await running.conversations.ReportEvent(
        pb.HandoffEvent(conversation_id=cid, request_id="e-1", type=pb.ESCALATED)
    )
    await running.conversations.IngestContext(
        pb.IngestContextRequest(conversation_id=cid, request_id="x-1", source="crm", content='{"tier": "gold"}')
    )
    await running.conversations.GetContextPackage(
        pb.GetContextPackageRequest(conversation_id=cid, min_turn_id=2, wait_ms=2000)
    )


async def _package(running: Running, cid: str) -> pb.ContextPackage:
    return await running.conversations.GetContextPackage(pb.GetContextPackageRequest(conversation_id=cid))


async def test_delete_customer_data_removes_that_customer_everywhere(running: Running) -> None:
    run = uuid.uuid4().hex[:8]  # Redis outlives one test: keep ids apart
    anna, bob = f"anna-{run}", f"bob-{run}"
    await _conversation(running, f"a1-{run}", anna)
    await _conversation(running, f"a2-{run}", anna)
    await _conversation(running, f"b1-{run}", bob)
    prior = (await _package(running, f"a2-{run}")).prior_contacts
    assert [c.conversation_id for c in prior] == [f"a1-{run}"]

    one = await running.conversations.DeleteCustomerData(
        pb.DeleteCustomerDataRequest(customer_id=anna, conversation_id=f"a1-{run}")
    )
    assert (one.conversations, one.turns, one.packages, one.events, one.external_context) == (1, 2, 1, 1, 1)
    assert (await _package(running, f"a2-{run}")).prior_contacts == []

    rest = await running.conversations.DeleteCustomerData(pb.DeleteCustomerDataRequest(customer_id=anna))
    assert (rest.conversations, rest.turns, rest.events) == (1, 2, 1)
    for cid in (f"a1-{run}", f"a2-{run}"):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await running.conversations.GetConversation(pb.GetConversationRequest(conversation_id=cid))
        assert status_of(error.value) == grpc.StatusCode.NOT_FOUND
        assert cid not in running.runtime.live._live
    listed = await running.conversations.ListConversations(pb.ListConversationsRequest(customer_id=anna))
    assert list(listed.conversations) == []
    events = await running.runtime.store.list_events()
    assert not any(e.conversation_id.startswith("a") and e.conversation_id.endswith(run) for e in events)

    kept = await _package(running, f"b1-{run}")
    assert len(kept.transcript) == 2 and any(f.type == "order_id" for f in kept.facts)

    again = await running.conversations.DeleteCustomerData(pb.DeleteCustomerDataRequest(customer_id=anna))
    assert again == pb.DeleteCustomerDataResponse()


async def test_delete_customer_data_needs_a_customer_id(running: Running) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await running.conversations.DeleteCustomerData(pb.DeleteCustomerDataRequest(conversation_id="c-1"))
    assert status_of(error.value) == grpc.StatusCode.INVALID_ARGUMENT
    assert "customer_id" in (error.value.details() or "")


async def test_handoff_forget_deletes_through_a_running_server(
    running: Running, capsys: pytest.CaptureFixture[str]
) -> None:
    run = uuid.uuid4().hex[:8]
    await _conversation(running, f"f1-{run}", f"fay-{run}")
    code = await asyncio.to_thread(
        main, ["forget", "--customer", f"fay-{run}", "--target", f"127.0.0.1:{running.port}"]
    )
    assert code == 0
    assert "1 conversation(s), 2 turn(s)" in capsys.readouterr().out
    listed = await running.conversations.ListConversations(pb.ListConversationsRequest(customer_id=f"fay-{run}"))
    assert list(listed.conversations) == []


async def test_deletion_empties_the_memo_caches_keyed_by_what_was_said(running: Running) -> None:
    from server.privacy.text_caches import cached_entries

    run = uuid.uuid4().hex[:8]
    await _conversation(running, f"c1-{run}", f"carol-{run}")
    await running.handoff.Handoff(pb.HandoffRequest(conversation_id=f"c1-{run}"))
    await running.handoff.CheckReply(pb.CheckReplyRequest(conversation_id=f"c1-{run}", draft="What is your order number?"))
    assert cached_entries() > 0  # the analysis, the brief and the check memoised sentences of the turns
    await running.conversations.DeleteCustomerData(pb.DeleteCustomerDataRequest(customer_id=f"carol-{run}"))
    assert cached_entries() == 0
