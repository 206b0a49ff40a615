"""Contradictions: the draft states an amount, a time or a yes/no fact that an
earlier bot/agent turn stated differently.

Only the side that speaks for the business counts as a source (bot, agent,
logged system actions); what the customer claims is not a promise. A draft
value is fine when it agrees with any earlier value on the same topic; when it
agrees with none, the finding quotes the latest. An earlier value from a turn
that holds a commitment makes a worse-for-the-customer draft an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from server.checks.claims import Claim, extract_claims
from server.checks.model import Finding, FindingKind, Severity
from server.checks.status import PHRASES, StatusClaim, extract_status
from server.checks.text import Segment
from server.checks.topics import commitment_topic
from server.context.model import Commitment, Turn

_EPS = 1e-6


def claim_contradictions(draft: str, turns: Sequence[Turn], commitments: Sequence[Commitment]) -> list[Finding]:
    earlier = _earlier_claims(turns, commitments)
    out = []
    for claim in extract_claims(draft):
        if claim.topic is None or claim.negated or claim.in_question or claim.additive:
            continue
        same = [(turn, e) for turn, e in earlier if _comparable(claim, e)]
        if same and not any(_agrees(claim, e) for _, e in same):
            turn, e = same[-1]
            out.append(_claim_finding(claim, turn, e, _promised(turn, commitments)))
    return out


def status_contradictions(draft: str, turns: Sequence[Turn], commitments: Sequence[Commitment]) -> list[Finding]:
    latest: dict[str, tuple[Turn, StatusClaim]] = {}
    for turn in turns:
        for claim in extract_status(turn.text):
            latest[claim.name] = (turn, claim)
    out = []
    for claim in extract_status(draft):
        if claim.name in latest and latest[claim.name][1].holds != claim.holds:
            turn, e = latest[claim.name]
            out.append(_status_finding(claim, turn, e, _promised(turn, commitments)))
    return out


def _earlier_claims(turns: Sequence[Turn], commitments: Sequence[Commitment]) -> list[tuple[Turn, Claim]]:
    out = []
    for turn in turns:
        for claim in extract_claims(turn.text):
            if claim.topic is None:
                claim = _with_commitment_topic(claim, turn, commitments)
            if claim.topic is not None and not (claim.negated or claim.in_question):
                out.append((turn, claim))
    return out


def _with_commitment_topic(claim: Claim, turn: Turn, commitments: Sequence[Commitment]) -> Claim:
    for c in commitments:
        if turn.id in c.turn_ids and claim.text in f"{c.amount or ''} {c.deadline or ''}":
            topic = commitment_topic(c.action)
            if topic is not None:
                return replace(claim, topic=topic)
    return claim


def _comparable(draft: Claim, earlier: Claim) -> bool:
    if draft.topic != earlier.topic or (draft.kind == "date") != (earlier.kind == "date"):
        return False
    if draft.kind == "date":
        return draft.key.split(":")[0] == earlier.key.split(":")[0]
    return draft.kind == earlier.kind or {draft.kind, earlier.kind} == {"duration"}


def _agrees(draft: Claim, earlier: Claim) -> bool:
    if draft.kind == "date":
        return draft.key == earlier.key
    if draft.kind == "duration":
        return draft.hi <= earlier.hi + _EPS and draft.hi >= earlier.lo - _EPS
    return abs(draft.lo - earlier.lo) < 0.005


def _worse(draft: Claim, earlier: Claim) -> bool:
    """Worse for the customer than what was promised: less money, longer, another day."""
    if draft.kind in ("money", "percent"):
        return draft.lo < earlier.lo
    if draft.kind == "duration":
        return draft.hi > earlier.hi
    return True


def _promised(turn: Turn, commitments: Sequence[Commitment]) -> bool:
    return any(turn.id in c.turn_ids for c in commitments)


def quote(turn: Turn, sentence: Segment | None) -> str:
    """The earlier sentence, verbatim from the turn (offsets survive normalising)."""
    return turn.text[sentence.start:sentence.end] if sentence else turn.text


def _claim_finding(claim: Claim, turn: Turn, earlier: Claim, promised: bool) -> Finding:
    severity = Severity.ERROR if promised and _worse(claim, earlier) else Severity.WARNING
    what = "promised" if promised else "said"
    return Finding(
        kind=FindingKind.CONTRADICTION,
        severity=severity,
        span=(claim.start, claim.end),
        turn_ids=[turn.id],
        earlier_text=quote(turn, earlier.sentence),
        slot=claim.slot,
        message=f"The draft says {claim.text} for the {claim.topic}; turn {turn.id} {what} {earlier.text}.",
        suggested_rewrite=earlier.text,
    )


def _status_finding(claim: StatusClaim, turn: Turn, earlier: StatusClaim, promised: bool) -> Finding:
    said = PHRASES[(earlier.name, earlier.holds)]
    return Finding(
        kind=FindingKind.CONTRADICTION,
        severity=Severity.ERROR if promised else Severity.WARNING,
        span=(claim.start, claim.end),
        turn_ids=[turn.id],
        earlier_text=quote(turn, earlier.sentence),
        slot=f"status.{claim.name}",
        message=f'The draft says "{PHRASES[(claim.name, claim.holds)]}"; turn {turn.id} said "{said}".',
        suggested_rewrite=said,
    )
