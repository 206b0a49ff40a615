"""`handoff eval DATASET.jsonl [--taxonomy FILE_OR_FOLDER] [--out REPORT.json]`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register_cli(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("eval", help="score the real pipeline on annotated conversations")
    parser.add_argument("dataset", type=Path, help="JSONL in the ../shared/data format")
    parser.add_argument("--taxonomy", type=Path, help="the deployment's issue taxonomy (file or ABCD-style folder)")
    parser.add_argument("--out", type=Path, help="write the JSON report here")
    parser.add_argument("--limit", type=int, help="score only the first N conversations")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from server.analysis.engine import build_engine
    from server.config import load_settings
    from server.evaluation.datasets import read_items
    from server.evaluation.runner import evaluate, format_table

    items = list(read_items(args.dataset))[: args.limit]
    settings = load_settings(taxonomy=args.taxonomy)
    report = evaluate(build_engine(settings), items)
    print(f"{args.dataset.name}: {len(items)} conversations" + (f", taxonomy {args.taxonomy}" if args.taxonomy else ""))
    print(format_table(report["metrics"]))
    if args.out:
        args.out.write_text(json.dumps(report, indent=1))
        print(f"report written to {args.out}")
    return 0
