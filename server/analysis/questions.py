"""What the bot last asked for, so a bare customer answer can be typed.

Customers often answer "May I have your zip code?" with just "2109": the value
carries no type of its own, the question does. ``asked_slots`` reads the most
recent bot (or agent) turn before a customer turn and names the fact types it
asked for, in the order they were asked. A mention is enough ("the order ID
would be great" asks without a question mark): the answer's shape decides the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.analysis.folded import Folded
from server.context.model import Role, Turn

_SLOT_PATTERNS: tuple[tuple[str, Folded], ...] = tuple(
    (slot, Folded(pattern))
    for slot, pattern in (
        ("account_id", r"\baccount\s*(?:id|number|no|#)|\baccount and order ids?\b"),
        ("order_id", r"\border\s*(?:id|number|no|#)|\border ids?\b"),
        ("tracking_number", r"\btracking\b"),
        ("username", r"\buser\s?names?\b"),
        ("email", r"\be-?mail\b"),
        ("phone", r"\b(?:phone|mobile|cell)\b"),
        ("zip_code", r"\b(?:zip|postal|post)\s*code\b|\bzip\b"),
        ("street_address", r"(?<!mail )\baddress\b|\bwhere do you live\b"),
        ("customer_name", r"\b(?:full\s+|your\s+|first\s+|last\s+)name\b|\bwho am i (?:speaking|talking) (?:to|with)\b"),
        ("amount", r"\bhow much\b|\bprice\b|\bcost\b|\bamount\b"),
        ("membership_level", r"\bmembership\b|\bmember(?:ship)? (?:level|tier|status)\b|\btier\b"),
        ("product", r"\bbrand\b|\bwhich (?:item|product)\b|\bwhat (?:item|product)\b"),
        ("payment_method", r"\bpayment method\b|\bhow would you like (?:your|the) refund\b|\bpay(?:ing)? (?:with|by)\b"),
        ("pin_number", r"\bpin\b"),
        ("security_answer", r"\bsecurity (?:question|answer)\b|\bmaiden name\b|\bfirst pet\b|\bborn in\b"),
        ("date", r"\bwhen did\b|\bwhat date\b|\bwhich day\b"),
    )
)

_BOT_SIDE = (Role.BOT, Role.AGENT)


def slots_in(text: str) -> list[str]:
    """The fact types a bot message mentions asking for ("May I have your zip code?" -> ["zip_code"])."""
    found = [(m.start(), slot) for slot, pattern in _SLOT_PATTERNS for m in [pattern.search(text)] if m]
    return [slot for _, slot in sorted(found)]


def last_bot_block(transcript: Sequence[Turn], before_id: int) -> list[Turn]:
    """The bot's latest run of messages before ``before_id``, skipping the customer's
    replies to it and logged system actions ("Can I have your order ID" / "please")."""
    block: list[Turn] = []
    for turn in reversed(transcript):
        if turn.id >= before_id or turn.role == Role.SYSTEM:
            continue
        if turn.role in _BOT_SIDE:
            block.insert(0, turn)
        elif block:
            break
    return block


def asked_slots(transcript: Sequence[Turn], before_id: int) -> list[str]:
    """The fact types the bot's latest messages before ``before_id`` asked for."""
    return [slot for turn in last_bot_block(transcript, before_id) for slot in slots_in(turn.text)]
