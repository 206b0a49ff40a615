"""Feeds annotated conversations through the real analysis engine and brief composer, and scores them."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from typing import Any

from server.analysis.engine import Engine
from server.brief.compose import compose_brief
from server.brief.model import Brief
from server.brief.scoring import Quote, key_sentence_f1, lead_baseline, make_rouge_scorer, rouge
from server.context.model import ContextPackage
from server.evaluation import scores
from server.evaluation.datasets import Item


def evaluate(engine: Engine, items: Sequence[Item], progress: bool = True) -> dict[str, Any]:
    from tqdm import tqdm

    rouge_scorer = make_rouge_scorer()
    engine.issue_wait_s = None  # score the label of the whole prefix, however long the embedding takes
    results = []
    timings = []
    for item in tqdm(items, desc="eval", unit="conv", file=sys.stderr, disable=not progress):
        started = time.perf_counter()
        package = ContextPackage(conversation_id=item.id)
        asyncio.run(engine.analyse(package, item.turns))
        brief = compose_brief(package)
        timings.append((time.perf_counter() - started) / max(1, len(item.turns)))
        results.append(_score(item, package, brief, rouge_scorer))
    return {"metrics": _aggregate(results, timings), "items": results}


def _score(item: Item, package: ContextPackage, brief: Brief, rouge_scorer: Any) -> dict[str, Any]:
    item_scores: dict[str, Any] = {}
    gold = item.gold
    if "customer_facts" in gold:
        item_scores |= scores.fact_scores(package, item.turns, gold["customer_facts"])
    if "issue" in gold:
        item_scores |= scores.issue_scores(package, gold["issue"])
    if "actions" in gold:
        item_scores |= scores.step_scores(package, gold["actions"])
    if gold.get("abstractive"):
        references = [" ".join(summary) for summary in gold["abstractive"]]
        annotators = [[Quote(q["turn"], q["text"]) for q in chosen] for chosen in gold.get("extractive", [])]
        predicted = [Quote(k.turn_id - 1, k.text) for k in brief.key_sentences]
        lead = lead_baseline([("customer" if t.role == "customer" else "agent", t.text) for t in item.turns])
        item_scores |= {f"{k}": v for k, v in rouge(brief.summary, references, rouge_scorer).items()}
        item_scores |= {f"lead_{k}": v for k, v in rouge(lead, references, rouge_scorer).items()}
        item_scores["key_sentence_f1"] = key_sentence_f1(predicted, annotators)
    package_json = package.model_dump(mode="json", exclude={"transcript"})
    brief_json = {
        "summary": brief.summary,
        "key_sentences": [{"turn": k.turn_id - 1, "text": k.text} for k in brief.key_sentences],
        "opening_line": brief.opening_line,
        "announcement": brief.announcement,
    }
    return {"id": item.id, "package": package_json, "brief": brief_json, "scores": item_scores}


METRICS = [
    "fact_recall", "fact_precision", "subflow_correct", "flow_correct", "step_recall",
    "rouge1", "rouge2", "rougeL", "lead_rouge1", "lead_rouge2", "lead_rougeL", "key_sentence_f1",
]


def _aggregate(results: list[dict[str, Any]], per_turn_s: list[float]) -> dict[str, Any]:
    metrics: dict[str, Any] = {"items": len(results)}
    for name in METRICS:
        value = scores.mean(r["scores"].get(name) for r in results)
        if value is not None:
            metrics[name.replace("_correct", "_accuracy")] = round(value, 4)
    if per_turn_s:
        ordered = sorted(per_turn_s)
        metrics["analysis_ms_per_turn_median"] = round(1000 * ordered[len(ordered) // 2], 3)
    return metrics


def format_table(metrics: dict[str, Any]) -> str:
    rows = [f"{'metric':<32} {'value':>8}", "-" * 41]
    for name, value in metrics.items():
        rows.append(f"{name:<32} {value:>8}" if isinstance(value, int) else f"{name:<32} {value:>8.3f}")
    return "\n".join(rows)
