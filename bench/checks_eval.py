"""Draft-reply checks: precision and recall per finding type, and latency.

Runs ``check_reply`` over the project's own labelled drafts
(bench/checks_drafts.jsonl, against the synthetic conversations in
bench/checks_conversations.json; the rules were written with this set in view)
and over a second set written after the rules were frozen (bench/checks_holdout_*;
its one blind run and the fixes it led to are recorded in its ``_about``),
prints precision/recall per finding kind,
then the p50/p99 latency of the deterministic check on a 50-turn conversation,
then the sample conversation (server/demo/delayed_order.json) with three drafts.

A predicted finding is a true positive when a labelled finding of the same kind
on the same draft overlaps its span; each label is matched at most once.

    /work/venv/bin/python bench/checks_eval.py [--runs 2000] [--misses]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.checks import Finding, FindingKind, Policy, check_reply  # noqa: E402
from server.checks.claims import extract_claims  # noqa: E402
from server.checks.status import extract_status  # noqa: E402
from server.checks.text import sentences  # noqa: E402
from server.context.model import Commitment, ContextPackage, Fact, Role, Statement, Turn  # noqa: E402

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "server" / "demo" / "delayed_order.json"


def build_package(conv: dict[str, object]) -> ContextPackage:
    turns = [Turn(id=i, role=Role(role), text=text) for i, (role, text) in enumerate(conv["turns"], 1)]  # type: ignore[arg-type]
    return ContextPackage(
        conversation_id=str(conv["id"]),
        transcript=turns,
        analyzed_through_turn=len(turns),
        facts=[Fact(type=t, value=v, turn_ids=ids) for t, v, ids in conv["facts"]],  # type: ignore[attr-defined]
        bot_statements=[Statement(text=t, turn_ids=ids) for t, ids in conv["statements"]],  # type: ignore[attr-defined]
        commitments=[
            Commitment(text=t, action=a, amount=m, deadline=d, turn_ids=ids)
            for t, a, m, d, ids in conv["commitments"]  # type: ignore[attr-defined]
        ],
    )


SETS = {
    "labelled": ("checks_conversations.json", "checks_drafts.jsonl"),
    "held-out": ("checks_holdout_conversations.json", "checks_holdout_drafts.jsonl"),
}


def load(name: str) -> tuple[Policy, dict[str, ContextPackage], list[dict[str, object]]]:
    conversations, labelled = SETS[name]
    data = json.loads((HERE / conversations).read_text())
    packages = {c["id"]: build_package(c) for c in data["conversations"]}
    drafts = [json.loads(line) for line in (HERE / labelled).read_text().splitlines() if line.strip()]
    return Policy.from_mapping(data["policy"]), packages, drafts


def score(policy: Policy, packages: dict[str, ContextPackage], drafts: list[dict[str, object]], show: bool) -> None:
    counts: Counter[tuple[str, str]] = Counter()
    values = Counter[str]()
    for row in drafts:
        draft = str(row["draft"])
        found = check_reply(packages[str(row["conversation"])], draft, policy)
        gold = [(e["kind"], draft.index(e["text"]), draft.index(e["text"]) + len(e["text"]), e.get("value")) for e in row["expect"]]  # type: ignore[attr-defined,index]
        unmatched = list(gold)
        for f in found:
            hit = next((g for g in unmatched if g[0] == f.kind and g[1] < f.span[1] and f.span[0] < g[2]), None)
            counts[(f.kind, "tp" if hit else "fp")] += 1
            if hit:
                unmatched.remove(hit)
                if hit[3]:
                    values["right" if hit[3] in f.known_value else "wrong"] += 1
            if show and not hit:
                print(f"  FP {row['id']:4} {f.kind:16} {draft[f.span[0]:f.span[1]]!r}: {f.message}")
        for g in unmatched:
            counts[(g[0], "fn")] += 1
            if show:
                print(f"  FN {row['id']:4} {g[0]:16} {draft[g[1]:g[2]]!r} ({row['note']})")
    print(f"{len(drafts)} drafts, {len(packages)} conversation(s)\n")
    print(f"{'finding kind':18} {'labels':>6} {'found':>6} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8}")
    for kind in [*FindingKind, "all"]:
        tp, fp, fn = (sum(v for (k, t), v in counts.items() if t == what and kind in (k, "all")) for what in ("tp", "fp", "fn"))
        p = tp / (tp + fp) if tp + fp else float("nan")
        r = tp / (tp + fn) if tp + fn else float("nan")
        print(f"{kind:18} {tp + fn:6} {tp + fp:6} {tp:4} {fp:4} {fn:4} {p:10.2f} {r:8.2f}")
    print(f"repeat questions with the right known value: {values['right']}/{values['right'] + values['wrong']}")


def long_package(packages: dict[str, ContextPackage], n_turns: int) -> ContextPackage:
    """The synthetic conversations back to back, renumbered, cut at ``n_turns``."""
    turns: list[Turn] = []
    facts: list[Fact] = []
    commitments: list[Commitment] = []
    while len(turns) < n_turns:
        for p in packages.values():
            base = len(turns)
            turns += [t.model_copy(update={"id": base + t.id}) for t in p.transcript]
            facts += [f.model_copy(update={"turn_ids": [base + i for i in f.turn_ids]}) for f in p.facts]
            commitments += [c.model_copy(update={"turn_ids": [base + i for i in c.turn_ids]}) for c in p.commitments]
    turns = turns[:n_turns]
    keep = [f for f in facts if max(f.turn_ids) <= n_turns]
    kept_c = [c for c in commitments if max(c.turn_ids) <= n_turns]
    return ContextPackage(conversation_id="long", transcript=turns, facts=keep, commitments=kept_c)


def latency(policy: Policy, package: ContextPackage, drafts: list[str], runs: int, cold: bool) -> tuple[float, float]:
    times = []
    for i in range(runs):
        if cold:
            for cached in (extract_claims, extract_status, sentences):
                cached.cache_clear()
        start = time.perf_counter()
        check_reply(package, drafts[i % len(drafts)], policy)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.99 * len(times)))]


def demo(policy: Policy, packages: dict[str, ContextPackage]) -> None:
    package = packages["demo_delayed"]
    sample = json.loads(SAMPLE.read_text())[-1]
    cut = sample["turns"][: sample["cut_turn"]]
    assert [t["text"] for t in cut] == [t.text for t in package.transcript], "demo_delayed must mirror the sample"
    print(f"\nsample conversation {sample['id']} ({len(cut)} turns, {SAMPLE.relative_to(HERE.parent)})")
    for draft in (
        "Hi Maria, I'm sorry for the wait. Your order 88412 shipped on Monday and you'll get an update by email within 24 hours.",
        "Hi Maria, it looks like your order hasn't shipped yet.",
        "Hi Maria, could you give me your order number so I can check?",
    ):
        print(f"\n  draft: {draft}")
        findings = check_reply(package, draft, policy)
        print("    passed: no findings" if not findings else "")
        for f in findings:
            _show(draft, f)


def _show(draft: str, f: Finding) -> None:
    print(f"    {f.kind} [{f.severity}] span {f.span} = {draft[f.span[0]:f.span[1]]!r}")
    print(f"      {f.message}")
    print(f"      turn {f.turn_ids}: {f.earlier_text!r}")
    if f.known_value:
        print(f"      known value: {f.known_value}")
    print(f"      suggested rewrite: {f.suggested_rewrite!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--misses", action="store_true", help="list false positives and negatives")
    args = parser.parse_args()
    for name in SETS:
        print(f"\n== {name} set ==")
        score(*load(name), args.misses)
    policy, packages, drafts = load("labelled")
    package = long_package(packages, 50)
    texts = [str(d["draft"]) for d in drafts]
    print(f"\nlatency, deterministic check, {len(package.transcript)}-turn conversation, {args.runs} runs:")
    for cold in (True, False):
        p50, p99 = latency(policy, package, texts, args.runs, cold)
        label = "cold (turn caches cleared every run)" if cold else "warm (earlier turns cached)"
        print(f"  {label:38} median {p50:6.2f} ms   p99 {p99:6.2f} ms")
    demo(policy, packages)


if __name__ == "__main__":
    main()
