"""Every escalation decision over many conversations, as one digest: to show a change decides alike.

    python bench/escalation_digest.py [--save FILE | --compare FILE]

The ABCD and TweetSumm dev conversations and 300 conversations of 30 of the load
bench's turns are analysed turn by turn (rules, sentiment, steps, escalation; with
the ABCD taxonomy and without); after every turn the package's decision is kept,
and for every third conversation also ``decide`` under four policies on the package
as it stands and on a copy without its sentiment and steps (the cue-word and logged
action paths). Prints how many decisions and their SHA-256. Run it at two commits:
the same digest, the same decisions. ``--save`` writes them one per line, and
``--compare`` names the first that differ from such a file.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402
from server.analysis.engine import build_engine  # noqa: E402
from server.config import Settings  # noqa: E402
from server.context.model import ContextPackage, Role, Sentiment, Turn  # noqa: E402
from server.escalation import EscalationPolicy, decide  # noqa: E402
from server.evaluation.datasets import read_items  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
POLICIES = [
    EscalationPolicy(),
    EscalationPolicy(human_phrases=[r"\bmanager\b"], authority_phrases=[r"\bwaive\b"], max_bot_refund=20.0,
                     recent_turns=4, repeat_similarity=0.5, beyond_bot_labels=["refund"]),
]


def conversations() -> list[list[Turn]]:
    found = [item.turns for path in ("abcd_dev.jsonl", "tweetsumm_dev.jsonl") for item in read_items(DATA / path)]
    rng = random.Random(7)
    for _ in range(300):
        found.append([
            Turn(id=k, role=Role.CUSTOMER if k % 2 else Role.BOT,
                 text=load.turn_text(rng, load.pb.CUSTOMER if k % 2 else load.pb.BOT))
            for k in range(1, 31)
        ])
    return found


async def decisions() -> list[str]:
    convs, out = conversations(), []
    for settings in (Settings(taxonomy=DATA / "abcd", embeddings=False), Settings(embeddings=False)):
        engine = build_engine(settings)
        for n, conversation in enumerate(convs):
            package = ContextPackage(conversation_id=f"c{n}")
            for turn in conversation:
                await engine.analyse(package, [turn.model_copy()])
                out.append(package.escalation.model_dump_json())
                if n % 3:
                    continue
                bare = package.model_copy(deep=True)
                bare.sentiment, bare.steps = Sentiment(), []
                for policy in POLICIES:
                    out.append(decide(bare, policy, beyond_bot=("order_status",)).model_dump_json())
                    out.append(decide(package, policy).model_dump_json())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--save", type=Path, help="write the decisions here, one JSON per line")
    parser.add_argument("--compare", type=Path, help="name the decisions that differ from a saved file")
    args = parser.parse_args()
    out = asyncio.run(decisions())
    print(f"{len(out)} decisions, sha256 {hashlib.sha256(chr(10).join(out).encode()).hexdigest()}")
    if args.save:
        args.save.write_text("\n".join(out), encoding="utf-8")
    if args.compare:
        saved = args.compare.read_text(encoding="utf-8").split("\n")
        differ = [i for i, (a, b) in enumerate(zip(saved, out, strict=False)) if a != b]
        print(f"{len(differ)} of {len(saved)} differ; lengths {'match' if len(saved) == len(out) else 'differ'}")
        for i in differ[:3]:
            print(f"#{i}\n  saved {saved[i]}\n  now   {out[i]}")


if __name__ == "__main__":
    main()
