"""KnowledgeBase: passages in a chromadb collection, searched densely, by BM25, or both.

Embeddings are ours (all-MiniLM-L6-v2 through ``server.analysis.embedding``),
passed explicitly on write and on query. Hybrid search fuses the dense and the
BM25 rankings with reciprocal rank fusion. Dense is the default: on the ABCD
guidelines benchmark (bench/kb_recall.py) it beats both BM25 and the hybrid
(MRR 0.77 vs 0.38 and 0.51), whose passages share much of their wording.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import numpy as np

from server.errors import KnowledgeUnavailableError
from server.knowledge.chroma import DEFAULT_COLLECTION, open_client, open_collection
from server.knowledge.corpus import TENANT_KEY, Corpus, Filters, chroma_where
from server.knowledge.splitter import Chunk

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

logger = logging.getLogger(__name__)

RRF_K = 60  # reciprocal rank fusion constant (Cormack et al., 2009)
POST_FILTER_DEPTH = 10  # filtered dense search first looks this many times deeper, unfiltered


_UNREACHABLE = "the knowledge base's Chroma server is unreachable; retry later (HANDOFF_CHROMA_URL)"


class SearchMode(StrEnum):
    DENSE = "dense"
    BM25 = "bm25"
    HYBRID = "hybrid"


DEFAULT_MODE = SearchMode.DENSE


class TextEmbedder(Protocol):
    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray: ...


@dataclass(frozen=True)
class Passage:
    id: str
    title: str
    source: str
    heading_path: tuple[str, ...]
    text: str
    score: float
    metadata: dict[str, Any] = field(default_factory=dict)


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {**chunk.metadata, "source": chunk.source, "title": chunk.title}
    if chunk.heading_path:
        meta["heading_path"] = list(chunk.heading_path)
    return meta


class KnowledgeBase:
    def __init__(self, collection: Collection, embedder: TextEmbedder, mode: SearchMode = DEFAULT_MODE) -> None:
        self.collection = collection
        self.embedder = embedder
        self.mode = mode
        self.corpus = Corpus.load(collection)
        logger.info("knowledge base %s: %d passages", collection.name, len(self.corpus))

    @classmethod
    def open(
        cls,
        embedder: TextEmbedder,
        *,
        data_dir: str | Path | None = None,
        url: str | None = None,
        collection: str = DEFAULT_COLLECTION,
        mode: SearchMode = DEFAULT_MODE,
    ) -> KnowledgeBase:
        return cls(open_collection(open_client(data_dir, url), collection), embedder, mode)

    def __len__(self) -> int:
        return len(self.corpus)

    def reload(self) -> None:
        """Re-read the collection (after an ingest, here or by another process)."""
        self.corpus = Corpus.load(self.collection)

    def ids_for_source(self, source: str, tenant: str = "") -> set[str]:
        """The passages ingested from ``source`` for ``tenant`` ("" for the shared ones)."""
        found = self.collection.get(where={"source": source}, include=["metadatas"])
        metadatas = found["metadatas"] or [{} for _ in found["ids"]]
        return {pid for pid, m in zip(found["ids"], metadatas, strict=True) if _tenant_of(m) == tenant}

    def sources(self, tenant: str = "") -> set[str]:
        return {str(m.get("source", "")) for m in self.corpus.metadatas if _tenant_of(m) == tenant}

    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        self.collection.upsert(
            ids=[c.id for c in chunks],
            embeddings=vectors,
            documents=[c.text for c in chunks],
            metadatas=[chunk_metadata(c) for c in chunks],
        )

    def delete(self, ids: Sequence[str]) -> None:
        if ids:
            self.collection.delete(ids=list(ids))

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        k: int = 5,
        *,
        mode: SearchMode | None = None,
        query_vector: np.ndarray | None = None,
        tenant: str | None = None,
    ) -> list[Passage]:
        """The ``k`` best passages for ``query`` among those matching ``filters``; with a ``tenant``,
        only that tenant's passages and the shared ones (those with no tenant)."""
        mode = mode or self.mode
        if k <= 0 or not query.strip() or not len(self.corpus):
            return []
        depth = k if mode != SearchMode.HYBRID else max(50, 4 * k)
        dense: list[tuple[str, float]] = []
        keyword: list[tuple[str, float]] = []
        if mode != SearchMode.BM25:
            vector = query_vector if query_vector is not None else self.embedder.embed([query])[0]
            dense = self._dense(vector, filters, depth, tenant)
        if mode != SearchMode.DENSE:
            hits = self.corpus.bm25.top(query, depth, self.corpus.mask(filters, tenant))
            keyword = [(self.corpus.ids[i], score) for i, score in hits]
        ranked = dense if mode == SearchMode.DENSE else keyword if mode == SearchMode.BM25 else fuse(dense, keyword)
        return [self._passage(pid, score) for pid, score in ranked[:k] if pid in self.corpus.index_of]

    def _dense(
        self, vector: np.ndarray, filters: Filters | None, depth: int, tenant: str | None = None
    ) -> list[tuple[str, float]]:
        """Nearest passages; a filter is first applied to a deeper unfiltered result,
        because chroma's filtered vector search is far slower on large collections."""
        mask = self.corpus.mask(filters, tenant)
        if mask is None:
            return self._nearest(vector, depth, None)
        wide = self._nearest(vector, depth * POST_FILTER_DEPTH, None)
        kept = [(pid, s) for pid, s in wide if pid in self.corpus.index_of and mask[self.corpus.index_of[pid]]]
        if len(kept) >= min(depth, int(mask.sum())):
            return kept[:depth]
        if not mask.any():
            return []
        if self.corpus.mask(None, tenant) is None:
            return self._nearest(vector, depth, filters)
        # shared passages carry no tenant, which chroma cannot filter on: name the passages instead
        allowed = [pid for pid, ok in zip(self.corpus.ids, mask, strict=True) if ok]
        return self._nearest(vector, depth, None, ids=allowed)

    def ping(self) -> None:
        """Raise KnowledgeUnavailableError when the vector store cannot be reached (the health probe)."""
        try:
            self.collection.count()
        except httpx.TransportError as e:
            raise KnowledgeUnavailableError(_UNREACHABLE) from e

    def _nearest(
        self, vector: np.ndarray, depth: int, filters: Filters | None, ids: list[str] | None = None
    ) -> list[tuple[str, float]]:
        try:
            result = self.collection.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)],
                n_results=max(1, min(depth, len(ids) if ids is not None else len(self.corpus))),
                where=chroma_where(filters),
                ids=ids,
                include=["distances"],
            )
        except httpx.TransportError as e:  # the Chroma server is down or restarting
            raise KnowledgeUnavailableError(_UNREACHABLE) from e
        distances = (result["distances"] or [[]])[0]
        return [(pid, 1.0 - float(d)) for pid, d in zip(result["ids"][0], distances, strict=True)]

    def _passage(self, pid: str, score: float) -> Passage:
        i = self.corpus.index_of[pid]
        meta = self.corpus.metadatas[i]
        return Passage(
            id=pid,
            title=str(meta.get("title", "")),
            source=str(meta.get("source", "")),
            heading_path=tuple(str(h) for h in meta.get("heading_path") or ()),
            text=self.corpus.texts[i],
            score=score,
            metadata={k: v for k, v in meta.items() if k not in ("title", "source", "heading_path")},
        )


def _tenant_of(metadata: Any) -> str:
    return str((metadata or {}).get(TENANT_KEY, ""))


def fuse(*rankings: Sequence[tuple[str, float]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: each list adds 1 / (k + rank) for the ids it ranks."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, (pid, _) in enumerate(ranking, start=1):
            scores[pid] = scores.get(pid, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)
