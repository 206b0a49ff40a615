"""Per-turn analysis time: the real engine (rules, sentiment, issue embedding, escalation).

    python bench/analysis_latency.py [--rates 20 100 300] [--conversations 32] [--seconds 8]

Real ABCD and TweetSumm conversations are replayed open-loop: each of the
concurrent conversations sends its next turn at a fixed interval, so turns
arrive at the given total rate whether or not the server keeps up. Every turn
goes through Engine.analyse (rules, sentiment, escalation; the issue embedding
batched across conversations, waited for at most issue_wait_ms). It prints, per
rate, the median and p99 time from a turn's arrival to its analysis being
complete, the rate achieved, and how far the issue labels lagged; and, as the
baseline measured in the same process, one bare embedding call.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.analysis.embedding import Embedder  # noqa: E402
from server.analysis.engine import build_engine  # noqa: E402
from server.config import Settings  # noqa: E402
from server.context.model import ContextPackage, Turn  # noqa: E402
from server.evaluation.datasets import read_items  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def conversations(limit_turns: int) -> list[list[Turn]]:
    items = [*read_items(DATA / "abcd_dev.jsonl"), *read_items(DATA / "tweetsumm_dev.jsonl")]
    return [item.turns[:limit_turns] for item in items if len(item.turns) >= 4]


async def run_level(engine, convs: list[list[Turn]], concurrency: int, rate: float, seconds: float) -> list[float]:
    """Open loop: ``concurrency`` conversations, turns arriving at ``rate`` per second in all."""
    timings: list[float] = []
    queue = list(convs)
    interval = concurrency / rate
    deadline = time.perf_counter() + seconds

    async def one_conversation(offset: float) -> None:
        await asyncio.sleep(offset)
        while queue and time.perf_counter() < deadline:
            turns = queue.pop()
            package = ContextPackage(conversation_id=f"c{len(queue)}-{offset}")
            due = time.perf_counter()
            for turn in turns:
                now = time.perf_counter()
                if now < due:
                    await asyncio.sleep(due - now)
                await engine.analyse(package, [turn])
                timings.append(time.perf_counter() - due)
                due += interval
                if time.perf_counter() > deadline:
                    return

    await asyncio.gather(*(one_conversation(i * interval / concurrency) for i in range(concurrency)))
    return timings


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", type=float, nargs="+", default=[20, 100, 300], help="turns per second")
    parser.add_argument("--conversations", type=int, default=32, help="conversations open at once")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--turns", type=int, default=20, help="turns per conversation at most")
    parser.add_argument("--threads", type=int, default=None, help="torch threads for the embedding model")
    args = parser.parse_args()
    embedder = Embedder(threads=args.threads)
    engine = build_engine(Settings(taxonomy=DATA / "abcd"), embedder)  # waits issue_wait_ms, as the server does
    convs = conversations(args.turns)
    sample = " ".join(t.text for t in convs[0] if t.role == "customer")
    for _ in range(3):
        embedder.embed([sample])
    bare = []
    for _ in range(30):
        started = time.perf_counter()
        embedder.embed([sample])
        bare.append(time.perf_counter() - started)
    print(f"baseline: one bare embedding call of a customer text: median {1000 * statistics.median(bare):.1f} ms")
    print(f"{args.conversations} conversations open, {args.seconds:.0f} s per rate")
    print(f"{'offered turns/s':>16} {'achieved':>9} {'turns':>7} {'median ms':>10} {'p99 ms':>8}")
    for rate in args.rates:
        started = time.perf_counter()
        timings = asyncio.run(run_level(engine, list(convs), args.conversations, rate, args.seconds))
        elapsed = time.perf_counter() - started
        print(f"{rate:>16.0f} {len(timings) / elapsed:>9.0f} {len(timings):>7} {pct(timings, 0.5):>10.2f} "
              f"{pct(timings, 0.99):>8.2f}")


if __name__ == "__main__":
    main()
