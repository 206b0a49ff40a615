"""Per-turn sentiment cost and what it finds, on the real customer turns in ../shared/data.

    python bench/sentiment_profile.py

Timings are printed twice: from the first pass, and per turn the best of PASSES passes, which
separates the analyser's own cost from scheduling noise on a shared machine.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.analysis import sentiment  # noqa: E402
from server.analysis.sentiment import SentimentAnalyser  # noqa: E402
from server.context.model import ContextPackage, Role, Turn  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FILES = ("tweetsumm_dev.jsonl", "abcd_dev.jsonl")
ROLES = {"customer": Role.CUSTOMER, "agent": Role.BOT, "action": Role.SYSTEM}
PASSES = 3


def run_file(name: str, timings: list[float]) -> list[ContextPackage]:
    """Feeds every conversation turn by turn; appends the time of each customer turn to ``timings``."""
    analyser, packages = SentimentAnalyser(), []
    for line in (DATA / name).read_text().splitlines():
        row = json.loads(line)
        package = ContextPackage(conversation_id=row["id"])
        for i, raw in enumerate(row["turns"]):
            turn = Turn(id=i + 1, role=ROLES[raw["speaker"]], text=raw["text"])
            package.transcript.append(turn)
            started = time.perf_counter()
            analyser.update(package, turn)
            if turn.role is Role.CUSTOMER:
                timings.append(time.perf_counter() - started)
        packages.append(package)
    return packages


def level(frustration: float) -> str:
    return "high (>=0.5)" if frustration >= 0.5 else "some (0.2-0.5)" if frustration >= 0.2 else "low (<0.2)"


def report(name: str, packages: list[ContextPackage]) -> None:
    points = [p for package in packages for p in package.sentiment.points]
    levels = Counter(level(p.frustration) for p in points)
    targets = Counter(p.target for p in points)
    signals = Counter(s for p in points for s in p.signals)
    ends = Counter(
        f"peak>=0.5 {s.peak_frustration >= 0.5}, end {s.trend}, about {s.target}, recovered {s.recovered}"
        for s in (package.sentiment for package in packages)
    )
    print(f"{name}: {len(points)} customer turns")
    print("  frustration: " + ", ".join(f"{k} {v / len(points):.0%}" for k, v in sorted(levels.items())))
    print("  targets:     " + ", ".join(f"{k} {v}" for k, v in targets.most_common()))
    print("  signals:     " + ", ".join(f"{k} {v}" for k, v in signals.most_common()))
    print(f"  at the end of each of {len(packages)} conversations:")
    for key, count in ends.most_common(6):
        print(f"    {count:4d}  {key}")


def figures(label: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    return (f"{label}: median {1000 * statistics.median(ordered):.3f} ms, "
            f"p99 {1000 * ordered[int(0.99 * len(ordered))]:.3f} ms, max {1000 * ordered[-1]:.3f} ms")


def main() -> None:
    passes: list[list[float]] = []
    for n in range(PASSES):
        sentiment.clear_caches()  # every pass starts cold, as a fresh server would
        timings: list[float] = []
        for name in FILES:
            packages = run_file(name, timings)
            if n == 0:
                report(name, packages)
        passes.append(timings)
    print(f"per customer turn over {len(passes[0])} turns")
    print(figures("  first pass       ", passes[0]))
    print(figures(f"  best of {PASSES} passes", [min(ts) for ts in zip(*passes, strict=True)]))


if __name__ == "__main__":
    main()
