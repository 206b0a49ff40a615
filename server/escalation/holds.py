"""Reasons to hold: what takes weight off the case for a human.

Holds only reduce the soft signals (frustration, loops, complexity ...); a
customer asking for a person or a request that needs authority is never argued
away. Each hold is a Reason whose weight is what it took off the score.
"""

from __future__ import annotations

from server.context.model import ContextPackage, Outcome, Reason
from server.escalation.frustration import Frustration
from server.escalation.policy import EscalationPolicy
from server.escalation.scan import Scan
from server.escalation.signals import steps_of

FRUSTRATION_CODES = frozenset({"frustration", "rising_frustration"})
RECENT_SUCCESS_TURNS = 4


def delay_hold(reasons: list[Reason], feel: Frustration, policy: EscalationPolicy) -> Reason | None:
    """Frustration about a delay (not the bot) is no reason to restart with a person."""
    codes = {r.code for r in reasons}
    if feel.target != "delay" or {"looping", "frustration_with_bot"} & codes:
        return None
    share = policy.hold("delay_frustration")
    removed = sum(r.weight for r in reasons if r.code in FRUSTRATION_CODES) * share
    if removed <= 0:
        return None
    text = "The frustration is with a delay, not with the bot; a transfer would not shorten it"
    return Reason(code="delay_frustration", text=text, weight=round(removed, 3), turn_ids=feel.turn_ids)


def near_resolution_hold(package: ContextPackage, soft: float, policy: EscalationPolicy, scan: Scan) -> Reason | None:
    """The issue is nearly solved: a transfer would restart progress."""
    strength, ids, text = _nearness(package, scan)
    removed = min(soft, policy.hold("near_resolution") * strength)
    if removed <= 0:
        return None
    return Reason(code="near_resolution", text=text, weight=round(removed, 3), turn_ids=ids)


def _nearness(package: ContextPackage, scan: Scan) -> tuple[float, list[int], str]:
    for turn, resolved in reversed(scan.said):
        if resolved:
            return 1.0, [turn.id], "The customer says it is solved"
    steps = steps_of(package, scan)
    last = package.transcript[-1].id if package.transcript else 0
    if steps and steps[-1].outcome is Outcome.SUCCEEDED and steps[-1].turn_ids:
        if last - max(steps[-1].turn_ids) <= RECENT_SUCCESS_TURNS:
            return 0.6, list(steps[-1].turn_ids), f"Step {steps[-1].name!r} just succeeded"
    return 0.0, [], ""
