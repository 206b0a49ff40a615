"""MetricsService: handoff-quality metrics over a time window, overall and per group."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable

from grpc import aio

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc
from server.api.tenancy import tenant
from server.context.store import ContextStore
from server.errors import InvalidArgumentError
from server.metrics import GroupBy, HandoffMetrics, MetricsReport, SentimentShift, Window, gather_metrics

MAX_TIME = 1e11
Flush = Callable[[], Awaitable[None]]


class MetricsServicer(pb_grpc.MetricsServiceServicer):
    def __init__(self, store: ContextStore, flush: Flush | None = None) -> None:
        self.store = store
        self.flush = flush  # saves analysed packages still held in memory, so the figures include them

    async def GetHandoffMetrics(
        self, request: pb.GetHandoffMetricsRequest, context: aio.ServicerContext
    ) -> pb.GetHandoffMetricsResponse:
        if self.flush is not None:
            await self.flush()
        report = await gather_metrics(
            self.store, window_from_pb(request), group_by_from_pb(request.group_by), tenant=tenant()
        )
        return report_to_pb(report)


def window_from_pb(request: pb.GetHandoffMetricsRequest) -> Window:
    for name in ("from_time", "to_time"):
        value = getattr(request, name)
        if not math.isfinite(value) or not 0 <= value <= MAX_TIME:
            raise InvalidArgumentError(f"{name} must be unix seconds (0 for no bound)")
    if request.to_time and request.to_time <= request.from_time:
        raise InvalidArgumentError("to_time must be after from_time")
    return Window(start=request.from_time, end=request.to_time or None)


def group_by_from_pb(value: str) -> GroupBy:
    try:
        return GroupBy(value)
    except ValueError:
        raise InvalidArgumentError(f"group_by {value!r} is not one of: issue, deployment (or empty)") from None


def report_to_pb(report: MetricsReport) -> pb.GetHandoffMetricsResponse:
    return pb.GetHandoffMetricsResponse(
        overall=metrics_to_pb(report.overall), groups=[metrics_to_pb(m) for m in report.groups],
        from_time=report.window.start, to_time=report.window.end or time.time(),
    )


def metrics_to_pb(m: HandoffMetrics) -> pb.HandoffMetrics:
    fields = m.model_dump(exclude={"sentiment_shifts"}, exclude_none=True)
    return pb.HandoffMetrics(
        **fields, sentiment_shifts=[pb.SentimentShift(before=s.before, after=s.after) for s in m.sentiment_shifts]
    )


def metrics_from_pb(message: pb.HandoffMetrics) -> HandoffMetrics:
    """For clients (the CLI): the proto back into the model, absent means None."""
    values: dict[str, object] = {}
    for name in HandoffMetrics.model_fields:
        if name == "sentiment_shifts":
            values[name] = [SentimentShift(before=s.before, after=s.after) for s in message.sentiment_shifts]
        elif name == "resolution_seconds":
            values[name] = list(message.resolution_seconds)
        elif HandoffMetrics.model_fields[name].default is None:
            values[name] = getattr(message, name) if message.HasField(name) else None
        else:
            values[name] = getattr(message, name)
    return HandoffMetrics(**values)
