"""Per-tenant rate limits and stream caps, and connections that go idle being closed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc import aio

from server._proto.handoff.v1 import handoff_pb2 as pb
from server.api.quotas import RateLimiter, StreamCap
from server.errors import ResourceExhaustedError
from tests.api.conftest import Running, start_server, test_settings
from tests.security.conftest import ALPHA, BETA, api_keys, create


@pytest.fixture
async def limited(tmp_path: Path) -> AsyncIterator[Running]:
    settings = test_settings(tmp_path, api_keys=api_keys(), rate_limit_per_s=2, rate_limit_burst=3,
                             max_streams_per_tenant=2)
    instance = await start_server(settings)
    yield instance
    await instance.stop()


async def listing(s: Running, metadata: tuple) -> grpc.StatusCode:
    try:
        await s.conversations.ListConversations(pb.ListConversationsRequest(), metadata=metadata)
    except aio.AioRpcError as error:
        assert "rate limit of 2 calls/s" in error.details()
        return error.code()
    return grpc.StatusCode.OK


async def test_a_tenant_over_its_rate_is_refused_then_recovers(limited: Running) -> None:
    burst = [await listing(limited, ALPHA) for _ in range(4)]
    assert burst == [grpc.StatusCode.OK] * 3 + [grpc.StatusCode.RESOURCE_EXHAUSTED]
    assert await listing(limited, BETA) == grpc.StatusCode.OK  # another tenant has its own bucket
    await asyncio.sleep(0.6)  # 2 calls/s: one token back after half a second
    assert await listing(limited, ALPHA) == grpc.StatusCode.OK


def test_the_bucket_refills_at_the_rate_up_to_the_burst() -> None:
    now = [100.0]
    limiter = RateLimiter(rate=4, burst=2, clock=lambda: now[0])
    limiter.take("a")
    limiter.take("a")
    with pytest.raises(ResourceExhaustedError, match="retry in 0.25 s"):
        limiter.take("a")
    now[0] += 10  # a long pause refills only up to the burst
    limiter.take("a")
    limiter.take("a")
    with pytest.raises(ResourceExhaustedError):
        limiter.take("a")
    RateLimiter(rate=0).take("a")  # 0: no limit


class Held:
    """A StreamTurns call that stays open until released."""

    def __init__(self, s: Running, metadata: tuple, cid: str, tag: str) -> None:
        self.release = asyncio.Event()
        self.details = ""
        self.first = pb.StreamTurnsRequest(
            append=pb.AppendTurnRequest(conversation_id=cid, request_id=tag, role=pb.CUSTOMER, text="hello"))
        self.call = s.conversations.StreamTurns(self._requests(), metadata=metadata)

    async def _requests(self) -> AsyncIterator[pb.StreamTurnsRequest]:
        yield self.first
        await self.release.wait()

    async def opened(self) -> grpc.StatusCode:
        try:
            await self.call.read()
        except aio.AioRpcError as error:
            self.details = error.details()
            return error.code()
        return grpc.StatusCode.OK

    async def close(self) -> None:
        self.release.set()
        while await self.call.read() is not aio.EOF:
            pass


async def test_a_tenant_may_hold_only_its_cap_of_streams(limited: Running) -> None:
    alpha_cid = await create(limited, ALPHA)
    beta_cid = await create(limited, BETA)
    await asyncio.sleep(1.5)  # let the rate limiter's bucket (2/s) refill
    held = [Held(limited, ALPHA, alpha_cid, f"a{i}") for i in range(2)]
    assert [await h.opened() for h in held] == [grpc.StatusCode.OK] * 2
    third = Held(limited, ALPHA, alpha_cid, "a3")
    assert await third.opened() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "HANDOFF_MAX_STREAMS_PER_TENANT" in third.details
    other = Held(limited, BETA, beta_cid, "b1")
    assert await other.opened() == grpc.StatusCode.OK  # beta's streams are counted apart
    await held[0].close()
    await asyncio.sleep(0.6)
    again = Held(limited, ALPHA, alpha_cid, "a4")
    assert await again.opened() == grpc.StatusCode.OK
    for h in (held[1], other, again):
        await h.close()


def test_the_stream_cap_counts_opens_and_closes() -> None:
    cap = StreamCap(1)
    cap.open("a")
    with pytest.raises(ResourceExhaustedError):
        cap.open("a")
    cap.open("b")
    cap.close("a")
    cap.open("a")
    assert (cap.open_streams("a"), cap.open_streams("b")) == (1, 1)


async def test_an_idle_connection_is_closed_by_the_server(tmp_path: Path) -> None:
    running = await start_server(test_settings(tmp_path, max_connection_idle_s=0.3))
    try:
        await running.create()
        assert running.channel.get_state() == grpc.ChannelConnectivity.READY
        for _ in range(40):
            await asyncio.sleep(0.1)
            if running.channel.get_state() != grpc.ChannelConnectivity.READY:
                break
        assert running.channel.get_state() == grpc.ChannelConnectivity.IDLE
        await running.create()  # the client reconnects by itself
    finally:
        await running.stop()


@pytest.mark.parametrize("read_pause_s", [0.0, 0.001, 0.01])
async def test_a_stream_with_a_small_send_queue_still_delivers_everything(tmp_path: Path, read_pause_s: float) -> None:
    # a client that reads slowly keeps the queue full: an update waiting for room when the client
    # finished sending was dropped, though marked sent (the last turn's analysis never came)
    running = await start_server(test_settings(tmp_path, stream_queue_size=2))
    try:
        for stream in range(4):
            cid = await running.create()
            requests = [
                pb.StreamTurnsRequest(append=pb.AppendTurnRequest(conversation_id=cid, request_id=f"r{i}",
                                                                  role=pb.CUSTOMER, text=f"turn number {i}"))
                for i in range(40)
            ]
            acks, analysed = [], 0
            async for response in running.conversations.StreamTurns(iter(requests)):
                await asyncio.sleep(read_pause_s)
                if response.HasField("ack"):
                    acks.append(response.ack.turn.turn_id)
                else:
                    analysed = max(analysed, response.update.analyzed_through_turn)
            assert (acks, analysed) == (list(range(1, 41)), 40), f"stream {stream}"
    finally:
        await running.stop()
