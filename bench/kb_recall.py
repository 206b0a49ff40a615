"""Retrieval quality on a real corpus: ABCD guidelines, queried by ABCD dev conversations.

Indexes ../shared/data/abcd/guidelines.json (one passage per subflow) into a
temporary chroma directory, then for every ABCD dev conversation builds the
query from the conversation up to the handoff cut and ranks the passages.
Reports recall@1/3/5 and MRR of the gold subflow's passage for dense, BM25
(ours, and rank-bm25 as a reference) and hybrid search, in one run.

    /work/venv/bin/python bench/kb_recall.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rank_bm25 import BM25Okapi  # noqa: E402

from server.analysis.embedding import Embedder  # noqa: E402
from server.context.model import ContextPackage, Role, Turn  # noqa: E402
from server.knowledge.bm25 import tokenize  # noqa: E402
from server.knowledge.corpus import searchable_text  # noqa: E402
from server.knowledge.ingest import ingest  # noqa: E402
from server.knowledge.query import build_query  # noqa: E402
from server.knowledge.store import KnowledgeBase, SearchMode  # noqa: E402

ROLES = {"customer": Role.CUSTOMER, "agent": Role.BOT, "action": Role.SYSTEM}
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
Ranker = Callable[[str], list[str]]  # query -> passage ids, best first


def load_cases(path: Path) -> list[tuple[ContextPackage, str]]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("source") != "abcd":
            continue
        turns = [
            Turn(id=i, role=ROLES[t["speaker"]], text=t["text"])
            for i, t in enumerate(row["turns"][: row["gold"]["cut_turn"]], start=1)
        ]
        gold = f"{row['gold']['issue']['flow']}/{row['gold']['issue']['subflow']}"
        cases.append((ContextPackage(conversation_id=row["id"], transcript=turns), gold))
    return cases


def customer_text(package: ContextPackage) -> str:
    return " ".join(t.text for t in package.transcript if t.role == Role.CUSTOMER)


def rank_bm25_ranker(kb: KnowledgeBase) -> Ranker:
    corpus = kb.corpus
    index = BM25Okapi([tokenize(searchable_text(t, m)) for t, m in zip(corpus.texts, corpus.metadatas, strict=True)])

    def rank(query: str) -> list[str]:
        scores = index.get_scores(tokenize(query))
        return [corpus.ids[i] for i in sorted(range(len(scores)), key=lambda i: -scores[i])]

    return rank


def evaluate(ranker: Ranker, cases: list[tuple[str, str]], label_of: dict[str, str]) -> dict[str, float]:
    ranks = []
    for query, gold in cases:
        labels = [label_of[pid] for pid in ranker(query)]
        ranks.append(labels.index(gold) + 1 if gold in labels else None)
    n = len(ranks)
    row = {f"R@{k}": sum(1 for r in ranks if r and r <= k) / n for k in (1, 3, 5)}
    row["MRR"] = sum(1.0 / r for r in ranks if r) / n
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    embedder = Embedder()
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase.open(embedder, data_dir=tmp, collection="abcd-guidelines")
        ingest(kb, [args.data / "abcd" / "guidelines.json"])
        label_of = {pid: f"{m['flow']}/{m['subflow']}" for pid, m in zip(kb.corpus.ids, kb.corpus.metadatas)}
        cases = load_cases(args.data / "abcd_dev.jsonl")
        queries = {
            "conversation query": [(build_query(p).text, gold) for p, gold in cases],
            "all customer turns": [(customer_text(p), gold) for p, gold in cases],
        }
        rankers: dict[str, Ranker] = {
            mode.value: (lambda q, m=mode: [p.id for p in kb.search(q, k=len(kb), mode=m)]) for mode in SearchMode
        }
        rankers["bm25 (rank-bm25)"] = rank_bm25_ranker(kb)
        print(f"ABCD guidelines: {len(kb)} passages; {len(cases)} dev conversations, query = prefix up to the cut\n")
        print(f"{'query':<20} {'retrieval':<18} {'R@1':>6} {'R@3':>6} {'R@5':>6} {'MRR':>6}")
        for qname, qcases in queries.items():
            for rname, ranker in rankers.items():
                row = evaluate(ranker, qcases, label_of)
                print(f"{qname:<20} {rname:<18} " + " ".join(f"{row[c]:>6.3f}" for c in ("R@1", "R@3", "R@5", "MRR")))


if __name__ == "__main__":
    main()
