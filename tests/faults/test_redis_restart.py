"""Redis restarted under a running server: nothing acknowledged is lost, the outage is UNAVAILABLE.

Proves, with a private redis-server (appendonly yes, in a temporary folder) and a
real handoff server on HANDOFF_STORE=redis: while Redis is down every call that
needs it ends UNAVAILABLE with a message that says to retry (never INTERNAL or
UNKNOWN) and health reports the overall status NOT_SERVING; after Redis restarts on
the same data the same calls succeed and health is SERVING again; every turn
acknowledged before, during (none) or after the outage is stored exactly once with
the turn id it was acknowledged with, and retries with the same request ids are
recognised as duplicates.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
import redis
from grpc import aio

from server._proto.handoff.v1 import handoff_pb2 as pb
from tests.api.conftest import Running, start_server, test_settings
from tests.faults.conftest import NOT_SERVING, SERVING, Process, eventually, health_of

pytestmark = pytest.mark.redis
CID = "redis-restart"


@pytest.fixture
async def server(tmp_path: Path, redis_server: Process) -> AsyncIterator[Running]:
    settings = test_settings(tmp_path, store="redis", redis_url=f"redis://127.0.0.1:{redis_server.port}/0",
                             health_interval_s=0.2)
    instance = await start_server(settings)
    yield instance
    await instance.stop()


def _turn(i: int) -> pb.AppendTurnRequest:
    return pb.AppendTurnRequest(conversation_id=CID, request_id=f"req-{i}", role=pb.CUSTOMER, text=f"turn number {i}")


def _shutdown(process: Process) -> None:
    """SHUTDOWN, as an operator restarting Redis would: the append-only file is flushed first."""
    try:
        redis.Redis(host="127.0.0.1", port=process.port).shutdown()
    except redis.ConnectionError:
        pass  # the server closes the connection as it exits
    assert process.proc is not None
    process.proc.wait(10)


async def _concurrently(server: Running) -> None:
    request = pb.GetConversationRequest(conversation_id=CID)
    replies = await asyncio.gather(*(server.conversations.GetConversation(request, timeout=10) for _ in range(12)))
    assert {r.conversation_id for r in replies} == {CID}


async def _fails_unavailable(call: object) -> str:
    with pytest.raises(aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE, caught.value
    return caught.value.details() or ""


async def test_redis_restart_loses_no_acknowledged_turn_and_the_outage_is_unavailable(
    server: Running, redis_server: Process
) -> None:
    await server.create(CID)
    acked = {}
    for i in range(10):
        acked[f"req-{i}"] = (await server.conversations.AppendTurn(_turn(i), timeout=10)).turn.turn_id
    assert await health_of(server.channel) == SERVING
    await _concurrently(server)  # several pooled connections, all about to go stale

    _shutdown(redis_server)

    unacknowledged = []
    for i in range(10, 15):
        details = await _fails_unavailable(server.conversations.AppendTurn(_turn(i), timeout=10))
        assert "Redis" in details and "retry" in details
        unacknowledged.append(i)
    await _fails_unavailable(server.conversations.GetConversation(pb.GetConversationRequest(conversation_id=CID),
                                                                  timeout=10))
    await _fails_unavailable(server.conversations.CreateConversation(pb.CreateConversationRequest(), timeout=10))
    await _fails_unavailable(server.conversations.GetContextPackage(
        pb.GetContextPackageRequest(conversation_id=CID), timeout=10))
    await _fails_unavailable(server.handoff.Handoff(pb.HandoffRequest(conversation_id=CID), timeout=10))
    await eventually(server.channel, "", NOT_SERVING)
    assert await health_of(server.channel, "handoff.v1.ConversationService") == NOT_SERVING

    redis_server.start()  # the same folder: the append-only file brings the data back

    await eventually(server.channel, "", SERVING, timeout_s=15)
    await _concurrently(server)  # connections from before the restart reconnect instead of failing
    for i in range(5):  # what the clients resend: the first five again, then what failed
        ack = await server.conversations.AppendTurn(_turn(i), timeout=10)
        assert ack.duplicate and ack.turn.turn_id == acked[f"req-{i}"]
    for i in [*unacknowledged, *range(15, 20)]:
        ack = await server.conversations.AppendTurn(_turn(i), timeout=10)
        assert not ack.duplicate
        acked[f"req-{i}"] = ack.turn.turn_id

    package = await server.conversations.GetContextPackage(
        pb.GetContextPackageRequest(conversation_id=CID, min_turn_id=20, wait_ms=5000), timeout=10)
    stored = [(t.request_id, t.turn_id) for t in package.transcript]
    assert sorted(stored, key=lambda pair: pair[1]) == sorted(acked.items(), key=lambda pair: pair[1])
    assert [turn_id for _, turn_id in stored] == list(range(1, 21))
    assert package.analyzed_through_turn == 20
    brief = (await server.handoff.Handoff(pb.HandoffRequest(conversation_id=CID), timeout=10)).brief
    assert brief.analyzed_through_turn == 20
