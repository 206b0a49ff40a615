"""The figures the project is judged on, computed as ../shared/data/README.md defines them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from server.context.model import ContextPackage, Turn


def normalise(value: str) -> str:
    return " ".join(value.lower().split())


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _looks_like_phone(value: str) -> bool:
    return len(_digits(value)) >= 7 and not re.search(r"[a-z]", value.lower())


def fact_scores(package: ContextPackage, turns: Iterable[Turn], gold_facts: dict[str, str]) -> dict[str, Any]:
    """Recall of gold customer facts among the package's facts; precision against the prefix's text."""
    values = [f.value for f in package.facts if f.source == "customer"]
    mine = {normalise(v) for v in values} | {_digits(v) for v in values if _looks_like_phone(v)}
    gold = [str(v) for v in gold_facts.values() if str(v).strip()]
    found = [g for g in gold if normalise(g) in mine or (_looks_like_phone(g) and _digits(g) in mine)]
    prefix = normalise(" ".join(t.text for t in turns))
    prefix_digits = _digits(prefix)
    supported = [
        v for v in values
        if normalise(v) in prefix or (_looks_like_phone(v) and _digits(v) in prefix_digits)
    ]
    return {
        "fact_recall": len(found) / len(gold) if gold else None,
        "fact_precision": len(supported) / len(values) if values else None,
        "facts_missed": [g for g in gold if g not in found],
        "facts_unsupported": [v for v in values if v not in supported],
    }


def issue_scores(package: ContextPackage, gold_issue: dict[str, str]) -> dict[str, Any]:
    return {
        "subflow_correct": float(package.issue.label == gold_issue.get("subflow")),
        "flow_correct": float(package.issue.group == gold_issue.get("flow")),
    }


def step_scores(package: ContextPackage, gold_actions: list[dict[str, Any]]) -> dict[str, Any]:
    names = {s.name for s in package.steps}
    gold = [a["name"] for a in gold_actions]
    hits = [g for g in gold if g in names]
    return {"step_recall": len(hits) / len(gold) if gold else None, "steps_missed": [g for g in gold if g not in hits]}


def mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None
