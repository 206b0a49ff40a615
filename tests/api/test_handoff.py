"""The shipped sample conversation through the real server, the real engine and the real embedding model."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc import aio

from server._proto.handoff.v1 import handoff_pb2 as pb
from server.analysis.engine import build_engine
from server.cli import DEMO
from server.observability import REGISTRY
from server.replay import read_conversations, turn_request
from tests.api.conftest import Running, start_server, status_of, test_settings
from tests.conftest import HeldEmbedder


@pytest.fixture
async def full(tmp_path: Path, embedder) -> AsyncIterator[Running]:
    settings = test_settings(tmp_path, embeddings=True, issue_wait_ms=10_000)  # labels land within the turn
    instance = await start_server(settings, build_engine(settings, embedder=embedder))
    yield instance
    await instance.stop()


async def play_demo(running: Running) -> str:
    """The three contacts of the sample customer; returns the third conversation's id."""
    conversation_id = ""
    for recorded in read_conversations(DEMO):
        conversation_id = recorded.id
        await running.conversations.CreateConversation(
            pb.CreateConversationRequest(conversation_id=recorded.id, customer_id=recorded.customer_id)
        )
        for index, raw in enumerate(recorded.turns):
            await running.conversations.AppendTurn(turn_request(recorded.id, index, raw, after_cut=False))
        if recorded.outcome:
            await running.runtime.live.settled(recorded.id)
            await running.conversations.CompleteConversation(
                pb.CompleteConversationRequest(conversation_id=recorded.id, outcome=recorded.outcome)
            )
    return conversation_id


async def test_sample_package_has_facts_commitments_steps_and_prior_contacts(full: Running) -> None:
    cid = await play_demo(full)
    package = await full.conversations.GetContextPackage(
        pb.GetContextPackageRequest(conversation_id=cid, min_turn_id=12, wait_ms=10_000)
    )
    facts = {(f.type, f.value) for f in package.facts}
    assert ("email", "maria.lopez@example.com") in facts
    assert any(f.value == "88412" for f in package.facts)
    assert all(f.turn_ids for f in package.facts if f.source == "customer")
    assert any(c.deadline and "24 hours" in c.deadline for c in package.commitments)
    # the $20 credit was only offered (and declined): something the bot said, not a promise
    assert any("$20 credit" in s.text for s in package.bot_statements)
    assert not any(c.amount and "20" in c.amount for c in package.commitments)
    assert [s.name for s in package.steps][:1] == ["pull-up-account"]
    assert [c.conversation_id for c in package.prior_contacts] == ["demo-first-contact", "demo-second-contact"]
    # late in the conversation the customer demands a refund: the delay stays among the candidates
    assert "delivery_delay" in [package.issue.label, *(a.label for a in package.issue.alternatives)]
    assert package.escalation.decision == pb.ESCALATE_NOW
    assert "asked_for_human" in {r.code for r in package.escalation.reasons}


async def test_handoff_returns_brief_opening_line_and_bounded_announcement(full: Running) -> None:
    cid = await play_demo(full)
    response = await full.handoff.Handoff(
        pb.HandoffRequest(conversation_id=cid, queue=pb.QueueInfo(position=2, estimated_wait_seconds=120),
                          mark_transferring=True)
    )
    brief = response.brief
    assert response.stage == pb.TRANSFERRING
    assert brief.prose_source == "deterministic"
    assert {"SITUATION", "ACTION", "RESOLUTION"} <= set(brief.sections)
    assert any(f.value == "maria.lopez@example.com" for f in brief.do_not_ask)
    assert brief.commitments and brief.why_human
    assert 0 < brief.wait.min_seconds <= 120 <= brief.wait.max_seconds <= 3600
    assert "minute" in brief.announcement
    assert brief.opening_line and brief.opening_line != brief.announcement


