"""Document readers: Markdown, plain text, HTML and PDF into sections with a heading path.

A reader turns one file into a title, optional metadata and a list of
``Section`` (the heading path that leads to it, and its paragraphs). Splitting
sections into passages of a useful size is ``server.knowledge.splitter``'s job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it.token import Token

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_BLANK_LINES = re.compile(r"\n\s*\n")
_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_TEXT_TAGS = ("p", "li", "pre", "blockquote", "td", "th", "dd", "dt")


class UnsupportedDocumentError(ValueError):
    """The file's format has no reader."""


@dataclass
class Section:
    heading_path: tuple[str, ...]
    paragraphs: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    atomic: bool = False  # one passage whatever its length (an ABCD subflow)


@dataclass
class Document:
    source: str
    title: str
    format: str
    sections: list[Section]
    metadata: dict[str, str] = field(default_factory=dict)


def title_from_filename(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize()


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, text[match.end() :]


def _add_paragraph(sections: list[Section], path: tuple[str, ...], text: str) -> None:
    text = " ".join(text.split())
    if not text:
        return
    if not sections or sections[-1].heading_path != path:
        sections.append(Section(path))
    sections[-1].paragraphs.append(text)


def _push_heading(path: tuple[str, ...], levels: list[int], level: int, title: str) -> tuple[str, ...]:
    while levels and levels[-1] >= level:
        levels.pop()
        path = path[:-1]
    levels.append(level)
    return (*path, title)


def read_markdown(path: Path) -> Document:
    from markdown_it import MarkdownIt

    meta, body = _split_front_matter(path.read_text(encoding="utf-8"))
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    sections: list[Section] = []
    heading: tuple[str, ...] = ()
    levels: list[int] = []
    for i, token in enumerate(tokens):
        if token.type != "inline":
            continue
        opener = tokens[i - 1]
        if opener.type == "heading_open":
            heading = _push_heading(heading, levels, int(opener.tag[1]), _inline_text(token))
        else:
            _add_paragraph(sections, heading, _inline_text(token))
    title = meta.pop("title", "") or _first_heading(tokens) or title_from_filename(path)
    return Document(str(path), title, "markdown", sections, meta)


def _inline_text(token: Token) -> str:
    """The inline's text without markup (emphasis, links, escapes)."""
    parts = [c.content if c.type not in ("softbreak", "hardbreak") else " " for c in token.children or []]
    return "".join(parts).strip()


def _first_heading(tokens: list[Token]) -> str:
    for i, token in enumerate(tokens[:-1]):
        if token.type == "heading_open":
            return _inline_text(tokens[i + 1])
    return ""


def read_text(path: Path) -> Document:
    title = title_from_filename(path)
    section = Section((title,), [p for p in _BLANK_LINES.split(path.read_text(encoding="utf-8"))])
    section.paragraphs = [" ".join(p.split()) for p in section.paragraphs if p.strip()]
    return Document(str(path), title, "text", [section])


def read_html(path: Path) -> Document:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(encoding="utf-8", errors="replace"), "html.parser")
    for noise in soup(["script", "style", "nav", "footer", "header", "noscript"]):
        noise.decompose()
    sections: list[Section] = []
    heading: tuple[str, ...] = ()
    levels: list[int] = []
    for element in soup.find_all([*_HEADING_TAGS, *_TEXT_TAGS]):
        if element.find_parent(_TEXT_TAGS):
            continue  # a list item inside a table cell is read with the cell
        text = element.get_text(" ", strip=True)
        if element.name in _HEADING_TAGS:
            heading = _push_heading(heading, levels, int(element.name[1]), text)
        else:
            _add_paragraph(sections, heading, text)
    page_title = soup.title.get_text(strip=True) if soup.title else ""
    first_heading = soup.find(_HEADING_TAGS)
    title = page_title or (first_heading.get_text(" ", strip=True) if first_heading else "")
    return Document(str(path), title or title_from_filename(path), "html", sections)


def read_pdf(path: Path) -> Document:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    meta_title = reader.metadata.title if reader.metadata and reader.metadata.title else ""
    title = str(meta_title).strip() or title_from_filename(path)
    sections = []
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        paragraphs = [" ".join(p.split()) for p in _BLANK_LINES.split(text) if p.strip()]
        if paragraphs:
            sections.append(Section((title, f"page {number}"), paragraphs))
    return Document(str(path), title, "pdf", sections)


READERS: dict[str, Callable[[Path], Document]] = {
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_text,
    ".text": read_text,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
}


def read_document(path: Path) -> Document:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        supported = ", ".join(sorted(READERS))
        raise UnsupportedDocumentError(f"{path}: no reader for {path.suffix!r} (supported: {supported}, .json)")
    return reader(path)
