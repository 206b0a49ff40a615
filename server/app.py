"""Builds the server: ``build_server(settings) -> (server, port, runtime)``.

Health checking and reflection are registered so ``grpcurl -plaintext HOST:PORT
list`` works; every call goes through the one call interceptor (errors, metrics),
and every call but health and reflection through its tenant gate (API keys, quotas).
TLS (and mutual TLS) when the settings name a certificate.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from grpc import aio
from grpc_health.v1 import _async as health_async
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc
from server.analysis.embedding import Embedder
from server.analysis.engine import Engine, build_engine, open_embedder
from server.api.auth import TenantGate
from server.api.conversations import ConversationServicer
from server.api.interceptors import CallInterceptor, ErrorHook
from server.api.keys import ApiKeys
from server.api.metrics import MetricsServicer
from server.api.quotas import RateLimiter, StreamCap
from server.config import Settings
from server.context.limits import Limits
from server.context.live import LiveContext
from server.context.sqlite_store import SQLiteStore
from server.context.store import ContextStore
from server.health import Dependency, Health
from server.knowledge.store import KnowledgeBase
from server.observability import observe_issue_label_delay, observe_rpc
from server.privacy.logs import install_log_redaction
from server.privacy.redact import Redactor
from server.privacy.text_caches import forget_texts
from server.transport import server_credentials

logger = logging.getLogger(__name__)

SERVICE_NAMES = [
    pb.DESCRIPTOR.services_by_name[name].full_name
    for name in ("ConversationService", "HandoffService", "KnowledgeService", "MetricsService")
]
TASKS_STOP_S = 5.0  # closing waits this long for the background tasks to stop


@dataclass
class Runtime:
    settings: Settings
    store: ContextStore
    live: LiveContext
    engine: Engine
    health: health_async.HealthServicer
    knowledge: KnowledgeBase | None = None
    embedder: Embedder | None = None
    monitor: Health | None = None  # dependency health, set by build_server
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    owned: list[Any] = field(default_factory=list)  # things this runtime opened and must close

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.tasks:  # none of them may go on using the store closed below
            _, running = await asyncio.wait(self.tasks, timeout=TASKS_STOP_S)
            for task in running:
                logger.error("closing: background task %s did not stop on cancellation", task.get_coro())
        await self.live.close()
        await self.store.close()
        for thing in self.owned:
            thing.close()


def build_store(settings: Settings) -> ContextStore:
    if settings.store == "redis":
        from server.context.redis_store import RedisStore  # only imported when chosen

        return RedisStore(settings.redis_url)
    return SQLiteStore(settings.data_dir / "context.sqlite3", settings.sqlite_synchronous)


def build_runtime(settings: Settings, engine: Engine | None = None, embedder: Embedder | None = None) -> Runtime:
    """The store, the engine and the knowledge base, sharing one embedding model."""
    owned = []
    if settings.embeddings and embedder is None:
        embedder = engine.classifier.embedder if engine and engine.classifier else open_embedder(settings)
        owned.append(embedder)
    store = build_store(settings)
    engine = engine or build_engine(settings, embedder)
    live = LiveContext(store, engine.analyse, redactor=engine.redactor, save_delay_s=settings.package_save_ms / 1000)
    engine.on_late_issue = live.touch
    engine.label_delay = engine.label_delay or observe_issue_label_delay
    live.on_forget.append(engine.forget)
    live.on_forget.append(lambda _: forget_texts())  # memo caches keyed by what was said
    return Runtime(
        settings=settings, store=store, live=live, engine=engine, health=health_async.HealthServicer(),
        knowledge=_open_knowledge(settings, embedder), embedder=embedder,
        owned=[e for e in owned if hasattr(e, "close")],
    )


def _open_knowledge(settings: Settings, embedder: Embedder | None) -> KnowledgeBase | None:
    if embedder is None:
        return None
    from server.knowledge.cli import open_knowledge

    try:
        return open_knowledge(settings, embedder)
    except Exception:  # the server still runs; KnowledgeService answers UNAVAILABLE
        logger.exception("knowledge base unavailable")
        return None


async def build_server(settings: Settings, runtime: Runtime | None = None) -> tuple[aio.Server, int, Runtime]:
    runtime = runtime or build_runtime(settings)
    install_log_redaction(Redactor.from_setting(settings.redact_logs))  # on the handlers configured so far
    limits = Limits(
        max_turn_chars=settings.max_turn_chars,
        max_turns_per_conversation=settings.max_turns_per_conversation,
        max_id_chars=settings.max_id_chars,
    )
    monitor = runtime.monitor = _monitor(runtime)
    server = aio.server(interceptors=interceptors(settings, monitor.seen), options=server_options(settings))
    pb_grpc.add_ConversationServiceServicer_to_server(
        ConversationServicer(runtime.live, limits, settings.stream_queue_size), server
    )
    pb_grpc.add_MetricsServiceServicer_to_server(MetricsServicer(runtime.store, runtime.live.flush), server)
    _add_optional_services(server, runtime, limits)
    health_pb2_grpc.add_HealthServicer_to_server(runtime.health, server)
    reflection.enable_server_reflection(
        [*SERVICE_NAMES, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME],
        server,
    )
    address = f"{settings.host}:{settings.port}"
    if settings.tls_cert is not None and settings.tls_key is not None:
        port = server.add_secure_port(
            address, server_credentials(settings.tls_cert, settings.tls_key, settings.tls_client_ca)
        )
    else:
        port = server.add_insecure_port(address)
    if port == 0:
        raise RuntimeError(f"could not listen on {settings.host}:{settings.port}; is the port taken?")
    await monitor.publish()  # every service SERVING until a probe or a call says otherwise
    runtime.tasks.append(asyncio.create_task(_housekeeping(runtime)))
    runtime.tasks.append(asyncio.create_task(monitor.run()))
    return server, port, runtime


def interceptors(settings: Settings, on_error: ErrorHook | None = None) -> list[aio.ServerInterceptor]:
    """What every call passes: errors to statuses and per-method metrics, API keys and quotas."""
    return [CallInterceptor(observe_rpc, on_error, tenant_gate(settings))]


def tenant_gate(settings: Settings) -> TenantGate:
    """API keys to tenants, and each tenant's rate limit and stream cap."""
    return TenantGate(
        ApiKeys.parse(settings.api_keys),
        RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst),
        StreamCap(settings.max_streams_per_tenant),
    )


