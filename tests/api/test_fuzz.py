"""Every RPC fed generated messages and malformed bytes: a documented status, never UNKNOWN, INTERNAL or a hang.

Requests are generated from the proto descriptors themselves (tests/api/fuzzing.py),
so a field added to the API is fuzzed without anyone remembering to. Conversation ids
are biased towards one that exists, so calls get past the NOT_FOUND check into the
logic. Each call has a timeout; one that runs into it counts as a hang. The server is
still healthy at the end. ``FUZZ_EXAMPLES`` sets the examples per RPC (default 60);
bench/fuzz_rpc.py runs a longer campaign.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc
from tests.api.conftest import start_server, test_settings
from tests.api.fuzzing import KNOWN, Rpc, call, requests_for, rpcs, wire_payloads

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
RPCS = list(rpcs())
TRIED: dict[str, int] = {}


class ServerThread:
    """A real server on port 0 in its own event loop, so hypothesis can drive it synchronously."""

    def __init__(self, data_dir: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(data_dir,), daemon=True)
        self.thread.start()
        self.ready.wait(30)

    def _run(self, data_dir: Path) -> None:
        asyncio.set_event_loop(self.loop)
        self.running = self.loop.run_until_complete(start_server(test_settings(data_dir, max_turn_chars=500)))
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.loop.shutdown_default_executor())
        self.loop.close()  # else a later collection finds it, and its self-pipe, unclosed

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.running.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def channel(tmp_path_factory) -> Iterator[grpc.Channel]:  # type: ignore[no-untyped-def]
    server = ServerThread(tmp_path_factory.mktemp("fuzz"))
    with grpc.insecure_channel(f"127.0.0.1:{server.running.port}") as ch:
        pb_grpc.ConversationServiceStub(ch).CreateConversation(pb.CreateConversationRequest(conversation_id=KNOWN))
        yield ch
    server.stop()


def _fuzz(strategy: st.SearchStrategy, check) -> None:  # type: ignore[no-untyped-def]
    settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)(
        given(strategy)(check)
    )()


@pytest.mark.parametrize("rpc", RPCS, ids=[f"{r.service}.{r.name}" for r in RPCS])
def test_generated_requests_get_a_clear_status(channel: grpc.Channel, rpc: Rpc) -> None:
    def check(request) -> None:  # type: ignore[no-untyped-def]
        TRIED[rpc.name] = TRIED.get(rpc.name, 0) + 1
        outcome = call(channel, rpc, request)
        assert not outcome.failure, f"{rpc.name}: {outcome} for {request!r}"[:2000]

    _fuzz(requests_for(rpc), check)
    assert TRIED[rpc.name] >= EXAMPLES


@pytest.mark.parametrize("rpc", RPCS, ids=[f"{r.service}.{r.name}" for r in RPCS])
def test_malformed_bytes_are_invalid_argument_not_unknown(channel: grpc.Channel, rpc: Rpc) -> None:
    """Invalid UTF-8 in a string field, a truncated message, random bytes: decoded in the
    call interceptor, so gRPC's own UNKNOWN (unary) or INTERNAL (streams) never reaches a client."""
    tried = [0]

    def check(payload: bytes) -> None:
        tried[0] += 1
        outcome = call(channel, rpc, [payload] if rpc.client_streaming else payload, raw=True)
        assert not outcome.failure, f"{rpc.name}: {outcome} for {payload!r}"[:2000]

    _fuzz(wire_payloads(rpc.method.input_type), check)
    assert tried[0] >= EXAMPLES


def test_invalid_utf8_is_invalid_argument_with_a_message(channel: grpc.Channel) -> None:
    rpc = next(r for r in RPCS if r.name == "GetConversation")
    outcome = call(channel, rpc, b"\x0a\x02\xff\xfe", raw=True)  # conversation_id = b"\xff\xfe"
    assert outcome.code == grpc.StatusCode.INVALID_ARGUMENT and "UTF-8" in outcome.details


def test_the_server_is_still_healthy_after_the_fuzzing(channel: grpc.Channel) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    created = pb_grpc.ConversationServiceStub(channel).CreateConversation(pb.CreateConversationRequest(), timeout=5)
    assert created.conversation_id
