"""The one server interceptor, and the one place domain errors become gRPC statuses.

Every call is decoded here, admitted by the tenant gate (server.api.auth), timed
per method and status for Prometheus, and its error translated: a ``HandoffError``
is answered with its own status and message; anything else is logged with its
traceback and answered INTERNAL with a generic message, so a client never sees
UNKNOWN or internal text.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from grpc import aio

from server.api.auth import OPEN, OpenGate, TenantGate
from server.errors import HandoffError, InvalidArgumentError

logger = logging.getLogger(__name__)

Observer = Callable[[str, str, float], None]  # (method, status code name, seconds)
ErrorHook = Callable[[BaseException], None]  # sees every error a call ends with (dependency health)
Gate = TenantGate | OpenGate


async def _abort(context: aio.ServicerContext, method: str, error: BaseException) -> None:
    if isinstance(error, HandoffError):
        await context.abort(error.status, str(error))
    logger.error("unexpected error in %s", method, exc_info=error)
    await context.abort(grpc.StatusCode.INTERNAL, "internal error; the server log has the details")


def _is_abort(error: BaseException) -> bool:
    # context.abort() raises AbortError; let it (and cancellation) through untouched
    return isinstance(error, aio.AbortError)


class CallInterceptor(aio.ServerInterceptor):
    """The one interceptor: decodes the request, admits the caller, maps errors, times the call.

    Per call, in this order: the request is decoded (a malformed one is INVALID_ARGUMENT
    before its key is looked at), the tenant gate admits the caller (all but health and
    reflection), the servicer runs, and the outcome is observed per method and status.
    The wrapped handler is built once per method and kept: what differs between calls
    (the metadata) is read from the call's context, not captured.
    """

    def __init__(
        self, observe: Observer | None = None, on_error: ErrorHook | None = None, gate: TenantGate | None = None
    ) -> None:
        self._observe = observe
        self._on_error = on_error
        self._gate = gate
        self._handlers: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None:
            return handler
        method = details.method
        known = self._handlers.get(method)
        if known is None or known[0] is not handler:  # the resolver hands out one handler per method
            known = self._handlers[method] = (handler, self._wrap(method, handler))
        return known[1]

    def _wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        gate = OPEN if self._gate is None else self._gate.for_method(method)
        # Requests are decoded inside the wrapper, so a malformed one (invalid UTF-8, a corrupt
        # wire format) is INVALID_ARGUMENT rather than gRPC's own UNKNOWN or INTERNAL.
        one = _decoder(handler.request_deserializer)
        many = functools.partial(_decoded_stream, decode=one)
        serialize = handler.response_serializer
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(method, handler.unary_unary, one, gate), None, serialize)
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._stream(method, handler.unary_stream, one, gate), None, serialize)
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                self._unary(method, handler.stream_unary, many, gate), None, serialize)
        return grpc.stream_stream_rpc_method_handler(
            self._stream(method, handler.stream_stream, many, gate), None, serialize)

    def _record(self, method: str, code: str, started: float) -> None:
        if self._observe is not None:
            self._observe(method, code, time.perf_counter() - started)

    def _failed(self, method: str, error: BaseException, started: float) -> None:
        self._record(method, _code_name(error), started)
        if self._on_error is not None:
            self._on_error(error)

    def _unary(
        self, method: str, behaviour: Callable[..., Awaitable[Any]], decode: Callable[[Any], Any], gate: Gate
    ) -> Callable[..., Awaitable[Any]]:
        async def wrapper(request: Any, context: aio.ServicerContext) -> Any:
            started = time.perf_counter()
            try:
                request = decode(request)
                token = gate.enter(context)
                try:
                    response = await behaviour(request, context)
                finally:
                    gate.leave(token)
            except Exception as error:
                if _is_abort(error):
                    self._record(method, _aborted_with(context), started)
                    raise
                self._failed(method, error, started)
                await _abort(context, method, error)
            self._record(method, "OK", started)
            return response

        return wrapper

    def _stream(
        self, method: str, behaviour: Callable[..., AsyncIterator[Any]], decode: Callable[[Any], Any], gate: Gate
    ) -> Callable[..., AsyncIterator[Any]]:
        async def wrapper(request: Any, context: aio.ServicerContext) -> AsyncIterator[Any]:
            started = time.perf_counter()
            try:
                request = decode(request)
                tenant = gate.open_stream(context)
                try:
                    async for response in behaviour(request, context):
                        yield response
                finally:
                    gate.close_stream(tenant)
            except Exception as error:
                if _is_abort(error):
                    self._record(method, _aborted_with(context), started)
                    raise
                self._failed(method, error, started)
                await _abort(context, method, error)
            self._record(method, "OK", started)

        return wrapper


def _aborted_with(context: aio.ServicerContext) -> str:
    """The code a servicer's own context.abort() set, named as the other outcomes are (NOT_FOUND)."""
    return getattr(context.code(), "name", None) or "ABORTED"


def _decoder(deserializer: Callable[[bytes], Any] | None) -> Callable[[Any], Any]:
    def decode(raw: Any) -> Any:
        if deserializer is None:
            return raw
        try:
            return deserializer(raw)
        except Exception as e:  # protobuf's DecodeError: invalid UTF-8 in a string, corrupt wire format
            raise InvalidArgumentError(f"malformed request: {e}") from e

    return decode


async def _decoded_stream(requests: AsyncIterator[bytes], decode: Callable[[Any], Any]) -> AsyncIterator[Any]:
    async for raw in requests:
        yield decode(raw)


def _code_name(error: BaseException) -> str:
    return error.status.name if isinstance(error, HandoffError) else "INTERNAL"
