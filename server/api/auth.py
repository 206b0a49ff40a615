"""The tenant interceptor: who is calling (their API key), and whether they may now.

With keys configured, every call but health checking and reflection must carry
``authorization: Bearer <key>`` (or ``x-api-key: <key>``); the key names the
tenant. With none, every call is tenant ``default``. The tenant is set in
``server.api.tenancy.CURRENT_TENANT`` for the servicer, and the tenant's rate
limit and stream cap are applied. It sits inside the error interceptor, which
turns its errors into statuses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from grpc import aio

from server.api.keys import ApiKeys
from server.api.quotas import RateLimiter, StreamCap
from server.api.tenancy import CURRENT_TENANT, DEFAULT_TENANT
from server.errors import UnauthenticatedError

OPEN_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
MISSING = "this server needs an API key: send metadata 'authorization: Bearer <key>' (or 'x-api-key: <key>')"


def presented_key(metadata: tuple[tuple[str, str | bytes], ...] | None) -> str:
    for name, value in metadata or ():
        text = value.decode() if isinstance(value, bytes) else value
        if name == "authorization" and text[:7].lower() == "bearer ":
            return text[7:].strip()
        if name == "x-api-key":
            return text.strip()
    return ""


class TenantInterceptor(aio.ServerInterceptor):
    def __init__(self, keys: ApiKeys, limiter: RateLimiter, streams: StreamCap) -> None:
        self.keys = keys
        self.limiter = limiter
        self.streams = streams

    def tenant_of(self, metadata: tuple[tuple[str, str | bytes], ...] | None) -> str:
        if not self.keys:
            return DEFAULT_TENANT
        key = presented_key(metadata)
        if not key:
            raise UnauthenticatedError(MISSING)
        tenant = self.keys.tenant_for(key)
        if tenant is None:
            raise UnauthenticatedError("unknown API key; " + MISSING[len("this server needs an API key: ") :])
        return tenant

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or details.method.startswith(OPEN_SERVICES):
            return handler
        metadata = details.invocation_metadata
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(metadata, handler.unary_unary), handler.request_deserializer, handler.response_serializer
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                self._unary(metadata, handler.stream_unary), handler.request_deserializer, handler.response_serializer
            )
        wrap = grpc.unary_stream_rpc_method_handler if handler.unary_stream else grpc.stream_stream_rpc_method_handler
        behaviour = handler.unary_stream or handler.stream_stream
        return wrap(self._stream(metadata, behaviour), handler.request_deserializer, handler.response_serializer)

    def _admit(self, metadata: Any) -> str:
        tenant = self.tenant_of(metadata)
        self.limiter.take(tenant)
        return tenant

    def _unary(self, metadata: Any, behaviour: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(request: Any, context: aio.ServicerContext) -> Any:
            token = CURRENT_TENANT.set(self._admit(metadata))
            try:
                return await behaviour(request, context)
            finally:
                CURRENT_TENANT.reset(token)

        return wrapper

    def _stream(self, metadata: Any, behaviour: Callable[..., AsyncIterator[Any]]) -> Callable[..., AsyncIterator[Any]]:
        async def wrapper(request: Any, context: aio.ServicerContext) -> AsyncIterator[Any]:
            tenant = self._admit(metadata)
            self.streams.open(tenant)
            # each call runs in its own task; a generator may be closed from another context, so no reset
            CURRENT_TENANT.set(tenant)
            try:
                async for response in behaviour(request, context):
                    yield response
            finally:
                self.streams.close(tenant)

        return wrapper
