"""Precision and recall of the personal-data detector, and what it finds in real conversations.

    python bench/pii_eval.py [--data ../shared/data] [--cases bench/pii_holdout.jsonl] [--show 5]

1. bench/pii_cases.jsonl: realistic customer sentences labelled by hand, positives of
   every kind and hard negatives (order numbers failing Luhn, 16-digit tracking ids,
   prices, dates, times, ids); bench/pii_holdout.jsonl was written after the detector was
   frozen, and run blind once. A finding counts when its kind matches a labelled span it
   overlaps; per-kind precision and recall, and how many negative sentences stay untouched.
2. ABCD gold facts: the customer's emails, phones and street addresses should be found
   (recall); the order ids, account ids, usernames, prices and zip codes the agent needs
   must stay readable (every one that ends up inside a redacted span is counted).
3. Every turn of the real conversations (ABCD, TweetSumm, DSTC11 utterances): counts by
   kind, and ``--show N`` findings of each kind with their context, to check by eye.
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

from server.privacy import Finding, Kind, find_pii  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "shared" / "data"
KEPT_FACTS = ("order_id", "account_id", "username", "product_price", "zip_code")
FOUND_FACTS = {"email": Kind.EMAIL, "phone": Kind.PHONE, "street_address": Kind.ADDRESS}


def labelled_set(path: Path) -> None:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    negatives = untouched = 0
    errors = []
    for line in path.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        text = case["text"]
        gold = [(kind, text.find(span), text.find(span) + len(span)) for kind, span in case["pii"]]
        found = find_pii(text)
        matched = set()
        for f in found:
            hit = next((g for g in gold if g[0] == f.kind and f.start < g[2] and g[1] < f.end), None)
            if hit is None:
                fp[f.kind] += 1
                errors.append(f"  false positive {f.kind}: {f.text!r} in {text!r}")
            else:
                tp[f.kind] += 1
                matched.add(hit)
        for g in gold:
            if g not in matched:
                fn[g[0]] += 1
                errors.append(f"  missed {g[0]}: {text[g[1]:g[2]]!r} in {text!r}")
        if not gold:
            negatives += 1
            untouched += not found
    print(f"1. labelled set ({path.name}): {sum(1 for _ in path.open())} sentences, {negatives} hard negatives")
    print(f"   {'kind':<13} {'gold':>4} {'found':>5} {'P':>6} {'R':>6}")
    for kind in [k.value for k in Kind]:
        gold_n, found_n = tp[kind] + fn[kind], tp[kind] + fp[kind]
        print(f"   {kind:<13} {gold_n:>4} {found_n:>5} {_ratio(tp[kind], found_n):>6} {_ratio(tp[kind], gold_n):>6}")
    t, f_p, f_n = sum(tp.values()), sum(fp.values()), sum(fn.values())
    print(f"   {'all':<13} {t + f_n:>4} {t + f_p:>5} {_ratio(t, t + f_p):>6} {_ratio(t, t + f_n):>6}")
    print(f"   hard negatives left untouched: {untouched} of {negatives}")
    print("\n".join(errors))


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "-"


def _conversations(data: Path) -> list[dict]:
    rows = []
    for name in ("abcd_dev.jsonl", "tweetsumm_dev.jsonl"):
        path = data / name
        if path.exists():
            rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def abcd_gold(data: Path) -> None:
    path = data / "abcd_dev.jsonl"
    if not path.exists():
        print(f"2. ABCD gold: {path} not found")
        return
    want: Counter[str] = Counter()
    got: Counter[str] = Counter()
    kept_total = kept_broken = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        turns = [t["text"] for t in row["turns"][: row["gold"]["cut_turn"]] if t["speaker"] == "customer"]
        spans = [(text, find_pii(text)) for text in turns]
        for fact, value in row["gold"]["customer_facts"].items():
            value = str(value).lower()
            where = [(text, found) for text, found in spans if value in text.lower()]
            if fact in FOUND_FACTS and where:
                want[fact] += 1
                got[fact] += any(_covered(text, found, value, FOUND_FACTS[fact]) for text, found in where)
            if fact in KEPT_FACTS and where:
                kept_total += 1
                kept_broken += any(_covered(text, found, value, None) for text, found in where)
    print(f"\n2. ABCD gold facts ({path.name}, customer turns before the cut):")
    for fact in FOUND_FACTS:
        print(f"   {fact:<15} redacted {got[fact]} of {want[fact]}")
    print(f"   order/account ids, usernames, prices, zip codes redacted by mistake: {kept_broken} of {kept_total}")


def _covered(text: str, found: list[Finding], value: str, kind: Kind | None) -> bool:
    """Every mention of the value falls inside a finding (of that kind, when given)."""
    lowered, mentions, start = text.lower(), [], text.lower().find(value)
    while start >= 0:
        mentions.append((start, start + len(value)))
        start = lowered.find(value, start + 1)
    return all(
        any(f.start < end and begin < f.end and (kind is None or f.kind == kind) for f in found)
        for begin, end in mentions
    )



def scan(data: Path, show: int) -> None:
    texts: list[tuple[str, str]] = []
    for row in _conversations(data):
        texts += [(f"{row['id']}/{t['speaker']}", t["text"]) for t in row["turns"]]
    intents = data / "dstc11_intents" / "development-utterances.jsonl"
    if intents.exists():
        for line in intents.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            texts.append((item["utterance_id"], item["utterance"]))
    counts: Counter[str] = Counter()
    samples: dict[str, list[str]] = {}
    times = []
    for where, text in texts:
        started = time.perf_counter()
        found = find_pii(text)
        times.append(time.perf_counter() - started)
        for f in found:
            counts[f.kind] += 1
            if show and len(samples.setdefault(f.kind, [])) < show:
                context = text[max(0, f.start - 30) : f.end + 20].replace("\n", " ")
                samples[f.kind].append(f"   {where}: {f.text!r} in ...{context}...")
    print(f"\n3. real conversations ({len(texts)} messages: ABCD, TweetSumm, DSTC11 utterances)")
    print("   " + ", ".join(f"{k.value} {counts[k]}" for k in Kind))
    times.sort()
    print(f"   detection time per message: median {statistics.median(times) * 1e3:.3f} ms, "
          f"p99 {times[int(len(times) * 0.99)] * 1e3:.3f} ms")
    for kind, lines in samples.items():
        print(f"   sample of {kind}:")
        print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cases", type=Path, default=HERE / "pii_cases.jsonl")
    parser.add_argument("--show", type=int, default=5, help="findings of each kind to print from the real data")
    args = parser.parse_args()
    labelled_set(args.cases)
    abcd_gold(args.data)
    scan(args.data, args.show)


if __name__ == "__main__":
    main()
