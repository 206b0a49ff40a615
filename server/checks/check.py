"""``check_reply``: everything wrong with an agent's draft, given the conversation."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from server.checks.contradiction import claim_contradictions, quote, status_contradictions
from server.checks.grounding import LlmCheck, ground, run_llm
from server.checks.model import Finding, FindingKind, Policy, Severity
from server.checks.policy import policy_findings
from server.checks.questions import Ask, Slot, repeat_asks
from server.checks.text import Segment, normalise, sentences
from server.context.model import ContextPackage, Fact, Role, Turn

logger = logging.getLogger(__name__)

_GREETING = re.compile(r"^(?:hi|hello|hey|thanks|thank you|ok|okay|sure|great)\b[^,!.?]{0,30}[,!]\s+", re.IGNORECASE)

_BUSINESS_SIDE = (Role.BOT, Role.AGENT, Role.SYSTEM)


def check_reply(
    package: ContextPackage,
    draft: str,
    policy: Policy | None = None,
    *,
    llm: LlmCheck | None = None,
    before_turn: int | None = None,
) -> list[Finding]:
    """Findings for ``draft``, ordered by where they start in it.

    ``before_turn`` checks a message already in the transcript against only what
    came before it (for metrics over the agent's actual messages); by default the
    whole transcript is earlier than the draft.
    """
    turns = [t for t in package.transcript if before_turn is None or t.id < before_turn]
    facts = [f for f in package.facts if _given_before(f, before_turn)]
    business = [t for t in turns if t.role in _BUSINESS_SIDE]
    findings = claim_contradictions(draft, business, package.commitments)
    findings += status_contradictions(draft, business, package.commitments)
    findings += repeat_questions(draft, turns, facts)
    if policy is not None:
        findings += policy_findings(draft, policy)
    if llm is not None:
        findings += ground(run_llm(llm, package, draft), draft, turns, findings)
    logger.debug("draft check: %d findings over %d turns", len(findings), len(turns))
    return sorted(findings, key=lambda f: (f.span, f.kind))


def repeat_questions(draft: str, turns: Sequence[Turn], facts: Sequence[Fact]) -> list[Finding]:
    out = []
    for sentence, asks, unknown in repeat_asks(draft, facts):
        rewrite = _rewrite(asks, unknown)
        out += [_repeat_finding(ask, sentence, turns, rewrite) for ask in asks]
    return out


def repeat_questions_in_transcript(package: ContextPackage) -> list[tuple[int, Finding]]:
    """The repeat questions in the human agent's actual messages, by turn id."""
    out = []
    for turn in package.transcript:
        if turn.role == Role.AGENT:
            facts = [f for f in package.facts if _given_before(f, turn.id)]
            earlier = [t for t in package.transcript if t.id < turn.id]
            out += [(turn.id, f) for f in repeat_questions(turn.text, earlier, facts)]
    return out


def _given_before(fact: Fact, before_turn: int | None) -> bool:
    return before_turn is None or not fact.turn_ids or min(fact.turn_ids) < before_turn


def _rewrite(asks: list[Ask], unknown: list[Slot]) -> str:
    known = " and ".join(f"your {a.slot.label} as {a.value}" for a in asks)
    text = f"I have {known}."
    if unknown:
        text += f" Could you also share your {' and '.join(s.label for s in unknown)}?"
    return text


def _repeat_finding(ask: Ask, sentence: Segment, turns: Sequence[Turn], rewrite: str) -> Finding:
    turn_ids = sorted({i for f in ask.facts for i in f.turn_ids})
    on_file = all(f.source == "external" for f in ask.facts)
    given = "is already on file" if on_file else f"was already given in turn {', '.join(map(str, turn_ids))}"
    greeting = _GREETING.match(sentence.text)
    start = sentence.start + (greeting.end() if greeting else 0)
    return Finding(
        kind=FindingKind.REPEAT_QUESTION,
        severity=Severity.INFO if on_file else Severity.WARNING,
        span=(start, sentence.end),
        turn_ids=turn_ids,
        earlier_text=_quote_value(ask, turns),
        known_value=ask.value,
        slot=ask.slot.name,
        message=f"The customer's {ask.slot.label} ({ask.value}) {given}.",
        suggested_rewrite=rewrite,
    )


def _quote_value(ask: Ask, turns: Sequence[Turn]) -> str:
    """The sentence of the earliest supporting turn that carries the value."""
    ids = {i for f in ask.facts for i in f.turn_ids}
    value = ask.facts[0].value.lower() if ask.facts else ""
    for turn in turns:
        if turn.id in ids:
            for sentence in sentences(normalise(turn.text)):
                if value and value in sentence.text.lower():
                    return quote(turn, sentence)
            return turn.text
    return ""
