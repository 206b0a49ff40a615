"""Ingest documents into the knowledge base, keyed by content hash.

Each passage's id hashes its source, heading path and text, so ingesting an
unchanged file embeds and writes nothing; a changed file gets its new passages
added and its vanished ones deleted; a file gone from an ingested directory
(or named explicitly but missing) has all its passages deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from server.knowledge.abcd import read_json_document
from server.knowledge.corpus import TENANT_KEY
from server.knowledge.documents import READERS, Document, UnsupportedDocumentError, read_document
from server.knowledge.splitter import Chunk, split_document
from server.knowledge.store import KnowledgeBase

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = frozenset([*READERS, ".json"])
WRITE_BATCH = 256  # passages embedded and upserted together
PROGRESS_MIN = 200  # show a progress bar from this many passages to embed


@dataclass
class IngestReport:
    files: int = 0
    added: int = 0
    unchanged: int = 0
    removed: int = 0
    deleted_sources: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    new: list[Chunk] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)


def read_any(path: Path) -> Document:
    if path.suffix.lower() == ".json":
        return read_json_document(path)
    return read_document(path)


def source_key(path: Path) -> str:
    return str(path.resolve())


def discover(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
    return [path] if path.is_file() else []


def _for_tenant(chunk: Chunk, tenant: str) -> Chunk:
    """A tenant's copy of a passage: its own id, so two tenants may ingest the same file."""
    if not tenant:
        return chunk
    return replace(chunk, id=f"{tenant}/{chunk.id}", metadata={**chunk.metadata, TENANT_KEY: tenant})


def _plan_file(kb: KnowledgeBase, path: Path, plan: _Plan, report: IngestReport, tenant: str) -> None:
    try:
        document = read_any(path)
    except (UnsupportedDocumentError, UnicodeDecodeError, ValueError) as e:
        logger.warning("skipping %s: %s", path, e)
        report.skipped.append(str(path))
        return
    document.source = source_key(path)
    chunks = [_for_tenant(c, tenant) for c in split_document(document)]
    existing = kb.ids_for_source(document.source, tenant)
    current = {c.id for c in chunks}
    plan.new.extend(c for c in chunks if c.id not in existing)
    plan.stale.extend(existing - current)
    report.files += 1
    report.unchanged += len(current & existing)


def _gone_sources(kb: KnowledgeBase, roots: Iterable[Path], seen: set[str], tenant: str) -> list[str]:
    """Known sources under the given roots (directories or files) that no longer exist."""
    gone = []
    prefixes = [source_key(r) for r in roots]
    for source in sorted(kb.sources(tenant) - seen):
        if any(source == p or source.startswith(p.rstrip("/") + "/") for p in prefixes):
            if not Path(source).is_file():
                gone.append(source)
    return gone


def _write(kb: KnowledgeBase, chunks: Sequence[Chunk], batch_size: int) -> None:
    disable = True if len(chunks) < PROGRESS_MIN else None  # None: only on a terminal
    with tqdm(total=len(chunks), unit="passage", desc="embedding", disable=disable) as bar:
        for start in range(0, len(chunks), WRITE_BATCH):
            batch = chunks[start : start + WRITE_BATCH]
            vectors = kb.embedder.embed([c.embedding_text() for c in batch], batch_size=batch_size)
            kb.upsert(batch, vectors)
            bar.update(len(batch))


def ingest(kb: KnowledgeBase, paths: Sequence[str | Path], batch_size: int = 64, tenant: str = "") -> IngestReport:
    """Bring the knowledge base in line with ``paths`` (files and directories): for one tenant's
    eyes only when ``tenant`` is given, else shared by all tenants."""
    report, plan = IngestReport(), _Plan()
    roots = [Path(p) for p in paths]
    files = [f for root in roots for f in discover(root)]
    for path in files:
        _plan_file(kb, path, plan, report, tenant)
    for source in _gone_sources(kb, roots, {source_key(f) for f in files}, tenant):
        plan.stale.extend(kb.ids_for_source(source, tenant))
        report.deleted_sources.append(source)
    kb.delete(plan.stale)
    _write(kb, plan.new, batch_size)
    report.added, report.removed = len(plan.new), len(plan.stale)
    kb.reload()
    logger.info(
        "ingested %d files: %d passages added, %d unchanged, %d removed",
        report.files, report.added, report.unchanged, report.removed,
    )
    return report
