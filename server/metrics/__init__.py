"""Handoff-quality metrics: does a handoff keep the customer's progress?

``compute_metrics`` is pure: records in, ``MetricsReport`` out. ``gather_metrics``
reads the records from a store and computes.
"""

from server.metrics.compute import Handoff, compute_metrics, percentile
from server.metrics.gather import gather_metrics
from server.metrics.model import GroupBy, HandoffMetrics, MetricsReport, SentimentShift, Window

__all__ = [
    "GroupBy",
    "Handoff",
    "HandoffMetrics",
    "MetricsReport",
    "SentimentShift",
    "Window",
    "compute_metrics",
    "gather_metrics",
    "percentile",
]