async def test_check_reply_finds_repeat_question_and_passes_consistent_draft(full: Running) -> None:
    cid = await play_demo(full)
    repeat = await full.handoff.CheckReply(
        pb.CheckReplyRequest(conversation_id=cid, draft="Hi Maria, could you give me your order number so I can check?")
    )
    assert [f.kind for f in repeat.findings] == ["repeat_question"]
    assert repeat.findings[0].known_value == "88412"
    contradiction = await full.handoff.CheckReply(
        pb.CheckReplyRequest(conversation_id=cid, draft="I checked and your order hasn't shipped yet.")
    )
    assert "contradiction" in {f.kind for f in contradiction.findings}
    consistent = await full.handoff.CheckReply(
        pb.CheckReplyRequest(
            conversation_id=cid,
            draft="Your order 88412 shipped on Monday and you'll get an update by email within 24 hours.",
        )
    )
    assert list(consistent.findings) == []


async def test_empty_draft_is_invalid_argument(full: Running) -> None:
    cid = await full.create()
    with pytest.raises(aio.AioRpcError) as caught:
        await full.handoff.CheckReply(pb.CheckReplyRequest(conversation_id=cid, draft="   "))
    assert status_of(caught.value) == grpc.StatusCode.INVALID_ARGUMENT


async def test_escalation_is_available_on_request(full: Running) -> None:
    cid = await full.create()
    await full.say(cid, "r1", "I want to speak to a human agent right now")
    state = await full.handoff.EvaluateEscalation(pb.EvaluateEscalationRequest(conversation_id=cid))
    assert state.decision == pb.ESCALATE_NOW and state.reasons[0].turn_ids == [1]


def test_sample_conversation_file_is_valid_json() -> None:
    rows = json.loads(DEMO.read_text())
    assert rows[-1]["customer_id"] == rows[0]["customer_id"]


async def test_search_knowledge_finds_the_shipped_delivery_passage(full: Running) -> None:
    from server.knowledge.ingest import ingest

    report = ingest(full.runtime.knowledge, [Path(__file__).resolve().parents[2] / "kb"])
    assert report.added > 0
    response = await full.knowledge.SearchKnowledge(
        pb.SearchKnowledgeRequest(query="the parcel is late, how do I chase the carrier?", top_k=3)
    )
    assert response.passages and "delivery" in response.passages[0].source
    assert response.passages[0].heading_path and response.passages[0].score > 0


async def test_live_assist_suggests_then_checks_drafts_and_stores_feedback(full: Running) -> None:
    from server.knowledge.ingest import ingest

    ingest(full.runtime.knowledge, [Path(__file__).resolve().parents[2] / "kb"])
    cid = await play_demo(full)

    async def desktop():
        yield pb.AssistRequest(open_conversation_id=cid)
        yield pb.AssistRequest(turn=pb.AppendTurnRequest(
            request_id="agent-1", role=pb.HUMAN_AGENT, text="Hi Maria, I'm Sam. I'm looking at order 88412 now."))
        yield pb.AssistRequest(draft="Could you give me your order number please?")
        yield pb.AssistRequest(feedback=pb.SuggestionFeedback(conversation_id=cid, suggestion_id="s-1", action="used"))

    responses = [r async for r in full.knowledge.Assist(desktop())]
    suggestions = [s for r in responses for s in r.suggestions]
    kinds = {s.kind for s in suggestions}
    assert {"knowledge", "commitment", "reply_check"} <= kinds
    assert len({s.suggestion_id for s in suggestions}) == len(suggestions)  # nothing sent twice
    check = next(s for s in suggestions if s.kind == "reply_check")
    assert check.findings[0].kind == "repeat_question" and check.findings[0].known_value == "88412"
    assert [(f.suggestion_id, f.action) for f in await full.runtime.store.list_feedback(cid)] == [("s-1", "used")]


async def test_assist_before_opening_a_conversation_is_refused(full: Running) -> None:
    async def desktop():
        yield pb.AssistRequest(draft="hello")

    with pytest.raises(aio.AioRpcError) as caught:
        async for _ in full.knowledge.Assist(desktop()):
            pass
    assert status_of(caught.value) == grpc.StatusCode.FAILED_PRECONDITION


