"""Prometheus metrics: the server's operations (RPC latency, errors, LLM calls, collector pauses,
event-loop lag, the issue label's delay) and handoff quality.

Operational metrics live in one process-wide registry, fed by ``observe_rpc`` (the
call interceptor's hook) and ``record_llm_call`` (server/brief/llm.py). Handoff-quality
gauges are computed from the store when the endpoint is scraped.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:  # kept light: server/brief/llm.py imports this module
    from server.context.store import ContextStore
    from server.metrics import HandoffMetrics, MetricsReport

logger = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
RPC_SECONDS = Histogram(
    "handoff_rpc_duration_seconds", "gRPC call latency by method and status code.", ["method", "code"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=REGISTRY,
)
RPC_ERRORS = Counter("handoff_rpc_errors", "gRPC calls that ended with a status other than OK.",
                     ["method", "code"], registry=REGISTRY)
LLM_CALLS = Counter("handoff_llm_calls", "LLM calls by model and outcome (ok | timeout | error).",
                    ["model", "outcome"], registry=REGISTRY)
GC_PAUSE_SECONDS = Histogram(
    "handoff_gc_pause_seconds", "Cyclic garbage-collector pauses by generation: the event loop serves nothing meanwhile.",
    ["generation"], buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1), registry=REGISTRY,
)
LOOP_LAG_SECONDS = Histogram(
    "handoff_event_loop_lag_seconds",
    "How late the event loop ran a timer due every 100 ms: how long a call arriving then waited for the loop.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1), registry=REGISTRY,
)
ISSUE_LABEL_DELAY_SECONDS = Histogram(
    "handoff_issue_label_delay_seconds",
    "From a customer turn to the issue label that reflects it: how far the embedding model is behind. "
    "kind: first (the conversation had no label yet), escalating (on its way to a person) or update; "
    "the first two go ahead of updates.",
    ["kind"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300), registry=REGISTRY,
)
_LABEL_DELAY = {kind: ISSUE_LABEL_DELAY_SECONDS.labels(kind) for kind in ("first", "escalating", "update")}
LOOP_TICK_S = 0.1
SCRAPE_TIMEOUT_S = 10.0


_RPC_SECONDS_BY: dict[tuple[str, str], Histogram] = {}  # labels() validates and locks on every call; a call may not


def observe_rpc(method: str, code: str, seconds: float) -> None:
    """The call interceptor's hook: one observation per finished call."""
    timer = _RPC_SECONDS_BY.get((method, code))
    if timer is None:  # methods the server resolved and status names: a bounded set
        timer = _RPC_SECONDS_BY[method, code] = RPC_SECONDS.labels(method, code)
    timer.observe(seconds)
    if code != "OK":
        RPC_ERRORS.labels(method, code).inc()


def observe_issue_label_delay(seconds: float, kind: str) -> None:
    """The analysis engine's hook: one observation per issue label applied."""
    _LABEL_DELAY[kind].observe(seconds)


def record_llm_call(model: str, outcome: str) -> None:
    LLM_CALLS.labels(model, outcome).inc()


# (metric name, help, HandoffMetrics field) for every handoff gauge
GAUGES = [
    ("handoff_handoffs", "Escalated conversations.", "handoffs"),
    ("handoff_satisfaction_before", "Mean reported satisfaction (0..5) before the handoff.", "satisfaction_before"),
    ("handoff_satisfaction_after", "Mean reported satisfaction (0..5) after the handoff.", "satisfaction_after"),
    ("handoff_sentiment_before", "Mean customer sentiment (-1..1) before the handoff, unscored handoffs.",
     "sentiment_before"),
    ("handoff_sentiment_after", "Mean customer sentiment (-1..1) after the handoff, unscored handoffs.",
     "sentiment_after"),
    ("handoff_repeat_question_ratio", "Share of handoffs where the agent asked for known information.",
     "repeat_question_rate"),
    ("handoff_resolution_median_seconds", "Median agent-connected to resolved time.", "resolution_median_s"),
    ("handoff_resolution_p90_seconds", "90th percentile agent-connected to resolved time.", "resolution_p90_s"),
    ("handoff_re_escalation_ratio", "Share of handoffs escalated again.", "re_escalation_rate"),
    ("handoff_wait_median_seconds", "Median escalated to agent-connected time.", "wait_median_s"),
    ("handoff_brief_prepared_ratio", "Share of handoffs with the brief prepared ahead.", "brief_prepared_rate"),
    ("handoff_suggestion_use_ratio", "Suggestions used / (used + dismissed).", "suggestion_use_rate"),
]


