"""The same isolation when the server keeps its state in Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc import aio

from server._proto.handoff.v1 import handoff_pb2 as pb
from tests.api.conftest import Running, start_server, test_settings
from tests.security.conftest import ALPHA, BETA, api_keys, create


@pytest.fixture
async def on_redis(tmp_path: Path, redis_url: str) -> AsyncIterator[Running]:
    url = redis_url.rsplit("/", 1)[0] + "/7"  # a database of its own on the suite's redis-server
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(url)
    await client.flushdb()
    await client.aclose()
    instance = await start_server(test_settings(tmp_path, store="redis", redis_url=url, api_keys=api_keys()))
    yield instance
    await instance.stop()


async def test_on_redis_a_tenant_lists_and_reads_only_its_own(on_redis: Running) -> None:
    alpha_c1, alpha_other = await create(on_redis, ALPHA, customer_id="c1"), await create(on_redis, ALPHA)
    beta_c1 = await create(on_redis, BETA, customer_id="c1")
    expected = {  # (tenant, customer filter) -> what the list shows
        (ALPHA, ""): {alpha_c1, alpha_other}, (ALPHA, "c1"): {alpha_c1},
        (BETA, ""): {beta_c1}, (BETA, "c1"): {beta_c1},
    }
    for (metadata, customer), ids in expected.items():
        listed = await on_redis.conversations.ListConversations(
            pb.ListConversationsRequest(customer_id=customer), metadata=metadata)
        assert {c.conversation_id for c in listed.conversations} == ids
    for metadata, own, other in ((ALPHA, [alpha_c1, alpha_other], [beta_c1]), (BETA, [beta_c1], [alpha_c1])):
        for cid in other:
            with pytest.raises(aio.AioRpcError) as caught:
                await on_redis.conversations.GetConversation(pb.GetConversationRequest(conversation_id=cid),
                                                             metadata=metadata)
            assert caught.value.code() == grpc.StatusCode.NOT_FOUND
        for cid in own:
            got = await on_redis.conversations.GetConversation(pb.GetConversationRequest(conversation_id=cid),
                                                               metadata=metadata)
            assert got.conversation_id == cid
