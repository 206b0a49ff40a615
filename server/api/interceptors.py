"""The one place domain errors become gRPC statuses.

A ``HandoffError`` is answered with its own status and message. Anything else is
logged with its traceback and answered INTERNAL with a generic message, so a
client never sees UNKNOWN or internal text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from grpc import aio

from server.errors import HandoffError

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
        method = details.method
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(method, handler.unary_unary), handler.request_deserializer, handler.response_serializer
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._stream(method, handler.unary_stream), handler.request_deserializer, handler.response_serializer
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                self._unary(method, handler.stream_unary), handler.request_deserializer, handler.response_serializer
            )
        return grpc.stream_stream_rpc_method_handler(
            self._stream(method, handler.stream_stream), handler.request_deserializer, handler.response_serializer
        )

    def _record(self, method: str, code: str, started: float) -> None:
        if self._observe is not None:
            self._observe(method, code, time.perf_counter() - started)

    def _failed(self, method: str, error: BaseException, started: float) -> None:
        self._record(method, _code_name(error), started)
        if self._on_error is not None:
            self._on_error(error)

    def _unary(self, method: str, behaviour: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(request: Any, context: aio.ServicerContext) -> Any:
            started = time.perf_counter()
            try:
                response = await behaviour(request, context)
            except Exception as error:
                if _is_abort(error):
                    self._record(method, str(context.code() or "ABORTED"), started)
                    raise
                self._failed(method, error, started)
                await _abort(context, method, error)
            self._record(method, "OK", started)
            return response

        return wrapper

    def _stream(self, method: str, behaviour: Callable[..., AsyncIterator[Any]]) -> Callable[..., AsyncIterator[Any]]:
        async def wrapper(request: Any, context: aio.ServicerContext) -> AsyncIterator[Any]:
            started = time.perf_counter()
            try:
                async for response in behaviour(request, context):
                    yield response
            except Exception as error:
                if _is_abort(error):
                    raise
                self._failed(method, error, started)
                await _abort(context, method, error)
            self._record(method, "OK", started)

        return wrapper


def _code_name(error: BaseException) -> str:
    return error.status.name if isinstance(error, HandoffError) else "INTERNAL"
