"""What the decision says in words: the agent's focus, the customer's message, a log line."""

from __future__ import annotations

from server.context.model import ContextPackage, Escalation, Outcome, Reason
from server.escalation.policy import EscalationPolicy

_FOCUS = {
    "asked_for_human": "The customer asked for a person: take over at once, no more bot-style questions.",
    "needs_authority": "Decide what the bot could not: {text}.",
    "looping": "The bot went round in circles ({text}); do not ask or try the same again.",
    "customer_repeating": "The customer had to repeat themselves: confirm you have it, do not ask again.",
    "frustration_with_bot": "Acknowledge the frustration with the bot before anything else.",
    "rising_frustration": "Frustration is rising: acknowledge it and give a clear next step.",
    "beyond_bot": "This issue type is kept for people in this deployment: the bot only gathered details.",
    "prior_escalation": "Repeat contact about this issue: check what was promised last time.",
}


def unavailable_message(policy: EscalationPolicy) -> str:
    """What the customer is told, honestly, when no transfer is possible."""
    return policy.disabled_message if not policy.enabled else policy.unavailable_message


def focus_for(package: ContextPackage, reasons: list[Reason]) -> list[str]:
    """A short list of what the agent should focus on, most pressing first."""
    lines = [_FOCUS[r.code].format(text=_lower_tail(r.text)) for r in reasons if r.code in _FOCUS]
    failed = sorted({s.name for s in package.steps if s.outcome is Outcome.FAILED})
    if failed:
        lines.append("Already tried without success: " + ", ".join(failed) + ".")
    if package.commitments:
        lines.append(f"Honour the bot's {len(package.commitments)} commitment(s) to the customer.")
    if package.issue.label:
        lines.append(f"Issue: {package.issue.label} ({package.issue.complexity} complexity).")
    return lines


def describe(e: Escalation) -> str:
    """One line per decision, for replay and logs (codes and turn ids, no customer text)."""
    pushes = ", ".join(f"{r.code}+{r.weight:.2f}{_turns(r)}" for r in e.reasons) or "-"
    holds = ", ".join(f"{r.code}-{r.weight:.2f}{_turns(r)}" for r in e.hold_reasons) or "-"
    return f"t{e.decided_at_turn:<3} {e.decision.value:<8} conf={e.confidence:.2f} score={e.score:.2f}  why: {pushes}  hold: {holds}"


def _turns(r: Reason) -> str:
    return "@" + "/".join(str(i) for i in r.turn_ids[-3:]) if r.turn_ids else ""


def _lower_tail(text: str) -> str:
    head, _, tail = text.partition(": ")
    return (tail or head).rstrip(".")
