"""The caller's tenant, as the tenant gate found it, and the ownership check.

The tenant gate (server.api.auth) sets ``CURRENT_TENANT`` around every call;
servicers read it with ``tenant()``. A conversation of another tenant answers
exactly as one that does not exist, so a caller cannot learn that it does.
"""

from __future__ import annotations

from contextvars import ContextVar

from server.context.live import LiveContext
from server.errors import NotFoundError

DEFAULT_TENANT = "default"
CURRENT_TENANT: ContextVar[str] = ContextVar("tenant", default=DEFAULT_TENANT)


def tenant() -> str:
    return CURRENT_TENANT.get()


def not_found(conversation_id: str) -> NotFoundError:
    return NotFoundError(f"no conversation {conversation_id!r}; create it with CreateConversation first")


async def check_owned(live: LiveContext, conversation_id: str) -> None:
    """NOT_FOUND unless the conversation exists and belongs to the caller's tenant."""
    if await live.tenant_of(conversation_id) != tenant():
        raise not_found(conversation_id)
