"""Per-turn sentiment cost and what it finds, on the real customer turns in ../shared/data.

    python bench/sentiment_profile.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.analysis.sentiment import SentimentAnalyser  # noqa: E402
from server.context.model import ContextPackage, Role, Turn  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ROLES = {"customer": Role.CUSTOMER, "agent": Role.BOT, "action": Role.SYSTEM}


def main() -> None:
    analyser = SentimentAnalyser()
    timings: list[float] = []
    for name in ("tweetsumm_dev.jsonl", "abcd_dev.jsonl"):
        levels, targets, signals = Counter(), Counter(), Counter()
        for line in (DATA / name).read_text().splitlines():
            row = json.loads(line)
            package = ContextPackage(conversation_id=row["id"])
            for i, raw in enumerate(row["turns"]):
                turn = Turn(id=i + 1, role=ROLES[raw["speaker"]], text=raw["text"])
                package.transcript.append(turn)
                started = time.perf_counter()
                analyser.update(package, turn)
                if turn.role == Role.CUSTOMER:
                    timings.append(time.perf_counter() - started)
                    point = package.sentiment.points[-1]
                    levels["high (>=0.5)" if point.frustration >= 0.5 else "some (0.2-0.5)"
                           if point.frustration >= 0.2 else "low (<0.2)"] += 1
                    targets[point.target] += 1
                    signals.update(point.signals)
        total = sum(levels.values())
        print(f"{name}: {total} customer turns")
        print("  frustration: " + ", ".join(f"{k} {v / total:.0%}" for k, v in sorted(levels.items())))
        print("  targets:     " + ", ".join(f"{k} {v}" for k, v in targets.most_common()))
        print("  signals:     " + ", ".join(f"{k} {v}" for k, v in signals.most_common()))
    ordered = sorted(timings)
    print(f"per customer turn over {len(ordered)} turns: median {1000 * statistics.median(ordered):.3f} ms, "
          f"p99 {1000 * ordered[int(0.99 * len(ordered))]:.3f} ms")


if __name__ == "__main__":
    main()
