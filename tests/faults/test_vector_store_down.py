"""The Chroma server killed under a running handoff server, then back.

Proves, with a real ``chroma run`` server (HANDOFF_CHROMA_URL), the real embedding
model and a real handoff server: while Chroma is down SearchKnowledge answers
UNAVAILABLE with a message naming the knowledge base (never INTERNAL or UNKNOWN),
Assist keeps streaming the suggestions that need no knowledge base (draft checks,
commitments), AppendTurn and Handoff are unaffected, health reports
``handoff.v1.KnowledgeService`` NOT_SERVING while the overall status stays SERVING;
once Chroma is back on the same data, search and health recover by themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc import aio

from server._proto.handoff.v1 import handoff_pb2 as pb
from server.analysis.engine import build_engine
from server.knowledge.ingest import ingest
from tests.api.conftest import Running, start_server, status_of, test_settings
from tests.faults.conftest import NOT_SERVING, SERVING, Process, eventually, health_of

KB = Path(__file__).resolve().parents[2] / "kb"
KNOWLEDGE = "handoff.v1.KnowledgeService"
QUERY = pb.SearchKnowledgeRequest(query="the parcel is late, how do I chase the carrier?", top_k=3)


@pytest.fixture
async def server(tmp_path: Path, chroma: Process, embedder) -> AsyncIterator[Running]:  # type: ignore[no-untyped-def]
    settings = test_settings(tmp_path, embeddings=True, chroma_url=f"http://127.0.0.1:{chroma.port}",
                             kb_collection="faults-kb", health_interval_s=0.2)
    instance = await start_server(settings, build_engine(settings, embedder=embedder))
    assert instance.runtime.knowledge is not None
    assert ingest(instance.runtime.knowledge, [KB]).added > 0
    yield instance
    await instance.stop()


async def _assist(server: Running, cid: str) -> list[pb.Suggestion]:
    async def desktop() -> AsyncIterator[pb.AssistRequest]:
        yield pb.AssistRequest(open_conversation_id=cid)
        yield pb.AssistRequest(draft="Could you give me your order number please?")

    responses = [r async for r in server.knowledge.Assist(desktop(), timeout=30)]
    return [s for r in responses for s in r.suggestions]


async def test_search_is_unavailable_while_chroma_is_down_and_everything_else_works(
    server: Running, chroma: Process
) -> None:
    assert (await server.knowledge.SearchKnowledge(QUERY, timeout=10)).passages
    cid = await server.create("kb-down")
    await server.say(cid, "r1", "My order 88412 still hasn't arrived, it was due Monday.")
    await server.say(cid, "r2", "I'm sorry. I will email you an update within 24 hours.", pb.BOT)
    assert await health_of(server.channel, KNOWLEDGE) == SERVING

    chroma.kill()

    with pytest.raises(aio.AioRpcError) as caught:
        await server.knowledge.SearchKnowledge(QUERY, timeout=10)
    assert status_of(caught.value) == grpc.StatusCode.UNAVAILABLE
    assert "Chroma" in (caught.value.details() or "")
    await eventually(server.channel, KNOWLEDGE, NOT_SERVING)
    assert await health_of(server.channel) == SERVING
    assert await health_of(server.channel, "handoff.v1.ConversationService") == SERVING

    suggestions = await _assist(server, cid)
    kinds = {s.kind for s in suggestions}
    assert {"reply_check", "commitment"} <= kinds and "knowledge" not in kinds
    check = next(s for s in suggestions if s.kind == "reply_check")
    assert check.findings[0].kind == "repeat_question" and check.findings[0].known_value == "88412"

    ack = await server.conversations.AppendTurn(pb.AppendTurnRequest(
        conversation_id=cid, request_id="r3", role=pb.CUSTOMER, text="Please let me talk to a person."), timeout=10)
    assert ack.turn.turn_id == 3
    brief = (await server.handoff.Handoff(pb.HandoffRequest(conversation_id=cid), timeout=10)).brief
    assert brief.summary and any(f.value == "88412" for f in brief.do_not_ask)

    chroma.start()  # the same data folder and port

    await eventually(server.channel, KNOWLEDGE, SERVING, timeout_s=30)
    passages = (await server.knowledge.SearchKnowledge(QUERY, timeout=10)).passages
    assert passages and "delivery" in passages[0].source
    assert "knowledge" in {s.kind for s in await _assist(server, cid)}


async def test_a_server_started_while_chroma_is_down_opens_the_knowledge_base_when_it_comes_back(
    tmp_path: Path, chroma: Process, embedder  # type: ignore[no-untyped-def]
) -> None:
    chroma.kill()
    settings = test_settings(tmp_path, embeddings=True, chroma_url=f"http://127.0.0.1:{chroma.port}",
                             kb_collection="faults-kb", health_interval_s=0.2)
    server = await start_server(settings, build_engine(settings, embedder=embedder))
    try:
        assert server.runtime.knowledge is None
        await eventually(server.channel, KNOWLEDGE, NOT_SERVING)
        with pytest.raises(aio.AioRpcError) as caught:
            await server.knowledge.SearchKnowledge(QUERY, timeout=10)
        assert status_of(caught.value) == grpc.StatusCode.UNAVAILABLE
        assert await health_of(server.channel) == SERVING

        chroma.start()

        await eventually(server.channel, KNOWLEDGE, SERVING, timeout_s=30)
        assert server.runtime.knowledge is not None
        assert ingest(server.runtime.knowledge, [KB]).added > 0
        assert (await server.knowledge.SearchKnowledge(QUERY, timeout=10)).passages
    finally:
        await server.stop()
