"""Health that tells the truth: each service's status follows the dependencies it needs.

Three dependencies: the context store, the vector store (knowledge base) and the LLM.
A periodic probe (every ``HANDOFF_HEALTH_INTERVAL_S``) pings the two stores; failures
seen in calls (an ``UnavailableError`` naming its dependency, an LLM outcome) mark a
dependency down at once, and the next successful probe or call brings it back.

=============================== ====================================================
``""`` (overall)                 the context store answers
``handoff.v1.ConversationService`` the context store
``handoff.v1.HandoffService``    the context store (without the LLM the prose is deterministic)
``handoff.v1.MetricsService``    the context store
``handoff.v1.KnowledgeService``  the context store and the vector store
``handoff.v1.llm``               the latest LLM prose did not fail (error, timeout, invalid or
                                 ungrounded output) within ``HANDOFF_LLM_HEALTH_WINDOW_S``
=============================== ====================================================
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum

from grpc_health.v1 import _async as health_async
from grpc_health.v1 import health_pb2

from server.errors import KnowledgeUnavailableError, StoreUnavailableError

logger = logging.getLogger(__name__)

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
PROBE_TIMEOUT_S = 5.0


class Dependency(StrEnum):
    STORE = "store"
    KNOWLEDGE = "knowledge"
    LLM = "llm"


LLM_SERVICE = "handoff.v1.llm"
SERVICES: dict[str, tuple[Dependency, ...]] = {
    "": (Dependency.STORE,),
    "handoff.v1.ConversationService": (Dependency.STORE,),
    "handoff.v1.HandoffService": (Dependency.STORE,),
    "handoff.v1.MetricsService": (Dependency.STORE,),
    "handoff.v1.KnowledgeService": (Dependency.STORE, Dependency.KNOWLEDGE),
    LLM_SERVICE: (Dependency.LLM,),
}
# how LLM prose fell back: these mean the model failed; "no_model" and "" (LLM prose used) do not
LLM_FAILURES = frozenset({"timeout", "error", "invalid_output", "ungrounded"})

Probe = Callable[[], Awaitable[None]]  # raises when the dependency is unreachable


class Health:
    """Dependency states, published to the gRPC health servicer whenever a status changes."""

    def __init__(
        self,
        servicer: health_async.HealthServicer,
        probes: dict[Dependency, Probe],
        *,
        interval_s: float = 5.0,
        llm_window_s: float = 60.0,
    ) -> None:
        self.servicer = servicer
        self.probes = probes
        self.interval_s = interval_s
        self.llm_window_s = llm_window_s
        self.up: dict[Dependency, bool] = dict.fromkeys(Dependency, True)
        self._llm_failed_at: float | None = None
        self._published: dict[str, int] = {}
        self._pending: set[asyncio.Task[None]] = set()

    def status(self, service: str) -> int:
        return SERVING if all(self._is_up(d) for d in SERVICES[service]) else NOT_SERVING

    def _is_up(self, dependency: Dependency) -> bool:
        if dependency is Dependency.LLM and self._llm_failed_at is not None:
            if time.monotonic() - self._llm_failed_at >= self.llm_window_s:
                self._llm_failed_at = None
                self.up[Dependency.LLM] = True
        return self.up[dependency]

    async def publish(self) -> None:
        for service in SERVICES:
            status = self.status(service)
            if self._published.get(service) != status:
                if status == NOT_SERVING:
                    logger.warning("health: %s NOT_SERVING (%s down)", service or "overall", self._down())
                self._published[service] = status
                await self.servicer.set(service, status)

    def _down(self) -> str:
        return ", ".join(d.value for d, up in self.up.items() if not up) or "nothing"

    def mark(self, dependency: Dependency, up: bool) -> None:
        """A call saw the dependency work (or fail): publish the change without waiting for a probe."""
        if dependency is Dependency.LLM:
            self._llm_failed_at = None if up else time.monotonic()
        if self.up[dependency] == up:
            return
        self.up[dependency] = up
        task = asyncio.get_running_loop().create_task(self.publish())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def seen(self, error: BaseException) -> None:
        """The call interceptor's hook: an unavailable store seen in a call marks it down."""
        if isinstance(error, StoreUnavailableError):
            self.mark(Dependency.STORE, False)
        elif isinstance(error, KnowledgeUnavailableError):
            self.mark(Dependency.KNOWLEDGE, False)

    def llm_outcome(self, fallback_reason: str) -> None:
        """After LLM prose was asked for: "" means the model's prose was used."""
        if fallback_reason != "no_model":
            self.mark(Dependency.LLM, fallback_reason not in LLM_FAILURES)

    async def probe(self) -> None:
        for dependency, probe in self.probes.items():
            try:
                await _answered_within(probe, min(PROBE_TIMEOUT_S, max(self.interval_s, 0.5)))
                self.up[dependency] = True
            except Exception as e:  # any failure to answer is "down"; the log says why
                if self.up[dependency]:
                    logger.warning("health probe: %s unreachable: %s", dependency.value, type(e).__name__)
                self.up[dependency] = False
        await self.publish()

    async def run(self) -> None:
        while True:
            try:
                await self.probe()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("health probe failed")
            await asyncio.sleep(self.interval_s)


async def _answered_within(probe: Probe, timeout_s: float) -> None:
    """The probe's answer if it came within ``timeout_s``, though the loop may see it later (behind a
    long collection, say); else TimeoutError. Not ``asyncio.wait_for``: on 3.11 it swallows a
    cancellation that comes as the probe returns, and the probing loop would then go on pinging a
    store its runtime has closed (reopening its connections). Not ``asyncio.timeout`` either: it
    calls an answer that the blocked loop reads after the deadline a timeout."""
    answer = asyncio.ensure_future(probe())
    answer.add_done_callback(_retrieved)  # an answer left behind by a timeout or a cancellation
    try:
        done, _ = await asyncio.wait({answer}, timeout=timeout_s)
    except asyncio.CancelledError:
        answer.cancel()
        raise
    if not done:
        answer.cancel()
        await asyncio.wait({answer})  # raises only if this caller is cancelled meanwhile
        raise TimeoutError(f"no answer within {timeout_s:g} s")
    answer.result()


def _retrieved(answer: asyncio.Future[None]) -> None:
    """Marks a failed answer's exception as seen (else asyncio logs it as never retrieved)."""
    if not answer.cancelled():
        answer.exception()
