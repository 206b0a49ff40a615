"""Promises the bot made, with the action, amount and deadline as data.

"You'll get an update within 24 hours" -> action "get an update", deadline
"within 24 hours"; "I've issued a $20 credit" -> action "issued a $20 credit",
amount "$20". The agent taking over has to honour these.
"""

from __future__ import annotations

import logging
import re

from server.analysis.folded import Folded
from server.analysis.fact_patterns import find_money
from server.analysis.sentences import split_sentences
from server.context.model import Commitment, ContextPackage, Role, Turn

logger = logging.getLogger(__name__)

_PROMISE = re.compile(
    r"\b(?:i|we)(?:'ll| will| am going to| are going to|'m going to|'re going to)\s+(?!be (?:happy|glad|here|right|closing|sure|more than)|help)(?P<a>.+)"
    r"|\byou(?:'ll| will| should)\s+(?P<b>(?:get|receive|see|hear|be (?:refunded|credited|contacted|notified|emailed))\b.*)"
    r"|\b(?:i|we)(?:'ve| have)\s+(?:just\s+|already\s+)?(?P<c>(?:issued|credited|refunded|applied|scheduled|arranged|escalated|"
    r"submitted|booked|ordered|sent|reset|processed|generated|added)\b.*)"
    r"|\b(?:i'm|i am|we're|we are)\s+(?P<d>(?:sending|issuing|crediting|refunding|escalating|processing|generating)\b.*)"
    r"|\blet me\s+(?P<e>(?:send|issue|generate|escalate|process|refund|credit|arrange|schedule)\b.*)",
    re.IGNORECASE,
)
_DEADLINE = Folded(
    r"\b(?:within|in|by|before|no later than)\s+(?:the\s+next\s+)?(?:\d+(?:\s*-\s*\d+)?|a|an|one|two|three|few|24|48|72)"
    r"\s+(?:business\s+|working\s+)?(?:minutes?|hours?|days?|weeks?)\b"
    r"|\b(?:by|before|on)\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(?:(?:by|before|until)\s+)?(?:today|tonight|tomorrow|(?:the )?end of (?:the )?day|"
    r"next week|this week)\b|\bby (?:eod|end of business)\b",
)
_ACTION_END = re.compile(r"\s+(?:for the|because|since|so that|as soon as|once|if|but|and then)\b|[,;:]", re.IGNORECASE)
_NOT_A_PROMISE = Folded(
    r"\?\s*$|\bif you\b.*\b(?:want|like)\b|\b(?:i|we)(?:'ll| will)(?: also| just| first)? (?:need|require|ask)\b"
    # a promise refused ("I can't promise you'll get ...") or reported ("you were told you'll get ...")
    r"|\b(?:can'?t|cannot|can not|won'?t|unable to|not able to|couldn'?t)\s+(?:\w+\s+)?(?:promise|guarantee|confirm|commit)\b"
    r"|\byou(?:'ve| have)? (?:said|say|were told|was told|mentioned|claim\w*|believe|think|wrote|understood)\b"
    r"|\b(?:according to you|you'?re saying)\b",
)


def find_commitments(text: str) -> list[tuple[str, str, str | None, str | None]]:
    """(sentence, action, amount, deadline) for each promise in a bot message."""
    found = []
    for sentence in split_sentences(text):
        match = _PROMISE.search(sentence)
        if match is None or _NOT_A_PROMISE.search(sentence):
            continue
        deadline = _DEADLINE.search(sentence)
        action = _action(next(g for g in match.groups() if g), deadline.group(0) if deadline else "")
        money = find_money(sentence)
        found.append((sentence, action, money[0].value if money else None, deadline.group(0) if deadline else None))
    return found


def _action(phrase: str, deadline: str) -> str:
    """'issued a $20 credit to your account for the trouble' -> 'issued a $20 credit to your account'."""
    if deadline:
        phrase = phrase.replace(deadline, " ")
    phrase = _ACTION_END.split(phrase, maxsplit=1)[0]
    return " ".join(phrase.split()).strip(" .!,")


class CommitmentTracker:
    """Per-turn analyser: adds the bot's promises to ``package.commitments``."""

    def __call__(self, package: ContextPackage, turn: Turn) -> None:
        self.update(package, turn)

    def update(self, package: ContextPackage, turn: Turn) -> None:
        if turn.role not in (Role.BOT, Role.AGENT):
            return
        for sentence, action, amount, deadline in find_commitments(turn.text):
            if any(c.text == sentence for c in package.commitments):
                continue
            package.commitments.append(
                Commitment(text=sentence, action=action, amount=amount, deadline=deadline, turn_ids=[turn.id])
            )
            logger.debug("commitment at turn %d", turn.id)
