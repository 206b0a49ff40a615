"""The embedding model in float32 and in bfloat16, in one process: speed and how alike the answers are.

Speed: texts a second on load-bench customer texts of 1, 4 and 8 turns (256 of each, median of
three passes, both models warmed up first). Likeness: cosine between the two models' vectors on
the DSTC11 development utterances and each model's 1-nearest-neighbour intent accuracy on them;
the top issue label of every customer-turn prefix of the TweetSumm dev conversations (packaged
taxonomy) and of the ABCD dev ones (ABCD taxonomy), compared between the two.

    python bench/embedding_precision.py [--data ../shared/data]

bfloat16 is fast only on CPUs that multiply it in hardware (Intel AMX); the run says whether
this one does.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402

from server.analysis.embedding import Embedder, bfloat16_is_native  # noqa: E402
from server.analysis.issue import IssueClassifier  # noqa: E402
from server.analysis.taxonomy import Taxonomy, load_taxonomy  # noqa: E402
from server.context.model import ContextPackage, Role  # noqa: E402
from server.evaluation.datasets import read_items  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"


def customer_texts(turns: int, count: int, rng: random.Random) -> list[str]:
    return [" ".join(load.turn_text(rng, load.pb.CUSTOMER) for _ in range(turns)) for _ in range(count)]


def texts_per_second(models: dict[str, Embedder], texts: list[str]) -> dict[str, float]:
    rates: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(3):
        for name, model in models.items():
            started = time.perf_counter()
            model.embed(texts)
            rates[name].append(len(texts) / (time.perf_counter() - started))
    return {name: statistics.median(r) for name, r in rates.items()}


def nearest_neighbour_accuracy(vectors: np.ndarray, gold: list[str]) -> float:
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -9)
    return float(np.mean([gold[j] == gold[i] for i, j in enumerate(similarity.argmax(1))]))


def labels_agree(path: Path, taxonomy: Taxonomy, full: Embedder, half: Embedder) -> tuple[int, int]:
    """Customer-turn prefixes of the conversations in ``path`` whose top label is the same in both."""
    one, other = IssueClassifier(taxonomy, full), IssueClassifier(taxonomy, half)
    same = total = 0
    for item in read_items(path):
        package, queries = ContextPackage(conversation_id=item.id), []
        for turn in item.turns:
            package.transcript.append(turn)
            if turn.role == Role.CUSTOMER and (query := one.query_text(package)):
                queries.append(query)
        if not queries:
            continue
        top = [[c.taxonomy.labels[int(np.argmax(c.scores(v)))].name for v in c.embedder.embed(queries)]
               for c in (one, other)]
        same += sum(a == b for a, b in zip(*top))
        total += len(queries)
    return same, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    print(f"this CPU multiplies bfloat16 in hardware (AMX): {bfloat16_is_native()}")
    models = {"float32": Embedder(precision="float32"), "bfloat16": Embedder(precision="bfloat16")}
    rng = random.Random(1)
    for model in models.values():
        model.embed(customer_texts(4, 64, rng))
    for turns in (1, 4, 8):
        rates = texts_per_second(models, customer_texts(turns, 256, rng))
        print(f"{turns} customer turn(s): float32 {rates['float32']:.0f} texts/s, bfloat16 {rates['bfloat16']:.0f} texts/s "
              f"({rates['bfloat16'] / rates['float32']:.2f}x)")
    utterances = [json.loads(line) for line in (args.data / "dstc11_intents" / "development-utterances.jsonl").open()]
    texts, gold = [u["utterance"] for u in utterances], [u["intent"] for u in utterances]
    full, half = models["float32"].embed(texts), models["bfloat16"].embed(texts)
    cosine = (full * half).sum(axis=1)
    print(f"DSTC11 ({len(texts)} utterances): cosine float32-bfloat16 min {cosine.min():.4f}, "
          f"p1 {np.percentile(cosine, 1):.4f}, median {np.median(cosine):.4f}; 1-NN intent accuracy "
          f"float32 {nearest_neighbour_accuracy(full, gold):.3f}, bfloat16 {nearest_neighbour_accuracy(half, gold):.3f}")
    for name, path, taxonomy in (("TweetSumm dev, packaged taxonomy", args.data / "tweetsumm_dev.jsonl", load_taxonomy(None)),
                                 ("ABCD dev, ABCD taxonomy", args.data / "abcd_dev.jsonl", load_taxonomy(args.data / "abcd"))):
        same, total = labels_agree(path, taxonomy, models["float32"], models["bfloat16"])
        print(f"{name}: the same top issue label on {same} of {total} customer-turn prefixes")


if __name__ == "__main__":
    main()
