"""HandoffService and KnowledgeService registration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grpc import aio

from server.context.limits import Limits

if TYPE_CHECKING:
    from server.app import Runtime


def add_handoff_services(server: aio.Server, runtime: Runtime, limits: Limits) -> None:
    return None
