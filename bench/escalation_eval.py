"""Escalation timing on the project's labelled scenarios: right turn, premature, late.

Each scenario in bench/escalation_scenarios.json is fed turn by turn through the
server's rule-based analysers (facts, statements, commitments, steps, sentiment)
and then ``decide()``. The first turn at which the decision reaches the scenario's
``expect`` level is compared with its golden turn:

- right:     within the scenario's tolerance of the golden turn
- premature: before it (or any escalation in a scenario that should never escalate)
- late:      after it
- missed:    never, when it should have

GT-T follows the MHCH literature's "golden transfer within tolerance" (Liu et al.,
AAAI 2021): the share of dialogues whose first transfer lies within T turns of the
golden one (a never-transfer dialogue counts when no transfer is predicted).

    /work/venv/bin/python bench/escalation_eval.py            # the table
    /work/venv/bin/python bench/escalation_eval.py --replay delay_anger_then_asks_for_person
    /work/venv/bin/python bench/escalation_eval.py --policy my_policy.json
    /work/venv/bin/python bench/escalation_eval.py --conversation server/demo/delayed_order.json --id demo-third-contact

``--conversation`` replays a recorded conversation (the ../shared/data format or a
JSON transcript, as ``handoff replay`` reads it) offline, up to its cut turn.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.context.model import (  # noqa: E402
    BotAction, ContextPackage, Decision, Escalation, Issue, Outcome, PriorContact, Role, Turn,
)
from server.escalation import EscalationPolicy, decide, describe, load_policy  # noqa: E402

SCENARIOS = Path(__file__).with_name("escalation_scenarios.json")
LEVEL = {Decision.CONTINUE: 0, Decision.SOON: 1, Decision.NOW: 2}
ROLE = {"customer": Role.CUSTOMER, "user": Role.CUSTOMER, "bot": Role.BOT, "agent": Role.BOT,
        "assistant": Role.BOT, "system": Role.SYSTEM, "action": Role.SYSTEM}
Analyser = Callable[[ContextPackage, Turn], None]


def load_analysers() -> list[Analyser]:
    """The server's own per-turn analysers: facts, statements, commitments, steps, sentiment."""
    from server.analysis.rules import build_turn_analysers
    from server.analysis.sentiment import SentimentAnalyser

    return [*build_turn_analysers(), SentimentAnalyser().update]


def run(scenario: dict[str, Any], analysers: list[Analyser], base: EscalationPolicy) -> list[Escalation]:
    policy = base.model_copy(update=scenario.get("policy", {}))
    policy = EscalationPolicy.model_validate(policy.model_dump())
    package = ContextPackage(
        conversation_id=scenario["name"],
        prior_contacts=[PriorContact(**c) for c in scenario.get("prior_contacts", [])],
    )
    decisions = []
    for i, raw in enumerate(scenario["turns"], 1):
        turn = _turn(i, raw)
        package.transcript.append(turn)
        for analyse in analysers:
            try:
                analyse(package, turn)
            except Exception as e:  # noqa: BLE001 - a broken analyser should not hide the table
                print(f"note: analyser {getattr(analyse, '__qualname__', analyse)} failed: {e}")
        package.analyzed_through_turn = i
        _set_issue(package, scenario.get("issue"), i)
        package.escalation = decide(package, policy)
        decisions.append(package.escalation)
    return decisions


def _turn(i: int, raw: dict[str, Any]) -> Turn:
    act = raw.get("action")
    action = BotAction(name=act["name"], outcome=Outcome(act.get("outcome", "unknown"))) if act else None
    return Turn(id=i, role=ROLE[raw["role"]], text=raw["text"], action=action)


def _set_issue(package: ContextPackage, issue: dict[str, Any] | None, turn_id: int) -> None:
    if issue and turn_id >= issue.get("from_turn", 1):
        fields = {k: v for k, v in issue.items() if k != "from_turn"}
        package.issue = Issue(turn_ids=[issue.get("from_turn", 1)], **fields)


def first_reaching(decisions: list[Escalation], level: Decision) -> int | None:
    return next((e.decided_at_turn for e in decisions if LEVEL[e.decision] >= LEVEL[level]), None)


def verdict(first: int | None, golden: int | None, tolerance: int) -> str:
    if golden is None:
        return "right" if first is None else "premature"
    if first is None:
        return "missed"
    if first < golden - tolerance:
        return "premature"
    return "late" if first > golden + tolerance else "right"


def reason_named(s: dict[str, Any], decisions: list[Escalation], first: int | None) -> bool:
    code = s["reason"]
    if s["golden_turn"] is None:
        return code == "continue" or any(code in {r.code for r in e.hold_reasons} for e in decisions)
    at = next((e for e in decisions if e.decided_at_turn == first), None)
    held = any(code in {r.code for r in e.hold_reasons} for e in decisions)
    return at is not None and (code in {r.code for r in at.reasons} or held)


