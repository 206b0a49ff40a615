"""How strict is grounding on good prose? The share of human reference summary sentences it keeps.

Each TweetSumm dev dialog is run through the rule-based analysers (so its
commitments are the server's own), and every sentence of its human abstractive
summaries is grounded as if a model had written it. A sentence dropped here is
good prose grounding would have thrown away: the price of its checks.

    PYTHONPATH=$PWD /work/venv/bin/python bench/grounding_refs.py [../shared/data/tweetsumm_dev.jsonl]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.analysis.rules import build_turn_analysers  # noqa: E402
from server.brief.model import Grounding  # noqa: E402
from server.brief.prose import grounder_for  # noqa: E402
from server.brief.text import split_sentences  # noqa: E402
from server.context.model import ContextPackage, Role, Turn  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tweetsumm_dev.jsonl"
SPEAKER = {"customer": Role.CUSTOMER, "agent": Role.BOT, "action": Role.SYSTEM}


def package_of(dialog: dict) -> ContextPackage:  # type: ignore[type-arg]
    package = ContextPackage(conversation_id=dialog["id"])
    analysers = build_turn_analysers()
    for i, raw in enumerate(dialog["turns"], start=1):
        turn = Turn(id=i, role=SPEAKER.get(raw["speaker"], Role.BOT), text=raw["text"])
        package.transcript.append(turn)
        for analyse in analysers:
            analyse(package, turn)
    return package


def main(path: Path) -> int:
    kept = total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        dialog = json.loads(line)
        grounder = grounder_for(package_of(dialog))
        for summary in dialog["gold"]["abstractive"]:
            for sentence in (s for part in summary for s in split_sentences(part)):
                total += 1
                kept += bool(grounder.ground(sentence, Grounding()))
    print(f"reference summary sentences kept by grounding: {kept}/{total} = {kept / total:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA))
