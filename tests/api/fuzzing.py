"""Request generators for every RPC, built from the proto descriptors, and one call that classifies the outcome.

Shared by tests/api/test_fuzz.py (hypothesis, in the test suite) and bench/fuzz_rpc.py
(a longer campaign). Messages: random field values, huge strings, every Unicode plane,
NUL and control characters, extreme and non-finite numbers, unknown enum values,
oversize maps and lists. Wire payloads: a valid message with a string field holding
invalid UTF-8, truncated messages and random bytes (the proto has no ``bytes`` fields
and no ``Struct`` in a request, so invalid UTF-8 can only arrive this way).
A field added to the API is fuzzed without anyone remembering to.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.internal import encoder
from google.protobuf.message import Message
from hypothesis import strategies as st

from server._proto.handoff.v1 import handoff_pb2 as pb

# every status the API documents for bad input or a missing dependency
ALLOWED = frozenset({
    grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
})
KNOWN = "fuzz-known"
CALL_TIMEOUT_S = 10.0

_HUGE = st.builds(lambda n, c: c * n, st.sampled_from([5_000, 100_000, 1_200_000]), st.sampled_from("aé😀\x00 "))
_ODD = st.one_of(
    st.text(min_size=600, max_size=700),
    st.text(alphabet=st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF, categories=["L", "So", "Co"]),
            max_size=20),  # beyond the basic plane
    st.sampled_from(["\u202eevil", "e\u0301" * 50, "\ufeff", "%s%n{0}", "' OR 1=1 --", "../../etc/passwd", " "]),
)
_PLAUSIBLE = st.sampled_from([  # words some fields expect, so calls reach the logic behind the checks
    "used", "seen", "dismissed", "application/json", "text/plain", "crm", "resolved", "{\"order\": \"88412\"}",
    "My order 88412 has not arrived and I want a refund of $40", "I will send you a reset link today.",
    "Could you give me your order number?", "I want to talk to a human now!", "issue", "deployment",
])
_ORDINARY = st.one_of(st.text(max_size=40), st.text(alphabet="abc-_.:@ \x00\n", max_size=12), st.just(""),
                      _PLAUSIBLE, _PLAUSIBLE)
# mostly ordinary (to get past validation into the logic), sometimes odd, now and then huge
TEXT = st.integers(0, 19).flatmap(lambda i: _HUGE if i == 0 else _ODD if i < 5 else _ORDINARY)
INT32 = st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, -1, 1, 2**31 - 1, -(2**31)]))
DOUBLE = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 5e-324, 1.7976931348623157e308]),
)
SCALARS: dict[int, st.SearchStrategy[Any]] = {
    FieldDescriptor.TYPE_STRING: TEXT,
    FieldDescriptor.TYPE_INT32: INT32,
    FieldDescriptor.TYPE_DOUBLE: DOUBLE,
    FieldDescriptor.TYPE_BOOL: st.booleans(),
}


def _enum(field: FieldDescriptor) -> st.SearchStrategy[int]:
    known = st.sampled_from([v.number for v in field.enum_type.values if v.number] or [0])  # 0 is UNSPECIFIED
    return st.one_of(known, known, st.integers(-3, 12), INT32)  # mostly known values, some unknown
CONVERSATION_ID = st.one_of(st.just(KNOWN), st.just(KNOWN), TEXT)
# always set, mostly well-formed, so calls get past the id checks into the logic
ID = st.one_of(st.from_regex(r"[a-z0-9][a-z0-9._:-]{0,20}", fullmatch=True), TEXT)
ID_FIELDS = {"conversation_id": CONVERSATION_ID, "open_conversation_id": CONVERSATION_ID, "request_id": ID,
             "suggestion_id": ID}


def messages(descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[Message]:
    cls = getattr(pb, descriptor.name, None) or message_factory.GetMessageClass(descriptor)
    fields, always = {}, {}
    for field in descriptor.fields:
        strategy = _field(field, depth)
        if strategy is not None:
            required = field.name in ID_FIELDS or (field.type == FieldDescriptor.TYPE_ENUM and not field.is_repeated)
            (always if required else fields)[field.name] = strategy
    return st.fixed_dictionaries(always, optional=fields).map(lambda values: _build(cls, values))


def _field(field: FieldDescriptor, depth: int) -> st.SearchStrategy[Any] | None:
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        return st.one_of(st.dictionaries(TEXT, TEXT, max_size=3), st.dictionaries(st.text(max_size=8), st.just("v"),
                                                                                   min_size=33, max_size=40))
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        if depth >= 2 or field.message_type.full_name.startswith("google.protobuf"):
            return None
        inner: st.SearchStrategy[Any] = messages(field.message_type, depth + 1)
    elif field.name in ID_FIELDS:
        inner = ID_FIELDS[field.name]
    elif field.type == FieldDescriptor.TYPE_ENUM:
        inner = _enum(field)
    else:
        inner = SCALARS.get(field.type)  # type: ignore[assignment]
        if inner is None:
            return None
    if field.is_repeated:
        many = _ORDINARY if field.type == FieldDescriptor.TYPE_STRING else inner
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            return st.lists(inner, max_size=3)
        return st.one_of(st.lists(inner, max_size=3), st.lists(many, min_size=50, max_size=60))
    return inner


def _build(cls: type[Message], values: dict[str, Any]) -> Message:
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


# ------------------------------------------------------------------ malformed wire payloads


def _string_fields(descriptor: Descriptor) -> list[int]:
    return [f.number for f in descriptor.fields if f.type == FieldDescriptor.TYPE_STRING]


def wire_payloads(descriptor: Descriptor) -> st.SearchStrategy[bytes]:
    """Bytes that are not a valid message of this type, or only barely are."""
    base = messages(descriptor).map(lambda m: m.SerializeToString())
    invalid_utf8 = st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"ok\x80"])
    numbers = _string_fields(descriptor)
    strategies = [
        st.binary(max_size=64),
        base.flatmap(lambda raw: st.integers(1, max(1, len(raw))).map(lambda cut: raw[:-cut] if raw else b"\x0a")),
    ]
    if numbers:
        strategies.append(st.tuples(base, st.sampled_from(numbers), invalid_utf8).map(
            lambda t: t[0] + _string_field(t[1], t[2])))
    return st.one_of(*strategies)


def _string_field(number: int, value: bytes) -> bytes:
    tag = encoder.TagBytes(number, 2)  # wire type 2: length-delimited
    size: list[bytes] = []
    encoder._EncodeVarint(size.append, len(value))  # noqa: SLF001
    return tag + b"".join(size) + value


# ------------------------------------------------------------------ calling and classifying


@dataclass(frozen=True)
class Rpc:
    service: str
    name: str
    method: MethodDescriptor

    @property
    def path(self) -> str:
        return f"/{self.method.containing_service.full_name}/{self.name}"

    @property
    def client_streaming(self) -> bool:
        return bool(self.method.client_streaming)

    @property
    def server_streaming(self) -> bool:
        return bool(self.method.server_streaming)


ENDS_CONVERSATIONS = ("ReportEvent", "CompleteConversation")  # fuzzed last: they may complete the known one


def rpcs() -> list[Rpc]:
    found = [Rpc(service.name, method.name, method)
             for service in pb.DESCRIPTOR.services_by_name.values() for method in service.methods]
    return sorted(found, key=lambda rpc: rpc.name in ENDS_CONVERSATIONS)


def requests_for(rpc: Rpc) -> st.SearchStrategy[Any]:
    one = messages(rpc.method.input_type)
    return st.lists(one, min_size=1, max_size=3) if rpc.client_streaming else one


@dataclass(frozen=True)
class Outcome:
    code: grpc.StatusCode
    details: str
    seconds: float

    @property
    def failure(self) -> str:
        """"" when the outcome is one the API documents; else what is wrong with it."""
        if self.code == grpc.StatusCode.DEADLINE_EXCEEDED and self.seconds >= CALL_TIMEOUT_S - 0.5:
            return "timeout"
        if self.code not in ALLOWED:
            return self.code.name
        if self.code != grpc.StatusCode.OK and not self.details:
            return f"{self.code.name} without a message"
        return ""


def call(channel: grpc.Channel, rpc: Rpc, request: Any, *, raw: bool = False) -> Outcome:
    """Send one request (a message, a list for client streams, or bytes when ``raw``) and classify the end."""
    serialize = (lambda b: b) if raw else (lambda m: m.SerializeToString())
    ident = (lambda b: b)
    kind = ("stream" if rpc.client_streaming else "unary") + "_" + ("stream" if rpc.server_streaming else "unary")
    stub = getattr(channel, kind)(rpc.path, request_serializer=serialize, response_deserializer=ident)
    payload = iter(request if isinstance(request, list) else [request]) if rpc.client_streaming else request
    started = time.perf_counter()
    try:
        result = stub(payload, timeout=CALL_TIMEOUT_S)
        if rpc.server_streaming:
            for _ in result:
                pass
    except grpc.RpcError as error:
        return Outcome(error.code(), error.details() or "", time.perf_counter() - started)  # type: ignore[attr-defined]
    return Outcome(grpc.StatusCode.OK, "", time.perf_counter() - started)
