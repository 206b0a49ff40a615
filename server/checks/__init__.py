"""Draft-reply checks: never contradict a promise, never ask again for what the customer gave.

``check_reply(package, draft, policy)`` returns :class:`Finding` items of three
kinds, found by deterministic rules (amounts, durations, dates, yes/no facts,
question and slot detection); an optional caller-supplied LLM pass may add
findings, kept only when they quote an earlier turn verbatim.
"""

from server.checks.check import check_reply, repeat_questions, repeat_questions_in_transcript
from server.checks.grounding import LlmCheck, ground
from server.checks.model import Finding, FindingKind, Policy, Severity

__all__ = [
    "Finding",
    "FindingKind",
    "LlmCheck",
    "Policy",
    "Severity",
    "check_reply",
    "ground",
    "repeat_questions",
    "repeat_questions_in_transcript",
]
