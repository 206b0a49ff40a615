"""Issue type accuracy on ABCD (subflow and flow), with classification time per call.

    /work/venv/bin/python bench/issue_eval.py [--data ../shared/data/abcd_dev.jsonl]
        [--taxonomy ../shared/data/abcd] [--no-steps] [--repeat 5]

Each conversation's turns[:cut_turn] (customer -> CUSTOMER, agent -> BOT, action ->
SYSTEM) go through the server's rule-based turn analysers built from the taxonomy's
actions (so the steps the bot took are in the package, as in the server), then the
issue classifier labels the prefix. Scored as ../shared/data/README.md defines: the
label against gold ``subflow``, the group against gold ``flow``. The time is that of
``IssueClassifier.classify`` (query text, one embedding, scoring), model load excluded.
``--no-steps`` leaves the steps out, to show what they add.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.analysis.embedding import Embedder  # noqa: E402
from server.analysis.issue import IssueClassifier  # noqa: E402
from server.analysis.rules import TurnAnalyser, build_turn_analysers  # noqa: E402
from server.analysis.taxonomy import load_taxonomy  # noqa: E402
from server.context.model import ContextPackage  # noqa: E402
from server.evaluation.datasets import Item, read_items  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def prepare(item: Item, analysers: list[TurnAnalyser], with_steps: bool) -> ContextPackage:
    package = ContextPackage(conversation_id=item.id)
    for turn in item.turns:
        package.transcript.append(turn)
        for analyser in analysers:
            analyser(package, turn)
    if not with_steps:
        package.steps = []
    return package


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA / "abcd_dev.jsonl")
    parser.add_argument("--taxonomy", type=Path, default=DATA / "abcd")
    parser.add_argument("--no-steps", action="store_true", help="classify without the steps the bot took")
    parser.add_argument("--repeat", type=int, default=5, help="timed classify calls per conversation")
    args = parser.parse_args()

    taxonomy = load_taxonomy(args.taxonomy)
    analysers = build_turn_analysers(actions=taxonomy.action_names, action_descriptions=taxonomy.action_descriptions)
    started = time.perf_counter()
    classifier = IssueClassifier(taxonomy, Embedder())
    print(f"model load + {len(taxonomy.labels)} label embeddings: {time.perf_counter() - started:.1f} s")

    subflow_hits = flow_hits = 0
    timings: list[float] = []
    items = list(read_items(args.data))
    for item in items:
        package = prepare(item, analysers, with_steps=not args.no_steps)
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            classifier.classify(package)
            timings.append(time.perf_counter() - t0)
        gold = item.gold["issue"]
        issue = package.issue
        subflow_hits += issue.label == gold["subflow"]
        flow_hits += issue.group == gold["flow"]
        mark = "ok " if issue.label == gold["subflow"] else ("~  " if issue.group == gold["flow"] else "XX ")
        others = ", ".join(f"{name} {score:.2f}" for name, score in issue.alternatives)
        print(f"{mark}{item.id:<10} gold {gold['flow']}/{gold['subflow']:<26} got {issue.group}/{issue.label} "
              f"({issue.confidence:.2f}; {others})")

    n = len(items)
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    print(f"\nsubflow accuracy {subflow_hits / n:.3f} ({subflow_hits}/{n}); flow accuracy {flow_hits / n:.3f} "
          f"({flow_hits}/{n}){' [no steps]' if args.no_steps else ''}")
    print(f"classify per call: median {1000 * statistics.median(timings):.1f} ms, p99 {1000 * p99:.1f} ms "
          f"({len(timings)} calls)")


if __name__ == "__main__":
    main()
