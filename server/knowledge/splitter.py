"""Splits a document's sections into passages that keep their heading path.

Paragraphs of one section are packed together up to ``max_words``; a paragraph
longer than that is cut at sentence ends. A passage never spans two sections,
so its heading path says exactly where it came from. The embedding model reads
about 256 word pieces, so the default stays well under that.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from server.knowledge.documents import Document, Section

DEFAULT_MAX_WORDS = 160
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Chunk:
    """A passage ready to embed and store; ``id`` is its content hash."""

    id: str
    source: str
    title: str
    heading_path: tuple[str, ...]
    text: str
    metadata: dict[str, str] = field(default_factory=dict)

    def embedding_text(self) -> str:
        """What the model reads: where the passage sits, then the passage."""
        return f"{' > '.join(self.heading_path) or self.title}: {self.text}"


def content_id(source: str, heading_path: tuple[str, ...], text: str) -> str:
    digest = hashlib.sha256("\x1f".join([source, *heading_path, text]).encode("utf-8"))
    return digest.hexdigest()[:32]


def _sentence_pieces(paragraph: str, max_words: int) -> list[str]:
    if len(paragraph.split()) <= max_words:
        return [paragraph]
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        words = sentence.split()
        pieces.extend(" ".join(words[i : i + max_words]) for i in range(0, len(words), max_words))
    return pieces


def _pack(paragraphs: list[str], max_words: int) -> list[str]:
    passages: list[str] = []
    current: list[str] = []
    size = 0
    for piece in (p for paragraph in paragraphs for p in _sentence_pieces(paragraph, max_words)):
        words = len(piece.split())
        if current and size + words > max_words:
            passages.append("\n".join(current))
            current, size = [], 0
        current.append(piece)
        size += words
    if current:
        passages.append("\n".join(current))
    return passages


def _section_texts(section: Section, max_words: int) -> list[str]:
    if section.atomic:
        return ["\n".join(section.paragraphs)] if section.paragraphs else []
    return _pack(section.paragraphs, max_words)


def split_document(document: Document, max_words: int = DEFAULT_MAX_WORDS) -> list[Chunk]:
    chunks: dict[str, Chunk] = {}  # identical text under one heading is stored once
    for section in document.sections:
        metadata = {**document.metadata, **section.metadata}
        for text in _section_texts(section, max_words):
            cid = content_id(document.source, section.heading_path, text)
            chunks.setdefault(
                cid, Chunk(cid, document.source, document.title, section.heading_path, text, metadata)
            )
    return list(chunks.values())
