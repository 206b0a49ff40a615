"""The tenant gate: who is calling (their API key), and whether they may now.

With keys configured, every call but health checking and reflection must carry
``authorization: Bearer <key>`` (or ``x-api-key: <key>``); the key names the
tenant. With none, every call is tenant ``default``. The tenant is set in
``server.api.tenancy.CURRENT_TENANT`` for the servicer, and the tenant's rate
limit and stream cap are applied. The call interceptor (server.api.interceptors)
passes every call through it after decoding the request, and turns its errors into
statuses.
"""

from __future__ import annotations

from contextvars import Token

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


class TenantGate:
    """A call's key to its tenant, then the tenant's rate limit and stream cap; the tenant set for the servicer.

    The call interceptor (server.api.interceptors) asks ``for_method`` once per method
    and then ``enter``/``leave`` around every unary-response call and ``open_stream``/
    ``close_stream`` around every streaming one. The metadata is read from the call's
    context, so nothing here is per call but the call itself.
    """

    def __init__(self, keys: ApiKeys, limiter: RateLimiter, streams: StreamCap) -> None:
        self.keys = keys
        self.limiter = limiter
        self.streams = streams

    def for_method(self, method: str) -> TenantGate | OpenGate:
        return OPEN if method.startswith(OPEN_SERVICES) else self

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

    def admit(self, context: aio.ServicerContext) -> str:
        tenant = self.tenant_of(context.invocation_metadata() if self.keys else None)
        self.limiter.take(tenant)
        return tenant

    def enter(self, context: aio.ServicerContext) -> Token[str] | None:
        return CURRENT_TENANT.set(self.admit(context))

    def leave(self, token: Token[str] | None) -> None:
        if token is not None:
            CURRENT_TENANT.reset(token)

    def open_stream(self, context: aio.ServicerContext) -> str:
        tenant = self.admit(context)
        self.streams.open(tenant)
        # each call runs in its own task; a generator may be closed from another context, so no reset
        CURRENT_TENANT.set(tenant)
        return tenant

    def close_stream(self, tenant: str) -> None:
        self.streams.close(tenant)


class OpenGate:
    """Health checking and reflection, and a server without tenancy: anyone, any time, tenant untouched."""

    def enter(self, context: aio.ServicerContext) -> None:
        return None

    def leave(self, token: Token[str] | None) -> None:
        pass

    def open_stream(self, context: aio.ServicerContext) -> str:
        return ""

    def close_stream(self, tenant: str) -> None:
        pass


OPEN = OpenGate()
