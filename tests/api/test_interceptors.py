"""What every call passes on its way in: decoding, the tenant's key and quotas, statuses, metrics.

A probe service on a real server on port 0, behind the interceptors ``server.app``
installs, so each concern can be made to fail on purpose.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc import aio

from server._proto.handoff.v1 import handoff_pb2 as pb
from server.api.tenancy import tenant
from server.app import interceptors
from server.errors import NotFoundError
from server.observability import REGISTRY
from tests.api.conftest import test_settings

CALL, STREAM, COLLECT = "/probe.v1.Probe/Call", "/probe.v1.Probe/Stream", "/probe.v1.Probe/Collect"
ALPHA, BETA = (("authorization", "Bearer alpha-key"),), (("x-api-key", "beta-key"),)
KEYS = json.dumps({"alpha": ["alpha-key"], "beta": ["beta-key"]})
INVALID_UTF8 = b"\x22\x02\xff\xfe"  # field 4 (text), a string that is not UTF-8


def reply(text: str) -> pb.AppendTurnResponse:
    return pb.AppendTurnResponse(turn=pb.Turn(text=text))


class Probe:
    """Answers with the caller's tenant; ``text`` says how to fail."""

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def call(self, request: pb.AppendTurnRequest, context: aio.ServicerContext) -> pb.AppendTurnResponse:
        if request.text == "missing":
            raise NotFoundError("no such thing")
        if request.text == "crash":
            raise RuntimeError("a bug")
        if request.text == "abort":
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, "aborted by the servicer")
        return reply(tenant())

    async def stream(self, request: pb.AppendTurnRequest, context: aio.ServicerContext) -> AsyncIterator[Any]:
        yield reply(tenant())
        if request.text == "crash":
            raise RuntimeError("a bug midway")
        if request.text == "abort":
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, "aborted by the servicer")
        if request.text == "hold":
            await self.release.wait()
        yield reply(tenant())

    async def collect(self, requests: AsyncIterator[pb.AppendTurnRequest], context: aio.ServicerContext) -> Any:
        texts = [request.text async for request in requests]
        return reply(f"{tenant()}:{','.join(texts)}")

    def handlers(self) -> grpc.GenericRpcHandler:
        decode, encode = pb.AppendTurnRequest.FromString, pb.AppendTurnResponse.SerializeToString
        return grpc.method_handlers_generic_handler("probe.v1.Probe", {
            "Call": grpc.unary_unary_rpc_method_handler(self.call, decode, encode),
            "Stream": grpc.unary_stream_rpc_method_handler(self.stream, decode, encode),
            "Collect": grpc.stream_unary_rpc_method_handler(self.collect, decode, encode),
        })


@dataclass
class ProbeServer:
    server: aio.Server
    channel: aio.Channel
    probe: Probe
    errors: list[BaseException] = field(default_factory=list)

    async def call(self, text: str = "", metadata: Any = ALPHA) -> str:
        method = self.channel.unary_unary(CALL, pb.AppendTurnRequest.SerializeToString, pb.AppendTurnResponse.FromString)
        return (await method(pb.AppendTurnRequest(text=text), metadata=metadata, timeout=10)).turn.text

    def stream(self, text: str = "", metadata: Any = ALPHA) -> Any:
        method = self.channel.unary_stream(STREAM, pb.AppendTurnRequest.SerializeToString,
                                           pb.AppendTurnResponse.FromString)
        return method(pb.AppendTurnRequest(text=text), metadata=metadata, timeout=10)

    async def raw(self, method: str, payload: bytes, metadata: Any = ALPHA) -> bytes:
        return await self.channel.unary_unary(method)(payload, metadata=metadata, timeout=10)