class HandoffCollector(Collector):
    """Handoff-quality gauges per deployment, computed on scrape on the server's event loop."""

    def __init__(
        self, store: ContextStore, loop: asyncio.AbstractEventLoop, cache_s: float = 5.0,
        flush: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self.flush = flush  # saves analysed packages still held in memory first
        self.loop = loop
        self.cache_s = cache_s
        self._cached: tuple[float, MetricsReport] | None = None

    def _report(self) -> MetricsReport:
        if self._cached and time.monotonic() - self._cached[0] < self.cache_s:
            return self._cached[1]
        future = asyncio.run_coroutine_threadsafe(self._gather(), self.loop)
        report = future.result(SCRAPE_TIMEOUT_S)
        self._cached = (time.monotonic(), report)
        return report

    async def _gather(self) -> MetricsReport:
        from server.metrics import GroupBy, gather_metrics

        if self.flush is not None:
            await self.flush()
        return await gather_metrics(self.store, group_by=GroupBy.DEPLOYMENT)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            groups = self._report().groups
        except Exception:  # a failed computation must not take the operational metrics down with it
            logger.exception("handoff metrics failed on scrape")
            return
        for name, help_text, attribute in GAUGES:
            yield _gauge(name, help_text, attribute, groups)


def _gauge(name: str, help_text: str, attribute: str, groups: list[HandoffMetrics]) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(name, help_text, labels=["deployment"])
    for metrics in groups:
        value = getattr(metrics, attribute)
        if value is not None:
            gauge.add_metric([metrics.group], float(value))
    return gauge


class _Process(Collector):
    """The process-wide operational metrics, chained into an endpoint's own registry."""

    def collect(self) -> Iterator:  # type: ignore[type-arg]
        yield from REGISTRY.collect()


class _GcPauses:
    """A gc callback timing every collection (what the young-generation threshold trades against)."""

    def __init__(self) -> None:
        self._started = 0.0
        self._by_generation = [GC_PAUSE_SECONDS.labels(str(g)) for g in range(3)]

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self._by_generation[info["generation"]].observe(time.perf_counter() - self._started)


async def _watch_event_loop() -> None:
    while True:
        due = time.perf_counter() + LOOP_TICK_S
        await asyncio.sleep(LOOP_TICK_S)
        LOOP_LAG_SECONDS.observe(max(0.0, time.perf_counter() - due))


@dataclass
class MetricsEndpoint:
    server: WSGIServer
    port: int
    gc_pauses: _GcPauses | None = None
    loop_watch: asyncio.Task[None] | None = None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.gc_pauses is not None and self.gc_pauses in gc.callbacks:
            gc.callbacks.remove(self.gc_pauses)
        if self.loop_watch is not None:
            self.loop_watch.cancel()


def start_metrics_endpoint(
    store: ContextStore, host: str, port: int, flush: Callable[[], Awaitable[None]] | None = None
) -> MetricsEndpoint:
    """Serve /metrics over HTTP on host:port (0: any free port) from a daemon thread."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Process())
    registry.register(HandoffCollector(store, asyncio.get_running_loop(), flush=flush))
    server, _ = start_http_server(port, addr=host, registry=registry)
    pauses = _GcPauses()
    gc.callbacks.append(pauses)
    return MetricsEndpoint(server, server.server_port, pauses, asyncio.get_running_loop().create_task(_watch_event_loop()))
