"""Suggestion and search latency on a 100,000-passage collection.

Builds the collection in a temporary chroma directory from generated passages.
By default only ``--real`` of them (3,000) go through the embedding model; the
other vectors are those real embeddings perturbed with Gaussian noise and
re-normalised (``--full-embed`` embeds all of them instead; about 10 minutes
on 2 cores). Then times ``suggest_for`` (query building, query embedding,
search) and ``search`` alone, over ``--queries`` generated conversations.

    /work/venv/bin/python bench/kb_latency.py [--passages 100000] [--queries 500] [--full-embed]
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from server.analysis.embedding import Embedder  # noqa: E402
from server.context.model import ContextPackage, Role, Turn  # noqa: E402
from server.knowledge.splitter import Chunk, content_id  # noqa: E402
from server.knowledge.store import KnowledgeBase, SearchMode  # noqa: E402
from server.knowledge.suggest import suggest_for  # noqa: E402

TOPICS = ["delivery", "refund", "return", "password", "promo code", "membership", "invoice", "exchange", "warranty"]
ITEMS = ["boots", "jacket", "sofa", "lamp", "jeans", "kettle", "rug", "shirt", "backpack", "headphones"]
ACTIONS = ["check the tracking", "open a carrier trace", "issue store credit", "send a reset link",
           "ask for a photo", "escalate to a supervisor", "offer an exchange", "refund the shipping fee"]
LIMITS = ["$15", "$25", "$50", "$250", "30 days", "14 days", "2 business days", "48 hours"]
CUSTOMER = ["My {item} order is late and I need it for the weekend.", "I want a {topic} for the {item} I bought.",
            "The {item} arrived broken, what can you do?", "Why was I charged twice for the {item}?",
            "Can you help with my {topic}? The bot did not understand.", "This is the third time I ask about the {item}!"]


def passage_text(rng: random.Random, n: int) -> tuple[tuple[str, ...], str]:
    topic, item = rng.choice(TOPICS), rng.choice(ITEMS)
    sentences = [
        f"For a {topic} on {item} orders, agents {rng.choice(ACTIONS)} first.",
        f"The limit is {rng.choice(LIMITS)}; beyond that, {rng.choice(ACTIONS)}.",
        f"Tell the customer what happens next and when, and note it on case {n}.",
        f"If the {item} is out of stock, {rng.choice(ACTIONS)} instead of waiting {rng.choice(LIMITS)}.",
    ]
    return (f"{topic.title()} policy", f"{item.title()} {n % 97}"), " ".join(sentences)


def generate_chunks(count: int, seed: int = 7) -> list[Chunk]:
    rng = random.Random(seed)
    chunks = []
    for n in range(count):
        heading, text = passage_text(rng, n)
        source = f"generated/{n // 10}.md"
        chunks.append(Chunk(content_id(source, heading, text), source, heading[0], heading, text, {"topic": heading[0]}))
    return chunks


def vectors_for(embedder: Embedder, chunks: list[Chunk], real: int, full: bool, seed: int = 7) -> np.ndarray:
    texts = [c.embedding_text() for c in chunks]
    if full:
        return embedder.embed(texts, batch_size=128)
    base = embedder.embed(texts[:real], batch_size=128)
    rng = np.random.default_rng(seed)
    noisy = base[np.arange(len(chunks)) % real] + rng.normal(0.0, 0.03, (len(chunks), base.shape[1]))
    noisy[:real] = base
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def conversation(rng: random.Random, n: int) -> ContextPackage:
    said = [rng.choice(CUSTOMER).format(item=rng.choice(ITEMS), topic=rng.choice(TOPICS)) for _ in range(3)]
    turns = [(Role.CUSTOMER, said[0]), (Role.BOT, "Sorry to hear that, can I have your order number?"),
             (Role.CUSTOMER, f"It's HP-{10000 + n}."), (Role.BOT, "Thanks, let me check."),
             (Role.CUSTOMER, said[1]), (Role.CUSTOMER, said[2])]
    transcript = [Turn(id=i, role=r, text=t) for i, (r, t) in enumerate(turns, start=1)]
    return ContextPackage(conversation_id=f"bench-{n}", transcript=transcript)


def timed(fn: Callable[[], object], runs: int) -> np.ndarray:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000.0)
    return np.array(samples)


def report(name: str, ms: np.ndarray) -> None:
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    print(f"{name:<34} n={len(ms):<5} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   p99 {p99:6.1f} ms   max {ms.max():6.1f} ms")


def build(kb: KnowledgeBase, embedder: Embedder, args: argparse.Namespace) -> None:
    start = time.perf_counter()
    chunks = generate_chunks(args.passages)
    vectors = vectors_for(embedder, chunks, args.real, args.full_embed)
    embedded = time.perf_counter()
    for i in range(0, len(chunks), 5000):
        kb.upsert(chunks[i : i + 5000], vectors[i : i + 5000])
    written = time.perf_counter()
    kb.reload()
    how = "all embedded" if args.full_embed else f"{args.real} embedded, the rest perturbed copies (sigma 0.03)"
    print(f"collection: {len(kb)} passages ({how})")
    print(f"  generate+embed {embedded - start:.1f} s, chroma upsert {written - embedded:.1f} s, "
          f"load + BM25 index {time.perf_counter() - written:.1f} s\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--real", type=int, default=3000)
    parser.add_argument("--full-embed", action="store_true")
    parser.add_argument("--data-dir", type=Path, help="keep the collection here and reuse it on the next run")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    embedder = Embedder()
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase.open(embedder, data_dir=args.data_dir or tmp, collection="latency-bench")
        if len(kb) < args.passages:
            build(kb, embedder, args)
        else:
            print(f"collection: {len(kb)} passages, reused from {args.data_dir}\n")
        rng = random.Random(11)
        packages = [conversation(rng, n) for n in range(args.queries)]
        queue = iter(packages * 4)
        timed(lambda: suggest_for(next(queue), kb, k=5), 100)  # warm-up: chroma applies its write log lazily
        for mode in (SearchMode.DENSE, SearchMode.HYBRID):
            kb.mode = mode
            queue = iter(packages)
            report(f"suggest_for k=5 ({mode.value})", timed(lambda: suggest_for(next(queue), kb, k=5), len(packages)))
        kb.mode = SearchMode.DENSE
        queue = iter(packages)
        report("search k=5 dense, with filter", timed(
            lambda: kb.search(next(queue).transcript[0].text, {"topic": "Refund policy"}, 5), len(packages)))
        vector = embedder.embed(["where is my parcel"])[0]
        report("search k=5 dense, vector given", timed(lambda: kb.search("x", k=5, query_vector=vector), len(packages)))


if __name__ == "__main__":
    main()
