"""`handoff kb ingest PATH...` and `handoff kb search QUERY`.

``register_cli(subparsers)`` adds the ``kb`` command to the ``handoff`` parser;
each subcommand sets ``func(args) -> int`` (the exit code). The knowledge base
is the server's: a chroma server when ``--chroma-url`` (or HANDOFF_CHROMA_URL) is
given, else the ``chroma`` folder in the server's data dir (``--data-dir`` or
HANDOFF_DATA_DIR), collection HANDOFF_KB_COLLECTION.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from server.knowledge.store import DEFAULT_MODE, KnowledgeBase, SearchMode


def _add_location(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--collection", help="chroma collection (HANDOFF_KB_COLLECTION, default handoff-kb)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--data-dir", type=Path, help="the server's data dir (HANDOFF_DATA_DIR); chroma lives in it")
    where.add_argument("--chroma-url", help="chroma server, e.g. http://localhost:8000 (HANDOFF_CHROMA_URL)")


def _open(args: argparse.Namespace) -> KnowledgeBase:
    from server.analysis.embedding import Embedder
    from server.config import load_settings

    settings = load_settings(data_dir=args.data_dir, chroma_url=args.chroma_url, kb_collection=args.collection)
    return open_knowledge(settings, Embedder(precision=settings.embedding_precision), SearchMode(args.mode))


def open_knowledge(settings: Any, embedder: Any, mode: SearchMode = DEFAULT_MODE) -> KnowledgeBase:
    """The knowledge base a server with these settings uses."""
    return KnowledgeBase.open(
        embedder, data_dir=settings.data_dir / "chroma", url=settings.chroma_url or None,
        collection=settings.kb_collection, mode=mode,
    )


def _parse_filters(items: list[str]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--filter expects key=value, got {item!r}")
        filters[key] = value.split(",") if "," in value else value
    return filters


def run_ingest(args: argparse.Namespace) -> int:
    from server.knowledge.ingest import ingest

    report = ingest(_open(args), args.paths, batch_size=args.batch_size, tenant=args.tenant)
    print(
        f"{report.files} files: {report.added} passages added, {report.unchanged} unchanged, "
        f"{report.removed} removed ({len(report.deleted_sources)} sources deleted)"
    )
    for skipped in report.skipped:
        print(f"skipped {skipped}")
    return 1 if report.skipped and not report.files else 0


def run_search(args: argparse.Namespace) -> int:
    kb = _open(args)
    found = kb.search(args.query, _parse_filters(args.filter), args.k, tenant=args.tenant or None)
    for rank, p in enumerate(found, start=1):
        print(f"{rank}. [{p.score:.3f}] {' > '.join(p.heading_path) or p.title}  ({p.source})")
        print(f"   {p.text[:300]}")
    return 0


def register_cli(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``kb ingest`` and ``kb search`` to the ``handoff`` command's subparsers."""
    kb = subparsers.add_parser("kb", help="the knowledge base: ingest documents, search passages")
    commands = kb.add_subparsers(dest="kb_command", required=True)
    ingest = commands.add_parser("ingest", help="ingest Markdown, text, HTML, PDF (or ABCD guidelines JSON)")
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    ingest.add_argument("--batch-size", type=int, default=64, help="embedding batch size")
    ingest.add_argument("--tenant", default="", help="only this tenant's calls see the passages (default: shared)")
    search = commands.add_parser("search", help="search the knowledge base")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("-k", type=int, default=5, help="number of passages")
    search.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE", help="metadata filter")
    search.add_argument("--tenant", default="", help="search as this tenant: its passages and the shared ones")
    for parser, func in ((ingest, run_ingest), (search, run_search)):
        _add_location(parser)
        parser.add_argument("--mode", choices=[m.value for m in SearchMode], default=DEFAULT_MODE.value)
        parser.set_defaults(run=func)
    return kb
