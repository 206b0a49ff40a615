"""CPU per turn of the rule-based analysis and the escalation step, on real conversations.

    python bench/analysis_cpu.py [--conversations 300] [--turns 30] [--rounds 3]

Up to --conversations ABCD and TweetSumm dev conversations (at least 4 turns, at
most --turns each) are analysed turn by turn by the server's engine without the
embedding model (rules, sentiment, escalation; the package serialised after every
turn, as a save would). Prints process CPU per turn, in all and in the escalation
step alone, as the median of --rounds rounds. The escalation step re-decides on
every turn, so this is where per-turn work that grows with the transcript shows.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.analysis.engine import build_engine  # noqa: E402
from server.config import Settings  # noqa: E402
from server.context.model import ContextPackage, Turn  # noqa: E402
from server.evaluation.datasets import read_items  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def conversations(limit: int, turns: int) -> list[list[Turn]]:
    items = [*read_items(DATA / "abcd_dev.jsonl"), *read_items(DATA / "tweetsumm_dev.jsonl")]
    return [item.turns[:turns] for item in items if len(item.turns) >= 4][:limit]


async def one_round(convs: list[list[Turn]]) -> tuple[float, float, int]:
    """(CPU seconds in all, CPU seconds in the escalation step, turns)."""
    engine = build_engine(Settings(taxonomy=DATA / "abcd", embeddings=False))
    step, in_step = engine.escalation, [0.0]

    def timed(package: ContextPackage) -> None:
        started = time.process_time()
        step(package)
        in_step[0] += time.process_time() - started

    engine.escalation = timed  # type: ignore[assignment]
    turns, started = 0, time.process_time()
    for i, conversation in enumerate(convs):
        package = ContextPackage(conversation_id=f"c{i}")
        for turn in conversation:
            await engine.analyse(package, [turn])
            package.model_dump_json(exclude={"transcript"})
            turns += 1
    return time.process_time() - started, in_step[0], turns


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--turns", type=int, default=30, help="turns per conversation at most")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    convs = conversations(args.conversations, args.turns)
    totals, steps = [], []
    for _ in range(args.rounds):
        total, in_step, turns = asyncio.run(one_round(convs))
        totals.append(1000 * total / turns)
        steps.append(1000 * in_step / turns)
    print(f"{len(convs)} conversations, {turns} turns, {args.rounds} rounds (median)")
    print(f"analysis CPU per turn: {statistics.median(totals):.3f} ms, "
          f"of which the escalation step {statistics.median(steps):.3f} ms")


if __name__ == "__main__":
    main()
