"""CPU per turn of the rule-based analysis and the escalation step, on real conversations.

    python bench/analysis_cpu.py [--conversations 300] [--turns 30] [--rounds 3] [--long 20]

Up to --conversations ABCD and TweetSumm dev conversations (at least 4 turns, at
most --turns each) are analysed turn by turn by the server's engine without the
embedding model (rules, sentiment, escalation; the package serialised after every
turn, as a save would). Prints process CPU per turn, in all and in the escalation
step alone, as the median of --rounds rounds. The escalation step re-decides on
every turn, so this is where per-turn work that grows with the transcript shows.

Then --long conversations of 400 turns made of the load bench's turns (the data
has none that long) show how the escalation step's CPU depends on how long the
conversation is: the median at a few lengths.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.analysis.engine import build_engine  # noqa: E402
from server.config import Settings  # noqa: E402
from server.context.model import ContextPackage, Role, Turn  # noqa: E402
from server.evaluation.datasets import read_items  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402

LENGTHS = (1, 10, 30, 100, 200, 400)

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
        for turn in conversation:  # a fresh turn each round: what was read off it last round is not kept
            await engine.analyse(package, [turn.model_copy()])
            package.model_dump_json(exclude={"transcript"})
            turns += 1
    return time.process_time() - started, in_step[0], turns


async def by_length(conversations: int) -> dict[int, float]:
    """Median CPU seconds of the escalation step at each transcript length in LENGTHS."""
    engine = build_engine(Settings(embeddings=False))
    step, spent = engine.escalation, defaultdict(list)

    def timed(package: ContextPackage) -> None:
        started = time.process_time()
        step(package)
        spent[len(package.transcript)].append(time.process_time() - started)

    engine.escalation = timed  # type: ignore[assignment]
    rng = random.Random(1)
    packages = [ContextPackage(conversation_id=f"long{i}") for i in range(conversations)]
    for n in range(1, max(LENGTHS) + 1):  # one turn each in turn, as live conversations go
        customer = n % 2 == 1
        for package in packages:
            text = load.turn_text(rng, load.pb.CUSTOMER if customer else load.pb.BOT)
            await engine.analyse(package, [Turn(id=n, role=Role.CUSTOMER if customer else Role.BOT, text=text)])
    return {n: statistics.median(spent[n]) for n in LENGTHS}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--turns", type=int, default=30, help="turns per conversation at most")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--long", type=int, default=20, help="conversations of 400 turns (0: skip)")
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
    if args.long:
        medians = asyncio.run(by_length(args.long))
        print(f"escalation step CPU by conversation length ({args.long} conversations of {max(LENGTHS)} turns, median): "
              + ", ".join(f"turn {n}: {1e6 * v:.0f} us" for n, v in medians.items()))


if __name__ == "__main__":
    main()
