"""The one place domain errors become gRPC statuses.

A ``HandoffError`` is answered with its own status and message. Anything else is
logged with its traceback and answered INTERNAL with a generic message, so a
client never sees UNKNOWN or internal text.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from grpc import aio

from server.errors import HandoffError, InvalidArgumentError

logger = logging.getLogger(__name__)

Observer = Callable[[str, str, float], None]  # (method, status code name, seconds)
ErrorHook = Callable[[BaseException], None]  # sees every error a call ends with (dependency health)


async def _abort(context: aio.ServicerContext, method: str, error: BaseException) -> None:
    if isinstance(error, HandoffError):
        await context.abort(error.status, str(error))
    logger.error("unexpected error in %s", method, exc_info=error)
    await context.abort(grpc.StatusCode.INTERNAL, "internal error; the server log has the details")


def _is_abort(error: BaseException) -> bool:
    # context.abort() raises AbortError; let it (and cancellation) through untouched
    return isinstance(error, aio.AbortError)


class ErrorInterceptor(aio.ServerInterceptor):
    def __init__(self, observe: Observer | None = None, on_error: ErrorHook | None = None) -> None:
        self._observe = observe
        self._on_error = on_error

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None:
            return handler
        method, decode = details.method, _decoder(handler.request_deserializer)
        # Requests are decoded inside the wrapper, so a malformed one (invalid UTF-8, a corrupt
        # wire format) is INVALID_ARGUMENT rather than gRPC's own UNKNOWN or INTERNAL.
        one, many = decode, functools.partial(_decoded_stream, decode=decode)
        serialize = handler.response_serializer
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(self._unary(method, handler.unary_unary, one), None, serialize)
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(self._stream(method, handler.unary_stream, one), None, serialize)
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(self._unary(method, handler.stream_unary, many), None, serialize)
        return grpc.stream_stream_rpc_method_handler(self._stream(method, handler.stream_stream, many), None, serialize)

    def _record(self, method: str, code: str, started: float) -> None:
        if self._observe is not None:
            self._observe(method, code, time.perf_counter() - started)

    def _failed(self, method: str, error: BaseException, started: float) -> None:
        self._record(method, _code_name(error), started)
        if self._on_error is not None:
            self._on_error(error)

    def _unary(
        self, method: str, behaviour: Callable[..., Awaitable[Any]], decode: Callable[[Any], Any]
    ) -> Callable[..., Awaitable[Any]]:
        async def wrapper(request: Any, context: aio.ServicerContext) -> Any:
            started = time.perf_counter()
            try:
                response = await behaviour(decode(request), context)
            except Exception as error:
                if _is_abort(error):
                    self._record(method, str(context.code() or "ABORTED"), started)
                    raise
                self._failed(method, error, started)
                await _abort(context, method, error)
            self._record(method, "OK", started)
            return response

        return wrapper

    def _stream(
        self, method: str, behaviour: Callable[..., AsyncIterator[Any]], decode: Callable[[Any], Any]
    ) -> Callable[..., AsyncIterator[Any]]:
        async def wrapper(request: Any, context: aio.ServicerContext) -> AsyncIterator[Any]:
            started = time.perf_counter()
            try:
                async for response in behaviour(decode(request), context):
                    yield response
            except Exception as error:
                if _is_abort(error):
                    raise
                self._failed(method, error, started)
                await _abort(context, method, error)
            self._record(method, "OK", started)

        return wrapper


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