def server_options(settings: Settings) -> list[tuple[str, int]]:
    """Message sizes, and what keeps dead, idle or greedy connections from holding the server."""
    return [
        ("grpc.max_receive_message_length", settings.max_message_bytes),
        ("grpc.max_send_message_length", max(settings.max_message_bytes, 16 << 20)),
        ("grpc.so_reuseport", 0),
        ("grpc.max_concurrent_streams", settings.max_streams_per_connection),
        ("grpc.keepalive_time_ms", int(settings.keepalive_s * 1000)),
        ("grpc.keepalive_timeout_ms", 20_000),
        ("grpc.http2.min_ping_interval_without_data_ms", 10_000),  # clients may ping this often
        ("grpc.keepalive_permit_without_calls", 1),
        *([("grpc.max_connection_idle_ms", int(settings.max_connection_idle_s * 1000))]
          if settings.max_connection_idle_s > 0 else []),
    ]


def _monitor(runtime: Runtime) -> Health:
    """Probes the context store, and the vector store where one is configured (reopening it once it answers)."""
    settings = runtime.settings
    probes = {Dependency.STORE: runtime.store.ping}
    if settings.embeddings:
        probes[Dependency.KNOWLEDGE] = lambda: _probe_knowledge(runtime)
    return Health(runtime.health, probes, interval_s=settings.health_interval_s,
                  llm_window_s=settings.llm_health_window_s)


async def _probe_knowledge(runtime: Runtime) -> None:
    if runtime.knowledge is None:  # Chroma was unreachable at start-up: try again
        from server.knowledge.cli import open_knowledge

        runtime.knowledge = await asyncio.to_thread(open_knowledge, runtime.settings, runtime.embedder)
    await asyncio.to_thread(runtime.knowledge.ping)


def _add_optional_services(server: aio.Server, runtime: Runtime, limits: Limits) -> None:
    """Handoff and knowledge services, registered by the modules that implement them."""
    from server.api.handoff import add_handoff_services

    add_handoff_services(server, runtime, limits)


async def _housekeeping(runtime: Runtime) -> None:
    """Completes idle conversations and purges those past retention."""
    settings = runtime.settings
    while True:
        try:
            now = time.time()
            completed = await runtime.store.complete_inactive(now - settings.inactivity_timeout_s, now)
            for conversation_id in completed:
                runtime.live.forget(conversation_id)
            purged = await runtime.store.purge_completed(now - settings.retention_s)
            if purged:
                forget_texts()
            if completed or purged:
                logger.info("housekeeping: %d completed for inactivity, %d purged", len(completed), purged)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("housekeeping failed")
        await asyncio.sleep(settings.housekeeping_interval_s)
