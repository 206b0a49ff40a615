"""Fact recall/precision and step recall on ABCD, plus per-turn analyser time.

    python bench/facts_eval.py [--data ../shared/data/abcd_dev.jsonl] [--no-descriptions] [-v]

Feeds each conversation's turns[:cut_turn] (customer -> CUSTOMER, agent -> BOT,
action -> SYSTEM) through build_turn_analysers with the ABCD ontology's action
names (and, unless --no-descriptions, the guideline text of each action button
as its description), then scores as shared/data/README.md defines.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.analysis.action_names import ActionMatcher  # noqa: E402
from server.analysis.rules import build_turn_analysers  # noqa: E402
from server.context.model import ContextPackage, Role, Turn  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ROLES = {"customer": Role.CUSTOMER, "agent": Role.BOT, "action": Role.SYSTEM}


def norm(value: str) -> str:
    return " ".join(value.lower().split())


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def load_actions(ontology: Path) -> list[str]:
    groups = json.loads(ontology.read_text())["actions"]
    return [name for group in groups.values() for name in group]


def load_descriptions(guidelines: Path, actions: list[str]) -> dict[str, str]:
    """Each guideline button's text, joined per action the button names."""
    matcher = ActionMatcher(actions)
    out: dict[str, str] = {}
    for flow in json.loads(guidelines.read_text()).values():
        for sub in flow.get("subflows", {}).values():
            for item in sub.get("actions", []) if isinstance(sub, dict) else []:
                if not isinstance(item, dict) or "button" not in item:
                    continue
                found = matcher.match(item["button"])
                if found and found[1] >= 0.99:
                    out[found[0]] = out.get(found[0], "") + " " + " ".join(item.get("subtext", []))
    return out


def run(record: dict[str, Any], analysers: list[Any], times: list[float]) -> ContextPackage:
    package = ContextPackage(conversation_id=record["id"])
    for i, raw in enumerate(record["turns"][: record["gold"]["cut_turn"]], start=1):
        turn = Turn(id=i, role=ROLES[raw["speaker"]], text=raw["text"])
        package.transcript.append(turn)
        start = time.perf_counter()
        for analyser in analysers:
            analyser(package, turn)
        times.append(time.perf_counter() - start)
    return package


def score(record: dict[str, Any], package: ContextPackage, verbose: bool) -> tuple[int, int, int, int, int, int]:
    gold = record["gold"]
    prefix = record["turns"][: gold["cut_turn"]]
    text = norm(" ".join(t["text"] for t in prefix))
    text_digits = [digits(t["text"]) for t in prefix]
    values = {norm(f.value) for f in package.facts}
    value_digits = {digits(f.value) for f in package.facts}
    hits = 0
    for kind, value in gold["customer_facts"].items():
        ok = norm(value) in values or (kind == "phone" and digits(value) in value_digits)
        hits += ok
        if verbose and not ok:
            print(f"  MISS {record['id']} {kind}={value!r}")
    said = 0
    for fact in package.facts:
        ok = norm(fact.value) in text or (fact.type == "phone" and any(digits(fact.value) in d for d in text_digits))
        said += ok
        if verbose and not ok:
            print(f"  UNSAID {record['id']} {fact.type}={fact.value!r}")
    names = {s.name for s in package.steps}
    gold_steps = [a["name"] for a in gold["actions"]]
    step_hits = sum(name in names for name in gold_steps)
    if verbose:
        for name in gold_steps:
            if name not in names:
                print(f"  STEP MISS {record['id']} {name} (have {sorted(names)})")
    return hits, len(gold["customer_facts"]), said, len(package.facts), step_hits, len(gold_steps)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA / "abcd_dev.jsonl")
    parser.add_argument("--ontology", type=Path, default=DATA / "abcd" / "ontology.json")
    parser.add_argument("--guidelines", type=Path, default=DATA / "abcd" / "guidelines.json")
    parser.add_argument("--no-descriptions", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    actions = load_actions(args.ontology)
    descriptions = None if args.no_descriptions else load_descriptions(args.guidelines, actions)
    analysers = build_turn_analysers(actions=actions, action_descriptions=descriptions)
    records = [json.loads(line) for line in args.data.read_text().splitlines()]
    records = [r for r in records if r.get("source") == "abcd"]
    run(records[0], analysers, [])  # warm-up: first-use loading (phone metadata) is not per-turn cost
    totals = [0] * 6
    times: list[float] = []
    for record in records:
        package = run(record, analysers, times)
        if args.verbose:
            print(record["id"], [(f.type, f.value, f.turn_ids) for f in package.facts])
            print("   steps", [(s.name, s.outcome.value, s.turn_ids) for s in package.steps])
        totals = [a + b for a, b in zip(totals, score(record, package, args.verbose), strict=True)]
    hits, gold, said, extracted, step_hits, gold_steps = totals
    ms = sorted(t * 1000 for t in times)
    print(f"fact recall     {hits / max(gold, 1):.3f}  ({hits}/{gold})")
    print(f"fact precision  {said / max(extracted, 1):.3f}  ({said}/{extracted})")
    print(f"step recall     {step_hits / max(gold_steps, 1):.3f}  ({step_hits}/{gold_steps})")
    print(f"per-turn time   median {statistics.median(ms):.3f} ms  p99 {ms[int(0.99 * (len(ms) - 1))]:.3f} ms  ({len(ms)} turns)")


if __name__ == "__main__":
    main()
