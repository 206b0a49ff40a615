"""An in-memory mirror of the collection's passages: BM25 index and metadata filters.

Rebuilt from chroma on load and after each ingest. Filter masks are cached per
(key, value), so a filtered keyword search costs no Python loop over passages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from server.knowledge.bm25 import BM25Index

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

Filters = Mapping[str, Any]  # key -> value, or key -> list of accepted values
TENANT_KEY = "tenant"  # a passage's owner; passages without one are shared by every tenant
_MISSING = "\x1f"  # not "\x00": numpy strips trailing NULs from a compared string
_PAGE = 5000


def searchable_text(text: str, metadata: Mapping[str, Any]) -> str:
    heading = metadata.get("heading_path") or [metadata.get("title", "")]
    return f"{' > '.join(str(h) for h in heading)}: {text}"


class Corpus:
    def __init__(self, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[Mapping[str, Any]]) -> None:
        self.ids = list(ids)
        self.texts = list(texts)
        self.metadatas = [dict(m) for m in metadatas]
        self.index_of = {pid: i for i, pid in enumerate(self.ids)}
        self.bm25 = BM25Index([searchable_text(t, m) for t, m in zip(self.texts, self.metadatas, strict=True)])
        self._columns: dict[str, np.ndarray] = {}
        self._masks: dict[tuple[str, str], np.ndarray] = {}

    @classmethod
    def load(cls, collection: Collection) -> Corpus:
        ids: list[str] = []
        texts: list[str] = []
        metadatas: list[Mapping[str, Any]] = []
        offset = 0
        while True:
            page = collection.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            ids.extend(page["ids"])
            texts.extend(page["documents"] or [])
            metadatas.extend(page["metadatas"] or [])
            offset += len(page["ids"])
            if len(page["ids"]) < _PAGE:
                return cls(ids, texts, metadatas)

    def __len__(self) -> int:
        return len(self.ids)

    def _column(self, key: str) -> np.ndarray:
        if key not in self._columns:
            self._columns[key] = np.array([str(m.get(key, _MISSING)) for m in self.metadatas], dtype=object)
        return self._columns[key]

    def _mask_for(self, key: str, value: Any) -> np.ndarray:
        cache_key = (key, repr(value))
        if cache_key not in self._masks:
            values = value if isinstance(value, list | tuple | set) else [value]
            column = self._column(key)
            mask = np.zeros(len(self), dtype=bool)
            for v in values:
                mask |= column == str(v)
            self._masks[cache_key] = mask
        return self._masks[cache_key]

    def mask(self, filters: Filters | None, tenant: str | None = None) -> np.ndarray | None:
        """Passages matching every filter (and visible to ``tenant``), or None when all pass."""
        masks = [self._mask_for(key, value) for key, value in (filters or {}).items()]
        if tenant is not None:
            visible = self._mask_for(TENANT_KEY, [tenant, "", _MISSING])
            if not visible.all():
                masks.append(visible)
        if not masks:
            return None
        return np.logical_and.reduce(masks) if len(masks) > 1 else masks[0]


def chroma_where(filters: Filters | None) -> dict[str, Any] | None:
    if not filters:
        return None
    clauses: list[dict[str, Any]] = [
        {key: {"$in": list(value)} if isinstance(value, list | tuple | set) else value}
        for key, value in filters.items()
    ]
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
