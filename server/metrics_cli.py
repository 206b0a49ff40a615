"""``handoff metrics``: handoff-quality metrics from a running server, as a table and optionally a report."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from server.transport import add_client_arguments, connected


def register_cli(commands: argparse._SubParsersAction) -> None:
    metrics = commands.add_parser("metrics", help="handoff-quality metrics from a running server")
    metrics.add_argument("--target", default="127.0.0.1:50051", help="server address (default 127.0.0.1:50051)")
    metrics.add_argument("--from", dest="from_time", type=_moment, default=0.0,
                         help="window start: unix seconds or ISO date/time (default: the beginning)")
    metrics.add_argument("--to", dest="to_time", type=_moment, default=0.0, help="window end (default: now)")
    metrics.add_argument("--by", choices=["issue", "deployment"], help="also break the figures down by this")
    metrics.add_argument("--report", type=Path, help="write a report with plots into this folder")
    metrics.add_argument("--format", choices=["png", "html"], default="html", help="report format (default html)")
    add_client_arguments(metrics)
    metrics.set_defaults(run=run_metrics)


def _moment(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is neither unix seconds nor an ISO date/time") from None


def run_metrics(args: argparse.Namespace) -> int:
    from server._proto.handoff.v1 import handoff_pb2 as pb
    from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc
    from server.api.metrics import metrics_from_pb
    from server.metrics_report import text_table, write_report

    request = pb.GetHandoffMetricsRequest(from_time=args.from_time, to_time=args.to_time, group_by=args.by or "")
    with connected(args) as channel:
        response = pb_grpc.MetricsServiceStub(channel).GetHandoffMetrics(request, timeout=60)
    overall = metrics_from_pb(response.overall)
    groups = [metrics_from_pb(g) for g in response.groups]
    print(f"handoffs escalated {_when(response.from_time)} .. {_when(response.to_time)}")
    print(text_table([overall, *groups]))
    if args.report is not None:
        for path in write_report(overall, groups, args.report, args.format):
            print(f"wrote {path}")
    return 0


def _when(moment: float) -> str:
    return "the beginning" if moment == 0 else datetime.fromtimestamp(moment).isoformat(timespec="seconds")
