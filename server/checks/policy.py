"""Promises beyond what the deployment allows: amounts over a limit, turnarounds
faster than the business can honour, phrases it forbids."""

from __future__ import annotations

import re

from server.checks.claims import Claim, extract_claims
from server.checks.model import Finding, FindingKind, Policy, Severity

_HOURS_PER_DAY = 24.0


def policy_findings(draft: str, policy: Policy) -> list[Finding]:
    out = []
    for claim in extract_claims(draft):
        if claim.negated or claim.topic is None:
            continue
        finding = _amount_finding(claim, policy) if claim.kind in ("money", "percent") else _time_finding(claim, policy)
        if finding is not None:
            out.append(finding)
    return out + _phrase_findings(draft, policy)


def _amount_finding(claim: Claim, policy: Policy) -> Finding | None:
    limits = {
        ("money", "refund"): policy.max_refund_amount,
        ("money", "credit"): policy.max_credit_amount,
        ("percent", "discount"): policy.max_discount_percent,
    }
    limit = limits.get((claim.kind, claim.topic))
    if limit is None or claim.lo <= limit + 0.005:
        return None
    shown = _like(claim.text, limit)
    return _finding(claim, Severity.ERROR, f"A {claim.topic} of {claim.text} is over the {shown} limit.", shown)


def _time_finding(claim: Claim, policy: Policy) -> Finding | None:
    fastest = {"delivery": policy.fastest_delivery_days, "refund": policy.fastest_refund_days}.get(claim.topic or "")
    known = claim.kind == "duration" or claim.key.startswith("rel:")
    if fastest is None or not known or claim.hi < 0 or claim.hi >= fastest * _HOURS_PER_DAY - 1e-6:
        return None
    shown = f"{fastest:g} days"
    message = f"A {claim.topic} by {claim.text} is faster than the {shown} the business can promise."
    return _finding(claim, Severity.ERROR, message, f"within {shown}" if claim.kind == "date" else shown)


def _phrase_findings(draft: str, policy: Policy) -> list[Finding]:
    out = []
    for phrase in policy.forbidden_phrases:
        for m in re.finditer(rf"(?<!\w){re.escape(phrase)}(?!\w)", draft, re.IGNORECASE):
            out.append(
                Finding(
                    kind=FindingKind.BEYOND_POLICY,
                    severity=Severity.WARNING,
                    span=(m.start(), m.end()),
                    turn_ids=[],
                    slot="phrase",
                    message=f'The deployment does not allow "{phrase}" in replies.',
                )
            )
    return out


def _like(text: str, limit: float) -> str:
    """The limit written the way the draft wrote its amount ("$40" -> "$25")."""
    number = f"{limit:,.2f}" if "." in text else f"{limit:,.0f}"
    return re.sub(r"\d[\d,]*(?:\.\d+)?", number, text, count=1)


def _finding(claim: Claim, severity: Severity, message: str, rewrite: str) -> Finding:
    return Finding(
        kind=FindingKind.BEYOND_POLICY,
        severity=severity,
        span=(claim.start, claim.end),
        turn_ids=[],
        slot=claim.slot,
        message=message,
        suggested_rewrite=rewrite,
    )
