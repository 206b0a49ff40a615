"""API keys: none or a wrong one is UNAUTHENTICATED and says what to send; health and reflection stay open."""

from __future__ import annotations

import grpc
import pytest
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from server._proto.handoff.v1 import handoff_pb2 as pb
from server.api.keys import ApiKeys, digest
from server.errors import InvalidArgumentError
from tests.api.conftest import Running
from tests.security.conftest import ALPHA, ALPHA_KEY, BETA_KEY, create


@pytest.mark.parametrize(
    "metadata",
    [(), (("authorization", "Bearer wrong-key"),), (("x-api-key", "wrong-key"),), (("authorization", ALPHA_KEY),)],
    ids=["none", "wrong bearer", "wrong x-api-key", "no Bearer scheme"],
)
async def test_a_call_without_a_known_key_is_unauthenticated(tenants: Running, metadata: tuple) -> None:
    with pytest.raises(aio.AioRpcError) as caught:
        await tenants.conversations.ListConversations(pb.ListConversationsRequest(), metadata=metadata)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "authorization: Bearer <key>" in caught.value.details()


async def test_a_stream_without_a_key_is_unauthenticated(tenants: Running) -> None:
    call = tenants.handoff.StreamHandoffProse(pb.HandoffRequest(conversation_id="x"))
    with pytest.raises(aio.AioRpcError) as caught:
        async for _ in call:
            pass
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_both_headers_and_both_key_forms_name_their_tenant(tenants: Running) -> None:
    by_bearer = await create(tenants, (("authorization", f"bearer {BETA_KEY}"),))
    by_header = await create(tenants, (("x-api-key", ALPHA_KEY),))
    assert (await tenants.runtime.store.get_conversation(by_bearer)).tenant == "beta"
    assert (await tenants.runtime.store.get_conversation(by_header)).tenant == "alpha"


async def test_health_and_reflection_need_no_key(tenants: Running) -> None:
    health = await health_pb2_grpc.HealthStub(tenants.channel).Check(health_pb2.HealthCheckRequest())
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    stub = reflection_pb2_grpc.ServerReflectionStub(tenants.channel)
    async for answer in stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")])):
        names = {s.name for s in answer.list_services_response.service}
        assert "handoff.v1.ConversationService" in names
        break


async def test_without_keys_every_call_is_the_default_tenant(running: Running) -> None:
    cid = await running.create()
    assert (await running.runtime.store.get_conversation(cid)).tenant == "default"


def test_keys_parse_from_a_file_and_compare_by_hash(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "keys.json"
    path.write_text('{"acme": ["sha256:%s", "plain-key"]}' % digest("hashed-key").hex().upper())
    keys = ApiKeys.parse(str(path))
    assert (keys.tenant_for("hashed-key"), keys.tenant_for("plain-key"), keys.tenant_for("other")) == (
        "acme", "acme", None)
    assert not ApiKeys.parse("")


@pytest.mark.parametrize(
    ("config", "says"),
    [
        ('{"acme": "sha256:abc"}', "64 hex digits"),
        ('["k"]', "must look like"),
        ('{"bad tenant": ["k"]}', "tenant name"),
        ('{"a": ["k"], "b": ["k"]}', "twice"),
        ("{not json", "not valid JSON"),
        ("/no/such/keys.json", "cannot read"),
    ],
)
def test_bad_key_configuration_fails_loudly(config: str, says: str) -> None:
    with pytest.raises(InvalidArgumentError, match=says):
        ApiKeys.parse(config)



def test_the_clients_key_variable_is_not_a_server_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from server.config import load_settings

    monkeypatch.setenv("HANDOFF_API_KEY", "for-the-cli")
    assert load_settings().api_keys == ""
    monkeypatch.setenv("HANDOFF_API_KEYZ", "typo")
    with pytest.raises(InvalidArgumentError, match="HANDOFF_API_KEYZ"):
        load_settings()