async def test_bad_feedback_action_is_invalid_argument(full: Running) -> None:
    cid = await full.create()
    with pytest.raises(aio.AioRpcError) as caught:
        await full.knowledge.SubmitFeedback(pb.SuggestionFeedback(conversation_id=cid, suggestion_id="x",
                                                                  action="loved"))
    assert status_of(caught.value) == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_transfer_hurries_the_label_update_it_was_waiting_for(tmp_path: Path, embedder) -> None:
    held = HeldEmbedder(embedder)
    held.gate.set()
    settings = test_settings(tmp_path, embeddings=True, issue_wait_ms=0)
    instance = await start_server(settings, build_engine(settings, embedder=held))  # type: ignore[arg-type]
    count = "handoff_issue_label_delay_seconds_count"
    try:
        staying, moving = await instance.create(), await instance.create()
        await instance.say(staying, "r1", "The blender arrived with a cracked jug")
        await instance.say(moving, "r1", "My parcel was due on Monday and it still hasn't arrived")
        for cid in (staying, moving):
            for _ in range(600):
                request = pb.GetContextPackageRequest(conversation_id=cid)
                if (await instance.conversations.GetContextPackage(request)).issue.label:
                    break
                await asyncio.sleep(0.05)
            else:
                pytest.fail(f"{cid} got no label in 30 s")
        hurried, updated = (REGISTRY.get_sample_value(count, {"kind": kind}) or 0.0 for kind in ("escalating", "update"))
        held.gate.clear()
        await instance.say(await instance.create(), "r1", "I forgot my password and the reset email never came")  # held
        await instance.say(staying, "r2", "And the lid is missing too")
        await instance.say(moving, "r2", "It's order 5521")  # both updates wait behind the held one
        await asyncio.sleep(0.2)
        await instance.handoff.Handoff(pb.HandoffRequest(conversation_id=moving))
        held.gate.set()
        for _ in range(200):
            if REGISTRY.get_sample_value(count, {"kind": "update"}) == updated + 1:
                break
            await asyncio.sleep(0.05)
        assert REGISTRY.get_sample_value(count, {"kind": "escalating"}) == hurried + 1  # the transferred one
        assert REGISTRY.get_sample_value(count, {"kind": "update"}) == updated + 1  # the other
        assert [text.split()[-1] for text in held.texts[-3:]] == ["came", "5521", "too"]  # asked later, embedded sooner
    finally:
        await instance.stop()


async def test_a_late_issue_label_is_applied_and_published(tmp_path: Path, embedder) -> None:
    settings = test_settings(tmp_path, embeddings=True, issue_wait_ms=0)  # never wait for the embedding
    instance = await start_server(settings, build_engine(settings, embedder=embedder))
    first_label = {"kind": "first"}
    labelled = REGISTRY.get_sample_value("handoff_issue_label_delay_seconds_count", first_label) or 0.0
    try:
        cid = await instance.create()
        ack = await instance.say(cid, "r1", "I forgot my password and the reset link never arrived")
        first = await instance.conversations.GetContextPackage(
            pb.GetContextPackageRequest(conversation_id=cid, min_turn_id=ack.turn_id, wait_ms=5000)
        )
        assert first.analyzed_through_turn == 1
        for _ in range(100):
            package = await instance.conversations.GetContextPackage(pb.GetContextPackageRequest(conversation_id=cid))
            if package.issue.label:
                break
            await asyncio.sleep(0.05)
        assert package.issue.label == "account_access"
        assert REGISTRY.get_sample_value("handoff_issue_label_delay_seconds_count", first_label) == labelled + 1  # for operators
        # written behind the analysis within the save delay, by the server on its own
        delay_s = instance.runtime.live.save_delay_s
        assert delay_s > 0
        for _ in range(int(delay_s / 0.05) + 40):
            stored = await instance.runtime.store.load_package(cid)
            if stored is not None and stored.issue.label:
                break
            await asyncio.sleep(0.05)
        assert stored is not None and stored.issue.label == "account_access"
    finally:
        await instance.stop()
