"""Tenant beta tries every call on tenant alpha's conversation: it does not exist for beta."""

from __future__ import annotations

import time

import grpc
import pytest
from grpc import aio

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc
from server.errors import NotFoundError
from tests.api.conftest import Running, status_of
from tests.security.conftest import ALPHA, BETA, create


async def alpha_conversation(s: Running) -> str:
    cid = await create(s, ALPHA, "acme-1", customer_id="cust-1")
    for i, text in enumerate(["My order 88412 has not arrived", "It was due last Monday"], start=1):
        await s.conversations.AppendTurn(
            pb.AppendTurnRequest(conversation_id=cid, request_id=f"a{i}", role=pb.CUSTOMER, text=text),
            metadata=ALPHA,
        )
    await s.conversations.ReportEvent(
        pb.HandoffEvent(conversation_id=cid, request_id="esc", type=pb.ESCALATED, occurred_at=time.time()),
        metadata=ALPHA,
    )
    return cid


async def unary_attempts(s: Running, cid: str) -> dict[str, aio.UnaryUnaryCall]:
    """Every unary call that names a conversation, made by beta."""
    c, h, k = s.conversations, s.handoff, s.knowledge
    turn = pb.AppendTurnRequest(conversation_id=cid, request_id="b1", role=pb.CUSTOMER, text="beta was here")
    return {
        "GetConversation": c.GetConversation(pb.GetConversationRequest(conversation_id=cid), metadata=BETA),
        "CompleteConversation": c.CompleteConversation(
            pb.CompleteConversationRequest(conversation_id=cid, outcome="stolen"), metadata=BETA),
        "AppendTurn": c.AppendTurn(turn, metadata=BETA),
        "GetContextPackage": c.GetContextPackage(pb.GetContextPackageRequest(conversation_id=cid), metadata=BETA),
        "IngestContext": c.IngestContext(
            pb.IngestContextRequest(conversation_id=cid, request_id="i1", source="crm",
                                    content='{"plan": "gold"}'), metadata=BETA),
        "ReportEvent": c.ReportEvent(
            pb.HandoffEvent(conversation_id=cid, request_id="b-esc", type=pb.RESOLVED), metadata=BETA),
        "EvaluateEscalation": h.EvaluateEscalation(
            pb.EvaluateEscalationRequest(conversation_id=cid), metadata=BETA),
        "Handoff": h.Handoff(pb.HandoffRequest(conversation_id=cid, mark_transferring=True), metadata=BETA),
        "CheckReply": h.CheckReply(pb.CheckReplyRequest(conversation_id=cid, draft="Your order shipped"),
                                   metadata=BETA),
        "SubmitFeedback": k.SubmitFeedback(
            pb.SuggestionFeedback(conversation_id=cid, suggestion_id="s1", action="used"), metadata=BETA),
    }


async def code_of(call: object) -> grpc.StatusCode:
    try:
        await call  # type: ignore[misc]
    except aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def test_every_unary_call_on_another_tenants_conversation_is_not_found(tenants: Running) -> None:
    cid = await alpha_conversation(tenants)
    codes = {name: await code_of(call) for name, call in (await unary_attempts(tenants, cid)).items()}
    assert codes == dict.fromkeys(codes, grpc.StatusCode.NOT_FOUND)
    record = await tenants.runtime.store.get_conversation(cid)
    assert (record.turn_count, record.stage.value, record.outcome) == (2, "transferring", "")  # as alpha left it
    package = await tenants.conversations.GetContextPackage(
        pb.GetContextPackageRequest(conversation_id=cid, min_turn_id=2, wait_ms=5000), metadata=ALPHA)
    assert [t.text for t in package.transcript] == ["My order 88412 has not arrived", "It was due last Monday"]
    assert not package.external_context
    assert await tenants.runtime.store.list_feedback(cid) == []
    assert [e.request_id for e in await tenants.runtime.store.list_events(cid)] == ["esc"]


async def test_another_tenants_conversation_answers_as_a_missing_one_does(tenants: Running) -> None:
    cid = await alpha_conversation(tenants)
    answers = []
    for target in (cid, "no-such-conversation"):
        try:
            await tenants.conversations.GetConversation(pb.GetConversationRequest(conversation_id=target),
                                                        metadata=BETA)
        except aio.AioRpcError as error:
            answers.append((error.code(), error.details().replace(target, "ID")))
    assert answers[0] == answers[1] and answers[0][0] == grpc.StatusCode.NOT_FOUND


async def test_every_stream_on_another_tenants_conversation_is_not_found(tenants: Running) -> None:
    cid = await alpha_conversation(tenants)
    turn = pb.AppendTurnRequest(conversation_id=cid, request_id="b1", role=pb.CUSTOMER, text="beta was here")
    streams = {
        "StreamTurns": tenants.conversations.StreamTurns(iter([pb.StreamTurnsRequest(append=turn)]), metadata=BETA),
        "StreamHandoffProse": tenants.handoff.StreamHandoffProse(pb.HandoffRequest(conversation_id=cid),
                                                                 metadata=BETA),
        "Assist": tenants.knowledge.Assist(iter([pb.AssistRequest(open_conversation_id=cid)]), metadata=BETA),
    }
    for name, call in streams.items():
        received = []
        try:
            async for message in call:
                received.append(message)
        except aio.AioRpcError as error:
            assert error.code() == grpc.StatusCode.NOT_FOUND, (name, error)
        else:
            raise AssertionError(f"{name} answered beta: {received}")
        assert received == [], name
    record = await tenants.runtime.store.get_conversation(cid)
    assert record.turn_count == 2


