"""Signals towards a human, read off the context package.

Each signal has a code (the policy's weight key), a strength in 0..1, a short
explanation and the turn ids it rests on. The analysers' output is used when it
is there (sentiment points, steps, issue); the transcript is read directly for
what they may not give (a request for a person, authority, loops), through the
package's ``Scan``, which reads each turn once as it arrives.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from server.context.model import ContextPackage, Outcome, Role, Step
from server.escalation import cues
from server.escalation.frustration import Frustration, read_frustration
from server.escalation.policy import EscalationPolicy
from server.escalation.scan import Scan, scan_of


@dataclass(frozen=True)
class Signal:
    code: str
    strength: float
    text: str
    turn_ids: tuple[int, ...]


def collect(
    package: ContextPackage, policy: EscalationPolicy, beyond_bot: Collection[str] = ()
) -> tuple[list[Signal], Frustration, Scan]:
    """Every signal present now, strongest evidence first within each code."""
    scan = scan_of(package, policy)
    feel = read_frustration(package, scan)
    found = [
        asked_for_human(scan),
        needs_authority(package, policy, scan),
        looping(package, scan),
        customer_repeating(scan),
        failed_steps(package, scan),
        *frustration_signals(feel),
        beyond_the_bot(package, policy, beyond_bot),
        complexity(package),
        prior_escalation(package),
    ]
    return [s for s in found if s is not None and s.strength > 0], feel, scan


def asked_for_human(scan: Scan) -> Signal | None:
    flagged = scan.customer_positions(set(scan.flagged_asks))
    asks = [scan.turns[at].id for at in sorted({*scan.asks, *flagged})]
    if not asks or scan.resolved_id > asks[-1]:
        return None
    text = "The customer asked for a person" + (f" ({len(asks)} times)" if len(asks) > 1 else "")
    return Signal("asked_for_human", 1.0, text, tuple(asks))


def needs_authority(package: ContextPackage, policy: EscalationPolicy, scan: Scan) -> Signal | None:
    why = [need for _, need in scan.authority]
    ids = [scan.turns[at].id for at, _ in scan.authority]
    for c in package.commitments:
        if c.amount and cues.amount_over(c.amount, policy.max_bot_refund) is not None:
            why.append(f"the bot committed to {c.amount}, above its limit")
            ids.extend(c.turn_ids)
    if not ids or scan.resolved_id > max(ids):
        return None
    return Signal("needs_authority", 1.0, "Needs authority the bot lacks: " + "; ".join(why[-2:]), tuple(ids))


def looping(package: ContextPackage, scan: Scan) -> Signal | None:
    pairs = scan.repeats(Role.BOT)
    again = _steps_failed_again(package, scan)
    if not pairs and not again:
        return None
    parts, ids = [], set()
    if pairs:
        asked = any(later.text.rstrip().endswith("?") for _, later in pairs)
        parts.append(("asked the same question" if asked else "gave the same answer") + " again")
        ids.update(t.id for pair in pairs for t in pair)
    for name, step_ids in again.items():
        parts.append(f"step {name!r} failed {len(step_ids)} times")
        ids.update(step_ids)
    return Signal("looping", 1.0, "The bot is looping: " + "; ".join(parts), tuple(sorted(ids)))


def customer_repeating(scan: Scan) -> Signal | None:
    flagged = scan.flagged_repeats
    pairs = scan.repeats(Role.CUSTOMER)
    ids = sorted(set(flagged) | {t.id for pair in pairs for t in pair})
    count = max(len(pairs), len(flagged))
    if not count:
        return None
    return Signal("customer_repeating", min(1.0, 0.5 * count), "The customer has had to repeat themselves", tuple(ids))


def failed_steps(package: ContextPackage, scan: Scan) -> Signal | None:
    failed = [s for s in steps_of(package, scan) if s.outcome is Outcome.FAILED]
    names = sorted({s.name for s in failed})
    if not names:
        return None
    ids = tuple(sorted({i for s in failed for i in s.turn_ids}))
    return Signal("failed_steps", min(1.0, len(names) / 3), f"Steps failed: {', '.join(names)}", ids)


def frustration_signals(feel: Frustration) -> list[Signal | None]:
    if feel.level < 0.2:
        return []
    ids = tuple(feel.turn_ids)
    level = Signal("frustration", feel.level, f"Customer frustration at {feel.level:.2f}", ids)
    rising = Signal("rising_frustration", 1.0, "Frustration is rising", ids) if feel.rising else None
    at_bot = Signal("frustration_with_bot", feel.level, "The frustration is with the bot", ids) if feel.target == "bot" else None
    return [level, rising, at_bot]


def beyond_the_bot(package: ContextPackage, policy: EscalationPolicy, marked: Collection[str]) -> Signal | None:
    issue = package.issue
    if not issue.label or issue.confidence < policy.min_issue_confidence:
        return None
    if issue.label not in marked and issue.label not in policy.beyond_bot_labels:
        return None
    text = f"Issue {issue.label!r} is one this deployment keeps for people"
    return Signal("beyond_bot", min(1.0, issue.confidence / 0.7), text, tuple(issue.turn_ids))


def complexity(package: ContextPackage) -> Signal | None:
    level = {"high": 1.0, "medium": 0.5}.get(package.issue.complexity, 0.0)
    if not level or not package.issue.label:
        return None
    return Signal("complexity", level, f"{package.issue.complexity.capitalize()} complexity issue", tuple(package.issue.turn_ids))


def prior_escalation(package: ContextPackage) -> Signal | None:
    label = package.issue.label
    before = [c for c in package.prior_contacts if label and c.issue_label == label and "escalat" in c.outcome]
    if not before:
        return None
    return Signal("prior_escalation", 1.0, f"Escalated about this before ({len(before)} contact(s))", ())


def steps_of(package: ContextPackage, scan: Scan) -> list[Step]:
    """The package's steps, or the logged actions when no step analyser ran."""
    if package.steps:
        return package.steps
    return [
        Step(name=t.action.name, outcome=t.action.outcome, turn_ids=[t.id])
        for t in (scan.turns[at] for at in scan.actions)
        if t.action is not None
    ]


def _steps_failed_again(package: ContextPackage, scan: Scan) -> dict[str, list[int]]:
    by_name: dict[str, list[int]] = {}
    for s in steps_of(package, scan):
        if s.outcome is Outcome.FAILED:
            by_name.setdefault(s.name, []).extend(s.turn_ids[:1])
    return {k: v for k, v in by_name.items() if len(v) > 1}
