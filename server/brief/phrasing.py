"""Deterministic prose: the agent's opening line, the customer's announcement, the wait.

Built from the structured brief alone, in well under a millisecond, so a transfer
always has something specific to say even with no LLM, or a failing one.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence

from server.brief.model import QueueInfo, WaitEstimate
from server.brief.settings import BriefSettings
from server.context.model import Commitment, Fact, Issue, Reason, Step, Turn

_FACT_PREFERENCE = ("order_id", "order", "account_id", "tracking", "booking", "ticket", "product", "item")
_REASON_PHRASES = {
    "asked_for_human": "as you asked to speak with a person",
    "needs_authority": "who can approve what this needs",
    "rising_frustration": "who can resolve this with you directly",
    "looping": "who can take this further than I could",
}


def wait_estimate(queue: QueueInfo | None, settings: BriefSettings) -> WaitEstimate:
    """Bounded either way: from the queue's estimate when given, else the configured default."""
    if queue is not None and queue.estimated_wait_seconds > 0:
        estimate = queue.estimated_wait_seconds
        upper = min(settings.max_wait_s, max(60, math.ceil(estimate * 1.5 / 30) * 30))
        lower = min(upper, max(0, math.floor(estimate * 0.75 / 30) * 30))
        return WaitEstimate(min_seconds=lower, max_seconds=upper, source="queue")
    return WaitEstimate(min_seconds=settings.default_wait_min_s, max_seconds=settings.default_wait_max_s, source="default")


def wait_phrase(wait: WaitEstimate) -> str:
    upper = max(1, math.ceil(wait.max_seconds / 60))
    lower = wait.min_seconds // 60
    unit = "minute" if upper == 1 else "minutes"
    if lower <= 0:
        return f"under {upper} {unit}"
    if lower >= upper:
        return f"about {upper} {unit}"
    return f"between {lower} and {upper} {unit}"


def topic(issue: Issue, facts: Sequence[Fact]) -> str:
    """'your delivery time for order 12345': the issue label and the most telling fact."""
    label = issue.label.replace("_", " ").replace("-", " ").strip()
    name = f"your {label} issue" if label else "this"
    ranked = sorted(facts, key=lambda f: next((i for i, p in enumerate(_FACT_PREFERENCE) if p in f.type), 99))
    if ranked and any(p in ranked[0].type for p in _FACT_PREFERENCE):
        kind = ranked[0].type.removesuffix("_id").removesuffix("_number").replace("_", " ")
        return f"{name} for {kind} {ranked[0].value}" if label else f"the problem with {kind} {ranked[0].value}"
    return name


def since_phrase(transcript: Sequence[Turn]) -> str:
    stamps = [t.created_at for t in transcript if t.created_at > 0]
    if len(stamps) < 2:
        return ""
    minutes = (stamps[-1] - stamps[0]) / 60
    if minutes < 10:
        return ""
    if minutes < 90:
        return f" for the last {round(minutes)} minutes"
    first, last = time.localtime(stamps[0]), time.localtime(stamps[-1])
    if first.tm_yday == last.tm_yday and first.tm_year == last.tm_year:
        part = "morning" if first.tm_hour < 12 else "afternoon" if first.tm_hour < 18 else "evening"
        return f" since this {part}"
    return f" since {time.strftime('%A', first)}"


_SWAPS = {"i": "you", "i'm": "you're", "i've": "you've", "i'll": "you'll", "i'd": "you'd", "my": "your",
          "me": "you", "mine": "yours", "am": "are", "myself": "yourself"}
_TOKEN = re.compile(r"[A-Za-z']+|[^A-Za-z']+")


def second_person(sentence: str) -> str:
    """'I forgot my username' -> 'you forgot your username'."""
    out = [_SWAPS.get(t.lower(), t) if t[0].isalpha() else t for t in _TOKEN.findall(sentence.replace("’", "'"))]
    return "".join(out).rstrip(" .!?")


def opening_line(
    issue: Issue,
    facts: Sequence[Fact],
    steps: Sequence[Step],
    transcript: Sequence[Turn],
    problem: str = "",
    commitments: Sequence[Commitment] = (),
    prior_contacts: int = 0,
) -> str:
    """Names the issue and the most telling fact (or the customer's problem in their words),
    how many times they have contacted us, and the promise made to them."""
    subject = topic(issue, facts)
    if subject == "this" and problem:
        line = f"I can see that {second_person(problem)}{since_phrase(transcript)}"
    elif prior_contacts:
        line = f"I can see this is your {_ordinal(prior_contacts + 1)} time contacting us about {subject}"
    else:
        line = f"I can see you've been trying to resolve {subject}{since_phrase(transcript)}"
    promise = _customer_facing_promise(commitments)
    if promise:
        line += f", and that we told you {promise}"
    return line + " — let me pick up exactly where things were."


def _customer_facing_promise(commitments: Sequence[Commitment]) -> str:
    """The latest promise worded to the customer ("You'll get an update ..."), in reported speech."""
    for commitment in reversed(commitments):
        text = commitment.text.strip().rstrip(".!")
        reported, changed = re.subn(r"(?i)^you(?:'ll|’ll| will)\b", "you'd", text)
        if changed:
            return reported
    return ""


def _ordinal(n: int) -> str:
    return {2: "second", 3: "third", 4: "fourth", 5: "fifth"}.get(n, f"{n}th")


def announcement(reasons: Sequence[Reason], wait: WaitEstimate) -> str:
    why = next((_REASON_PHRASES[r.code] for r in reasons if r.code in _REASON_PHRASES), "who can take this further")
    return (
        f"I'm transferring you to a member of our team {why}. "
        "They will have everything we've discussed, so you won't need to explain anything again. "
        f"The expected wait is {wait_phrase(wait)}."
    )
