"""The chromadb client, chosen by configuration: a server by URL, or a local data dir.

``EphemeralClient`` is never used here: tests use a data dir under ``tmp_path``.
Our own embeddings are always passed explicitly, so the collection is opened
without an embedding function and chroma never fetches its default model.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from chromadb.config import Settings

logger = logging.getLogger(__name__)

DEFAULT_COLLECTION = "knowledge"


class KnowledgeConfigError(ValueError):
    """The knowledge base location is missing or malformed."""


def _settings() -> Settings:
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False)


def _http_client(url: str) -> ClientAPI:
    import chromadb

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise KnowledgeConfigError(f"chroma URL {url!r} must look like http://host:8000")
    ssl = parts.scheme == "https"
    port = parts.port or (443 if ssl else 8000)
    logger.info("knowledge base: chroma server at %s:%s", parts.hostname, port)
    return chromadb.HttpClient(host=parts.hostname, port=port, ssl=ssl, settings=_settings())


def open_client(data_dir: str | Path | None = None, url: str | None = None) -> ClientAPI:
    """``HttpClient`` when a URL is given, else ``PersistentClient`` on ``data_dir``."""
    if url:
        return _http_client(url)
    if not data_dir:
        raise KnowledgeConfigError("give the knowledge base a data dir (--data-dir) or a chroma URL (--chroma-url)")
    import chromadb

    path = Path(data_dir)
    path.mkdir(parents=True, exist_ok=True)
    logger.info("knowledge base: local chroma in %s", path)
    return chromadb.PersistentClient(path=str(path), settings=_settings())


def open_collection(client: ClientAPI, name: str = DEFAULT_COLLECTION) -> Collection:
    return client.get_or_create_collection(
        name,
        embedding_function=None,
        configuration={"hnsw": {"space": "cosine"}},
    )
