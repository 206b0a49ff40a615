"""ROUGE-1/2/L and key-sentence F1 on TweetSumm: our summary against the lead baseline.

    python bench/tweetsumm_eval.py [--data ../shared/data/tweetsumm_dev.jsonl] [--llm MODEL] [--limit N]

Our deterministic summary and the lead baseline run on the same items in one
command; with --llm, the LLM prose (grounded, with deterministic fallback) too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.brief.scoring import (  # noqa: E402
    ROUGE_KEYS,
    Quote,
    key_sentence_f1,
    lead_baseline,
    make_rouge_scorer,
    rouge,
)
from server.brief.summary import key_sentences, summarise  # noqa: E402
from server.context.model import ContextPackage, Role, Turn  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tweetsumm_dev.jsonl"
_ROLES = {"customer": Role.CUSTOMER, "agent": Role.BOT, "action": Role.SYSTEM}


def to_package(item: dict[str, Any]) -> ContextPackage:
    turns = [Turn(id=i + 1, role=_ROLES[t["speaker"]], text=t["text"]) for i, t in enumerate(item["turns"])]
    return ContextPackage(conversation_id=item["id"], transcript=turns, analyzed_through_turn=len(turns))


def brief_item(package: ContextPackage) -> dict[str, Any]:
    """The 'brief' part of an eval item: summary text and key sentences (0-based turns)."""
    quotes = [{"turn": s.turn_id - 1, "text": s.text} for s in key_sentences(package.transcript)]
    return {"summary": summarise(package.transcript), "key_sentences": quotes}


def _gold(item: dict[str, Any]) -> tuple[list[str], list[list[Quote]]]:
    references = [" ".join(summary) for summary in item["gold"]["abstractive"]]
    annotators = [[Quote(s["turn"], s["text"]) for s in chosen] for chosen in item["gold"]["extractive"]]
    return references, annotators


def _llm_summary(package: ContextPackage, model: str, budget_ms: int) -> tuple[str, str]:
    from server.brief.prose import write_prose
    from server.brief.settings import BriefSettings

    settings = BriefSettings(model=model, budget_ms=budget_ms)
    prose = asyncio.run(write_prose(package, settings))
    return prose.summary, prose.source


def evaluate(items: list[dict[str, Any]], model: str = "", budget_ms: int = 60000) -> dict[str, dict[str, float]]:
    scorer = make_rouge_scorer()
    systems = ["handoff", "lead"] + (["llm"] if model else [])
    totals: dict[str, dict[str, float]] = {name: dict.fromkeys([*ROUGE_KEYS, "key_f1"], 0.0) for name in systems}
    llm_used = 0
    for item in items:
        package = to_package(item)
        references, annotators = _gold(item)
        ours = brief_item(package)
        outputs = {"handoff": ours["summary"], "lead": lead_baseline([(t["speaker"], t["text"]) for t in item["turns"]])}
        if model:
            outputs["llm"], source = _llm_summary(package, model, budget_ms)
            llm_used += source == "llm"
        quotes = [Quote(q["turn"], q["text"]) for q in ours["key_sentences"]]
        lead_quotes = _lead_quotes(item)
        for name, summary in outputs.items():
            for key, value in rouge(summary, references, scorer).items():
                totals[name][key] += value
            totals[name]["key_f1"] += key_sentence_f1(lead_quotes if name == "lead" else quotes, annotators)
    result = {name: {k: v / len(items) for k, v in scores.items()} for name, scores in totals.items()}
    if model:
        result["llm"]["llm_share"] = llm_used / len(items)
    return result


def _lead_quotes(item: dict[str, Any]) -> list[Quote]:
    from server.brief.text import clean_text, split_sentences

    quotes: list[Quote] = []
    turns = list(enumerate(item["turns"]))
    for speaker, order in (("customer", turns), ("agent", turns[::-1])):
        hit = next(((i, t) for i, t in order if t["speaker"] == speaker), None)
        if hit is not None:
            quotes += [Quote(hit[0], s) for s in split_sentences(clean_text(hit[1]["text"]))[:1]]
    return quotes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--llm", default="", help="litellm model string, e.g. local-gguf/gemma3-270m")
    parser.add_argument("--budget-ms", type=int, default=60000)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    items = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    items = items[: args.limit] if args.limit else items
    started = time.perf_counter()
    result = evaluate(items, args.llm, args.budget_ms)
    print(f"TweetSumm {args.data.name}: {len(items)} dialogs, {time.perf_counter() - started:.1f} s")
    print(f"{'system':<10} {'ROUGE-1':>8} {'ROUGE-2':>8} {'ROUGE-L':>8} {'key-F1':>8}")
    for name, s in result.items():
        extra = f"  (LLM prose used on {s['llm_share']:.0%})" if "llm_share" in s else ""
        print(f"{name:<10} {s['rouge1']:8.3f} {s['rouge2']:8.3f} {s['rougeL']:8.3f} {s['key_f1']:8.3f}{extra}")


if __name__ == "__main__":
    main()