def table(scenarios: list[dict[str, Any]], analysers: list[Analyser], policy: EscalationPolicy) -> None:
    results: list[dict[str, Any]] = []
    timings: list[float] = []
    print(f"{'scenario':40} {'reason':20} {'expect':6} {'golden':>6} {'first':>5}  verdict    reason named")
    for s in scenarios:
        t0 = time.perf_counter()
        decisions = run(s, analysers, policy)
        timings.append((time.perf_counter() - t0) / len(decisions))
        first = first_reaching(decisions, Decision(s["expect"]))
        r = {"s": s, "first": first, "verdict": verdict(first, s["golden_turn"], s["tolerance"]),
             "named": reason_named(s, decisions, first)}
        results.append(r)
        print(f"{s['name']:40} {s['reason']:20} {s['expect']:6} {str(s['golden_turn']):>6} {str(first):>5}  "
              f"{r['verdict']:10} {'yes' if r['named'] else 'NO'}")
    _summary("all scenarios", results)
    held = [r for r in results if r["s"].get("holdout")]
    if held:
        _summary("held-out scenarios only (never tuned on)", held)
    print(f"\nper turn (analysers + decide): mean {1000 * sum(timings) / len(timings):.3f} ms")


def _summary(title: str, results: list[dict[str, Any]]) -> None:
    cols = ("right", "premature", "late", "missed", "named")
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in results:
        rows[r["s"]["reason"]][r["verdict"]] += 1
        rows[r["s"]["reason"]]["named"] += r["named"]
    print(f"\n{title}\n{'reason':22}" + "".join(f"{c:>10}" for c in ("n", *cols)))
    total: dict[str, int] = defaultdict(int)
    for reason, row in rows.items():
        count = sum(row[c] for c in cols[:4])
        total["n"] += count
        for c in cols:
            total[c] += row[c]
        print(f"{reason:22}{count:>10}" + "".join(f"{row[c]:>10}" for c in cols))
    print(f"{'TOTAL':22}{total['n']:>10}" + "".join(f"{total[c]:>10}" for c in cols))
    n = len(results)
    gt = {t: sum(verdict(r["first"], r["s"]["golden_turn"], t) == "right" for r in results) / n for t in (0, 1, 2)}
    print(f"right turn within each scenario's tolerance: {total['right']}/{n} = {total['right'] / n:.2f}")
    print("GT-T (first transfer within T turns of golden; no transfer when none is due): "
          + "  ".join(f"GT-{t}={v:.2f}" for t, v in gt.items()))


def replay(s: dict[str, Any], analysers: list[Analyser], policy: EscalationPolicy) -> None:
    decisions = run(s, analysers, policy)
    print(f"{s['name']}: golden {s['golden_turn']} ({s['expect']}, {s['reason']})")
    for raw, e in zip(s["turns"], decisions):
        print(f"  [{raw['role']:8}] {raw['text'][:70]}")
        print(f"      {describe(e)}")
    last = decisions[-1]
    for line in last.focus:
        print(f"  focus: {line}")
    for r in last.hold_reasons:
        print(f"  hold {r.code}: {r.text}")


def recorded_as_scenario(path: Path, conversation_id: str | None) -> dict[str, Any]:
    from server.replay import read_conversations

    for rec in read_conversations(path):
        if conversation_id in (None, rec.id):
            turns = rec.turns[: rec.cut_turn] if rec.cut_turn else rec.turns
            return {"name": rec.id, "reason": "-", "expect": "now", "golden_turn": rec.cut_turn, "turns": [
                {"role": str(t.get("speaker") or t.get("role")), "text": str(t.get("text", "")),
                 **({"action": t["action"]} if isinstance(t.get("action"), dict) else {})}
                for t in turns
            ]}
    raise SystemExit(f"no conversation {conversation_id!r} in {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", type=Path, default=SCENARIOS)
    parser.add_argument("--policy", type=Path, default=None, help="an EscalationPolicy JSON file")
    parser.add_argument("--replay", metavar="NAME", help="print one scenario's decisions turn by turn")
    parser.add_argument("--conversation", type=Path, help="replay a recorded conversation file instead")
    parser.add_argument("--id", help="which conversation in --conversation (default: the first)")
    args = parser.parse_args()
    scenarios = json.loads(args.scenarios.read_text(encoding="utf-8"))["scenarios"]
    analysers = load_analysers()
    policy = load_policy(args.policy)
    if args.conversation:
        replay(recorded_as_scenario(args.conversation, args.id), analysers, policy)
    elif args.replay:
        replay(next(s for s in scenarios if s["name"] == args.replay), analysers, policy)
    else:
        table(scenarios, analysers, policy)


if __name__ == "__main__":
    main()
