"""Every RPC fed generated messages: any input gets a clear status, never UNKNOWN or INTERNAL.

Requests are generated from the proto descriptors themselves, so a field added to
the API is fuzzed without anyone remembering to. Conversation ids are biased
towards one that exists, so calls get past the NOT_FOUND check into the logic.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc
from tests.api.conftest import start_server, test_settings

ALLOWED = {
    grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
}
KNOWN = "fuzz-known"
TEXT = st.one_of(st.text(max_size=40), st.text(alphabet="abc-_.:@ \x00\n", max_size=12), st.just(""),
                 st.text(min_size=600, max_size=700))
SCALARS = {
    FieldDescriptor.TYPE_STRING: TEXT,
    FieldDescriptor.TYPE_INT32: st.integers(-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_DOUBLE: st.floats(allow_nan=True, allow_infinity=True),
    FieldDescriptor.TYPE_BOOL: st.booleans(),
    FieldDescriptor.TYPE_ENUM: st.integers(-3, 12),
}
CONVERSATION_ID = st.one_of(st.just(KNOWN), TEXT)


def messages(descriptor, depth: int = 0) -> st.SearchStrategy[Message]:  # type: ignore[no-untyped-def]
    cls = getattr(pb, descriptor.name, None) or _message_class(descriptor)
    fields = {}
    for field in descriptor.fields:
        strategy = _field(field, depth)
        if strategy is not None:
            fields[field.name] = strategy
    return st.fixed_dictionaries({}, optional=fields).map(lambda values: _build(cls, values))


def _message_class(descriptor):  # type: ignore[no-untyped-def]
    from google.protobuf import message_factory

    return message_factory.GetMessageClass(descriptor)


def _field(field: FieldDescriptor, depth: int) -> st.SearchStrategy | None:
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        return st.dictionaries(TEXT, TEXT, max_size=3)
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        if depth >= 2 or field.message_type.full_name.startswith("google.protobuf"):
            return None
        inner = messages(field.message_type, depth + 1)
    elif field.name == "conversation_id" or field.name == "open_conversation_id":
        inner = CONVERSATION_ID
    else:
        inner = SCALARS.get(field.type)
        if inner is None:
            return None
    if field.is_repeated:
        return st.lists(inner, max_size=3)
    return inner


def _build(cls, values):  # type: ignore[no-untyped-def]
    message = cls()
    for name, value in values.items():
        field = message.DESCRIPTOR.fields_by_name[name]
        if isinstance(value, dict):
            getattr(message, name).update(value)
        elif field.is_repeated:
            getattr(message, name).extend(value)
        elif isinstance(value, Message):
            getattr(message, name).CopyFrom(value)
        else:
            setattr(message, name, value)
    return message


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


def rpc_methods() -> Iterator[tuple[str, str, object]]:
    for service in pb.DESCRIPTOR.services_by_name.values():
        for method in service.methods:
            yield service.name, method.name, method


RPCS = list(rpc_methods())
TRIED: dict[str, int] = {}


@pytest.mark.parametrize(("service", "name", "method"), RPCS, ids=[f"{s}.{n}" for s, n, _ in RPCS])
def test_generated_requests_get_a_clear_status(channel: grpc.Channel, service: str, name: str, method) -> None:  # type: ignore[no-untyped-def]
    stub = getattr(pb_grpc, f"{service}Stub")(channel)
    call = getattr(stub, name)
    streaming = method.client_streaming

    @settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
    @given(st.lists(messages(method.input_type), min_size=1, max_size=3) if streaming else messages(method.input_type))
    def check(request) -> None:  # type: ignore[no-untyped-def]
        TRIED[name] = TRIED.get(name, 0) + 1
        try:
            if streaming:
                for _ in call(iter(request), timeout=10):
                    pass
            elif method.server_streaming:
                for _ in call(request, timeout=10):
                    pass
            else:
                call(request, timeout=10)
        except grpc.RpcError as error:
            assert error.code() in ALLOWED, f"{name}: {error.code()} {error.details()!r} for {request!r}"[:2000]
            assert error.details(), f"{name}: {error.code()} without a message"

    check()
    assert TRIED[name] >= int(os.environ.get("FUZZ_EXAMPLES", "60"))


def test_the_server_is_still_healthy_after_the_fuzzing(channel: grpc.Channel) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
