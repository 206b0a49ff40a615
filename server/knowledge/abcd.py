"""ABCD agent guidelines (guidelines.json) as a knowledge base: one passage per subflow.

The guidelines name flows and subflows for people ("Reset Two-Factor Auth");
the ontology (ontology.json, read from beside the guidelines when present)
names them for machines ("reset_2fa"). Passages carry the ontology's names as
``flow`` / ``subflow`` metadata so they can be filtered by the issue taxonomy.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from server.knowledge.documents import Document, Section, UnsupportedDocumentError

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[a-z0-9]+")


def is_guidelines(data: object) -> bool:
    if not isinstance(data, dict) or not data:
        return False
    return all(isinstance(v, dict) and isinstance(v.get("subflows"), dict) for v in data.values())


def snake_case(name: str) -> str:
    return "_".join(_WORD.findall(name.lower()))


def _overlap(human: str, machine: str) -> int:
    return len(set(_WORD.findall(human.lower())) & set(machine.split("_")))


def match_subflows(human: list[str], machine: list[str]) -> dict[str, str]:
    """Pair each human-readable subflow with an ontology subflow by shared words, then by position."""
    pairs = sorted(
        ((_overlap(h, m), -abs(i - j), h, m) for i, h in enumerate(human) for j, m in enumerate(machine)),
        reverse=True,
    )
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for score, _, h, m in pairs:
        if score > 0 and h not in mapping and m not in taken:
            mapping[h] = m
            taken.add(m)
    left = [m for m in machine if m not in taken]
    for h in human:
        if h not in mapping:
            mapping[h] = left.pop(0) if left else snake_case(h)
    return mapping


def load_ontology_subflows(path: Path) -> dict[str, list[str]]:
    if not path.is_file():
        return {}
    intents = json.loads(path.read_text(encoding="utf-8")).get("intents", {})
    subflows = intents.get("subflows", {})
    return {str(k): list(v) for k, v in subflows.items()} if isinstance(subflows, dict) else {}


def _subflow_text(flow_description: str, subflow: dict[str, Any]) -> list[str]:
    paragraphs = [str(p) for p in subflow.get("instructions", []) if str(p).strip()]
    for step, action in enumerate(subflow.get("actions", []), start=1):
        text = str(action.get("text", "")).strip()
        if text in ("", "x"):
            text = str(action.get("button", "")).strip()
        details = "; ".join(str(s).strip() for s in action.get("subtext", []) if str(s).strip())
        paragraphs.append(f"{step}. {text}" + (f" ({details})" if details else ""))
    if flow_description:
        paragraphs.append(f"Flow covers: {flow_description}.")
    return paragraphs


def read_guidelines(path: Path, data: dict[str, Any], ontology: Path | None = None) -> Document:
    ontology_subflows = load_ontology_subflows(ontology or path.with_name("ontology.json"))
    if not ontology_subflows:
        logger.warning("no ABCD ontology beside %s: flow and subflow names are derived", path)
    sections = []
    for flow_name, flow in data.items():
        flow_id = snake_case(flow_name)
        names = match_subflows(list(flow["subflows"]), ontology_subflows.get(flow_id, []))
        for sub_name, subflow in flow["subflows"].items():
            sections.append(
                Section(
                    heading_path=(flow_name, sub_name),
                    paragraphs=_subflow_text(str(flow.get("description", "")), subflow),
                    metadata={"flow": flow_id, "subflow": names[sub_name]},
                    atomic=True,
                )
            )
    return Document(str(path), "ABCD agent guidelines", "abcd-guidelines", sections)


def read_json_document(path: Path) -> Document:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not is_guidelines(data):
        raise UnsupportedDocumentError(f"{path}: JSON documents must be ABCD-style guidelines (flow -> subflows)")
    return read_guidelines(path, data)
