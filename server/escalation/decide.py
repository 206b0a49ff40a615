"""decide(package, policy): escalate now, soon (prepare the brief), or continue, and why.

score = sum of the weighted signals - what the holds take off (never below the
hard signals: a request for a person or for authority is not argued away).
At or above ``now_threshold``: now; at or above ``soon_threshold``: soon;
otherwise continue. When the deployment has escalation off or no agent free,
the decision is continue with a hold reason carrying the honest message.
Pure and cheap: no I/O, no model, a fraction of a millisecond.
"""

from __future__ import annotations

import math
from collections.abc import Collection

from server.context.model import ContextPackage, Decision, Escalation, Reason
from server.escalation.explain import focus_for, unavailable_message
from server.escalation.holds import delay_hold, near_resolution_hold
from server.escalation.policy import DEFAULT_POLICY, HARD_SIGNALS, EscalationPolicy
from server.escalation.signals import Signal, collect

EXPLICIT_CONFIDENCE = 0.9


def decide(
    package: ContextPackage, policy: EscalationPolicy = DEFAULT_POLICY, *, beyond_bot: Collection[str] = ()
) -> Escalation:
    """The escalation decision for the package as it stands.

    ``beyond_bot`` names the issue labels the deployment's taxonomy marks as beyond
    the bot; ``policy.beyond_bot_labels`` adds to them.
    """
    signals, feel, scan = collect(package, policy, beyond_bot)
    reasons = _weighted(signals, policy, package.escalation.reasons)
    hard = sum(r.weight for r in reasons if r.code in HARD_SIGNALS)
    soft = sum(r.weight for r in reasons if r.code not in HARD_SIGNALS)
    holds: list[Reason] = []
    delay = delay_hold(reasons, feel, policy)
    if delay is not None:
        holds.append(delay)
        soft -= delay.weight
    near = near_resolution_hold(package, max(0.0, soft), policy, scan)
    if near is not None:
        holds.append(near)
        soft -= near.weight
    score = round(hard + max(0.0, soft), 3)
    decision = _band(score, policy, package.escalation.decision if not holds else Decision.CONTINUE)
    confidence = _confidence(score, decision, policy)
    if decision is Decision.NOW and hard >= policy.now_threshold:
        confidence = max(confidence, EXPLICIT_CONFIDENCE)  # the customer said it outright
    if not (policy.enabled and policy.agents_available):
        holds.append(_unavailable(policy, score))
        decision, confidence = Decision.CONTINUE, 1.0
    return Escalation(
        decision=decision, confidence=confidence, score=score, reasons=reasons, hold_reasons=holds,
        focus=focus_for(package, reasons), decided_at_turn=_last_turn(package),
    )


def _weighted(signals: list[Signal], policy: EscalationPolicy, before: list[Reason]) -> list[Reason]:
    """The signals as reasons, heaviest first. A reason the last decision gave in the same words
    is that reason again, not a copy: most turns repeat most reasons, and every new one would live
    until the conversation's next turn, through the collector's younger generations."""
    given = {r.code: r for r in before}
    reasons = []
    for s in signals:
        weight = round(policy.weight(s.code) * s.strength, 3)
        if weight <= 0:
            continue
        same = given.get(s.code)
        if same is None or (same.weight, same.text, same.turn_ids) != (weight, s.text, list(s.turn_ids)):
            same = Reason(code=s.code, text=s.text, weight=weight, turn_ids=list(s.turn_ids))
        reasons.append(same)
    return sorted(reasons, key=lambda r: -r.weight)


def _band(score: float, policy: EscalationPolicy, previous: Decision) -> Decision:
    """The band the score falls in; a previous soon/now stands within the hysteresis margin."""
    slack = {Decision.NOW: policy.hysteresis, Decision.SOON: 0.0, Decision.CONTINUE: 0.0}
    if score >= policy.now_threshold - slack[previous]:
        return Decision.NOW
    if score >= policy.soon_threshold - (policy.hysteresis if previous is not Decision.CONTINUE else 0.0):
        return Decision.SOON
    return Decision.CONTINUE


def _confidence(score: float, decision: Decision, policy: EscalationPolicy) -> float:
    """0.5 on a threshold, towards 1 the further inside its band the score lies."""
    if decision is Decision.NOW:
        margin = score - policy.now_threshold
    elif decision is Decision.SOON:
        margin = min(score - policy.soon_threshold, policy.now_threshold - score)
    else:
        margin = policy.soon_threshold - score
    scale = policy.soon_threshold / 2
    return round(0.5 + 0.5 * (1 - math.exp(-max(0.0, margin) / scale)), 3)


def _unavailable(policy: EscalationPolicy, score: float) -> Reason:
    """Why there is no transfer; its text is what to tell the customer, its weight what it held back."""
    code = "escalation_disabled" if not policy.enabled else "no_agent_available"
    return Reason(code=code, text=unavailable_message(policy), weight=score)


def _last_turn(package: ContextPackage) -> int:
    last = package.transcript[-1].id if package.transcript else 0
    return max(last, package.analyzed_through_turn)