async def start(tmp_path: Path, **overrides: object) -> ProbeServer:
    probe, errors = Probe(), []
    settings = test_settings(tmp_path, **{"api_keys": KEYS, **overrides})
    server = aio.server(interceptors=interceptors(settings, errors.append))
    server.add_generic_rpc_handlers((probe.handlers(),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return ProbeServer(server, aio.insecure_channel(f"127.0.0.1:{port}"), probe, errors)


@pytest.fixture
async def probe(tmp_path: Path) -> AsyncIterator[ProbeServer]:
    running = await start(tmp_path, rate_limit_per_s=5, rate_limit_burst=1, max_streams_per_tenant=1)
    yield running
    running.probe.release.set()
    await running.channel.close()
    await running.server.stop(None)


def calls(method: str, code: str) -> float:
    return REGISTRY.get_sample_value("handoff_rpc_duration_seconds_count", {"method": method, "code": code}) or 0.0


def errors(method: str, code: str) -> float:
    return REGISTRY.get_sample_value("handoff_rpc_errors_total", {"method": method, "code": code}) or 0.0


async def status(call: Any) -> grpc.StatusCode:
    try:
        await call
    except aio.AioRpcError as error:
        assert error.details(), error  # every refusal says why
        return error.code()
    return grpc.StatusCode.OK


async def settle() -> None:
    await asyncio.sleep(0.25)  # one token back in the bucket (5/s, burst 1)


async def test_each_call_sees_its_own_tenant_on_the_same_method(probe: ProbeServer) -> None:
    seen = []
    for metadata in (ALPHA, BETA, ALPHA):
        seen.append(await probe.call(metadata=metadata))
        await settle()
    assert seen == ["alpha", "beta", "alpha"]
    assert await status(probe.call(metadata=(("authorization", "Bearer wrong"),))) == grpc.StatusCode.UNAUTHENTICATED
    assert await status(probe.call(metadata=())) == grpc.StatusCode.UNAUTHENTICATED
    assert [message.turn.text async for message in probe.stream(metadata=BETA)] == ["beta", "beta"]


async def test_every_outcome_is_counted_per_method_with_its_code(probe: ProbeServer) -> None:
    codes = ["OK", "NOT_FOUND", "INTERNAL", "UNAUTHENTICATED", "RESOURCE_EXHAUSTED", "INVALID_ARGUMENT"]
    before = {code: (calls(CALL, code), errors(CALL, code)) for code in codes}
    assert await status(probe.call()) == grpc.StatusCode.OK
    assert await status(probe.call(metadata=BETA)) == grpc.StatusCode.OK
    assert await status(probe.call(metadata=BETA)) == grpc.StatusCode.RESOURCE_EXHAUSTED
    await settle()
    assert await status(probe.call("missing")) == grpc.StatusCode.NOT_FOUND
    await settle()
    assert await status(probe.call("crash")) == grpc.StatusCode.INTERNAL
    assert await status(probe.call(metadata=())) == grpc.StatusCode.UNAUTHENTICATED
    assert await status(probe.raw(CALL, INVALID_UTF8)) == grpc.StatusCode.INVALID_ARGUMENT
    added = {code: (calls(CALL, code) - before[code][0], errors(CALL, code) - before[code][1]) for code in codes}
    assert added == {"OK": (2, 0), "NOT_FOUND": (1, 1), "INTERNAL": (1, 1), "UNAUTHENTICATED": (1, 1),
                     "RESOURCE_EXHAUSTED": (1, 1), "INVALID_ARGUMENT": (1, 1)}
    assert [type(e).__name__ for e in probe.errors] == [
        "ResourceExhaustedError", "NotFoundError", "RuntimeError", "UnauthenticatedError", "InvalidArgumentError"]


async def test_a_stream_failing_midway_is_internal_counted_and_frees_its_slot(probe: ProbeServer) -> None:
    before = calls(STREAM, "INTERNAL"), calls(STREAM, "OK")
    for _ in range(2):  # the cap is one stream: the second opens only if the first gave its slot back
        received = []
        with pytest.raises(aio.AioRpcError) as caught:
            async for message in probe.stream("crash"):
                received.append(message.turn.text)
        assert caught.value.code() == grpc.StatusCode.INTERNAL and received == ["alpha"]
        assert "a bug" not in (caught.value.details() or "")
        await settle()
    assert [message.turn.text async for message in probe.stream()] == ["alpha", "alpha"]
    assert (calls(STREAM, "INTERNAL"), calls(STREAM, "OK")) == (before[0] + 2, before[1] + 1)


async def test_a_rate_limited_stream_is_refused_and_holds_no_slot(probe: ProbeServer) -> None:
    await probe.call()
    refused = probe.stream()
    assert await status(refused.read()) == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "rate limit" in (await refused.details() or "")
    await settle()
    held = probe.stream("hold")  # the cap is one stream: this opens only if the refused one took none
    assert (await held.read()).turn.text == "alpha"
    await settle()
    over = probe.stream()
    assert await status(over.read()) == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "HANDOFF_MAX_STREAMS_PER_TENANT" in (await over.details() or "")
    assert [m.turn.text async for m in probe.stream(metadata=BETA)] == ["beta", "beta"]  # counted apart
    probe.probe.release.set()
    assert (await held.read()).turn.text == "alpha"
    assert await held.read() is aio.EOF


async def test_a_request_stream_is_decoded_message_by_message(probe: ProbeServer) -> None:
    method = probe.channel.stream_unary(COLLECT)
    good = pb.AppendTurnRequest(text="one").SerializeToString()
    answer = await method(iter([good, good]), metadata=BETA, timeout=10)
    assert pb.AppendTurnResponse.FromString(answer).turn.text == "beta:one,one"
    await settle()
    assert await status(method(iter([good, INVALID_UTF8]), metadata=BETA, timeout=10)) == \
        grpc.StatusCode.INVALID_ARGUMENT
    assert await status(method(iter([good]), metadata=(), timeout=10)) == grpc.StatusCode.UNAUTHENTICATED


async def test_a_malformed_request_is_invalid_argument_before_its_key_is_looked_at(probe: ProbeServer) -> None:
    assert await status(probe.raw(CALL, INVALID_UTF8, metadata=())) == grpc.StatusCode.INVALID_ARGUMENT
    assert await status(probe.raw(CALL, b"\xff\xff\xff", metadata=())) == grpc.StatusCode.INVALID_ARGUMENT


async def test_an_unknown_method_is_unimplemented(probe: ProbeServer) -> None:
    assert await status(probe.raw("/probe.v1.Probe/Nothing", b"")) == grpc.StatusCode.UNIMPLEMENTED


async def test_without_keys_every_call_is_the_default_tenant(tmp_path: Path) -> None:
    running = await start(tmp_path, api_keys="")
    try:
        assert await running.call(metadata=()) == "default"
        assert await running.call(metadata=(("authorization", "Bearer anything"),)) == "default"
    finally:
        await running.channel.close()
        await running.server.stop(None)


async def test_a_servicers_own_abort_is_counted_under_its_code(probe: ProbeServer) -> None:
    before = calls(CALL, "FAILED_PRECONDITION"), calls(STREAM, "FAILED_PRECONDITION")
    assert await status(probe.call("abort")) == grpc.StatusCode.FAILED_PRECONDITION
    await settle()
    with pytest.raises(aio.AioRpcError) as caught:
        async for _ in probe.stream("abort"):
            pass
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert calls(CALL, "FAILED_PRECONDITION") == before[0] + 1
    # the client can hear the status before the server's wrapper, resumed after sending it, counts it
    for _ in range(100):
        if calls(STREAM, "FAILED_PRECONDITION") > before[1]:
            break
        await asyncio.sleep(0.01)
    assert calls(STREAM, "FAILED_PRECONDITION") == before[1] + 1