async def test_create_with_another_tenants_id_is_refused_and_leaves_it_alone(tenants: Running) -> None:
    cid = await alpha_conversation(tenants)
    try:
        await tenants.conversations.CreateConversation(
            pb.CreateConversationRequest(conversation_id=cid, customer_id="intruder"), metadata=BETA)
    except aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.ALREADY_EXISTS
        assert "cust-1" not in error.details() and "alpha" not in error.details()
    else:
        raise AssertionError("beta took over alpha's conversation id")
    record = await tenants.runtime.store.get_conversation(cid)
    assert (record.tenant, record.customer_id, record.turn_count) == ("alpha", "cust-1", 2)
    again = await tenants.conversations.CreateConversation(  # the owner's retry is still idempotent
        pb.CreateConversationRequest(conversation_id=cid), metadata=ALPHA)
    assert again.turn_count == 2


async def test_lists_see_only_the_callers_conversations(tenants: Running) -> None:
    alpha_ids = {await alpha_conversation(tenants), await create(tenants, ALPHA, customer_id="cust-1")}
    beta_ids = {await create(tenants, BETA, customer_id="cust-1")}
    for metadata, own in ((ALPHA, alpha_ids), (BETA, beta_ids)):
        for customer in ("", "cust-1"):
            listed = await tenants.conversations.ListConversations(
                pb.ListConversationsRequest(customer_id=customer), metadata=metadata)
            assert {c.conversation_id for c in listed.conversations} == own


async def test_prior_contacts_come_only_from_the_callers_tenant(tenants: Running) -> None:
    first = await alpha_conversation(tenants)
    later_alpha = await create(tenants, ALPHA, customer_id="cust-1")
    later_beta = await create(tenants, BETA, customer_id="cust-1")
    alpha_package = await tenants.conversations.GetContextPackage(
        pb.GetContextPackageRequest(conversation_id=later_alpha), metadata=ALPHA)
    beta_package = await tenants.conversations.GetContextPackage(
        pb.GetContextPackageRequest(conversation_id=later_beta), metadata=BETA)
    assert [p.conversation_id for p in alpha_package.prior_contacts] == [first]
    assert list(beta_package.prior_contacts) == []


async def test_handoff_metrics_count_only_the_callers_handoffs(tenants: Running) -> None:
    await alpha_conversation(tenants)
    stub = pb_grpc.MetricsServiceStub(tenants.channel)
    alpha = await stub.GetHandoffMetrics(pb.GetHandoffMetricsRequest(), metadata=ALPHA)
    beta = await stub.GetHandoffMetrics(pb.GetHandoffMetricsRequest(), metadata=BETA)
    assert (alpha.overall.handoffs, beta.overall.handoffs) == (1, 0)


async def test_an_unknown_id_is_still_not_found_for_its_own_tenant(tenants: Running) -> None:
    try:
        await tenants.conversations.GetConversation(pb.GetConversationRequest(conversation_id="nope"),
                                                    metadata=ALPHA)
    except aio.AioRpcError as error:
        assert status_of(error) == grpc.StatusCode.NOT_FOUND
    else:
        raise AssertionError("an unknown conversation was found")


async def test_an_id_purged_and_taken_by_another_tenant_is_theirs_alone(tenants: Running) -> None:
    cid = await alpha_conversation(tenants)
    await tenants.conversations.CompleteConversation(pb.CompleteConversationRequest(conversation_id=cid),
                                                     metadata=ALPHA)
    assert await tenants.runtime.store.purge_completed(time.time() + 1) == 1  # retention over; alpha's copy cached
    assert await create(tenants, BETA, cid) == cid
    package = await tenants.conversations.GetContextPackage(pb.GetContextPackageRequest(conversation_id=cid),
                                                            metadata=BETA)
    assert list(package.transcript) == []  # nothing of alpha's
    assert await code_of(tenants.conversations.GetContextPackage(
        pb.GetContextPackageRequest(conversation_id=cid), metadata=ALPHA)) == grpc.StatusCode.NOT_FOUND


async def test_deleting_a_customer_reaches_only_the_callers_tenant(tenants: Running) -> None:
    cid = await alpha_conversation(tenants)  # alpha's customer cust-1
    own = await create(tenants, BETA, customer_id="cust-1")  # beta's customer of the same id
    for request in (pb.DeleteCustomerDataRequest(customer_id="cust-1", conversation_id=cid),
                    pb.DeleteCustomerDataRequest(customer_id="cust-1")):
        await code_of(tenants.conversations.DeleteCustomerData(request, metadata=BETA))
    with pytest.raises(NotFoundError):  # beta's own customer of that id: gone
        await tenants.runtime.store.get_conversation(own)
    record = await tenants.runtime.store.get_conversation(cid)
    assert record is not None and record.turn_count == 2  # alpha's: untouched
    assert len(await tenants.runtime.store.list_turns(cid)) == 2
