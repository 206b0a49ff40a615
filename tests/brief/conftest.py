"""A synthetic delayed-order conversation (written for these tests, not from any dataset)."""

from __future__ import annotations

import pytest

from server.context.model import (
    Commitment,
    ContextPackage,
    Decision,
    Escalation,
    Fact,
    Issue,
    Outcome,
    Reason,
    Role,
    Sentiment,
    SentimentPoint,
    Statement,
    Step,
    Turn,
)

START = 1_700_000_000.0
LINES = [
    (Role.CUSTOMER, "Hello, my order KX-48213 for a standing desk was due on Tuesday and it still has not arrived."),
    (Role.BOT, "I'm sorry about the delay. Could you confirm the email on the order?"),
    (Role.CUSTOMER, "It's dana.ruiz@example.org"),
    (Role.SYSTEM, "Order KX-48213 looked up: in transit, carrier Parcelway, last scan 6 days ago."),
    (Role.BOT, "Your parcel with Parcelway has not moved for 6 days. I will open a trace with the carrier today."),
    (Role.CUSTOMER, "A trace? I need this desk for work. I want to talk to a real person now."),
]


def make_package(lines: list[tuple[Role, str]] | None = None, analysed: bool = True) -> ContextPackage:
    turns = [Turn(id=i + 1, role=r, text=t, created_at=START + 600 * i) for i, (r, t) in enumerate(lines or LINES)]
    package = ContextPackage(conversation_id="conv-desk-1", transcript=turns, analyzed_through_turn=len(turns))
    if analysed:
        package.issue = Issue(label="delivery_delay", group="shipping", confidence=0.9, turn_ids=[1])
        package.facts = [
            Fact(type="order_id", value="KX-48213", turn_ids=[1]),
            Fact(type="email", value="dana.ruiz@example.org", turn_ids=[3]),
        ]
        package.bot_statements = [Statement(text="Your parcel with Parcelway has not moved for 6 days.", turn_ids=[5])]
        package.commitments = [Commitment(text="I will open a trace with the carrier today.", action="open_trace", deadline="today", turn_ids=[5])]
        package.steps = [Step(name="order lookup", outcome=Outcome.SUCCEEDED, detail="in transit", turn_ids=[4])]
        package.sentiment = Sentiment(
            points=[SentimentPoint(turn_id=1, score=-0.2, frustration=0.3), SentimentPoint(turn_id=6, score=-0.7, frustration=0.8)],
            trend="rising_frustration", current_frustration=0.8, peak_frustration=0.8, peak_turn_id=6, target="delay",
        )
        package.escalation = Escalation(
            decision=Decision.NOW,
            reasons=[Reason(code="asked_for_human", text="The customer asked for a person.", weight=1.0, turn_ids=[6])],
            focus=["Confirm when the desk will arrive or offer an alternative."],
        )
    return package


@pytest.fixture
def package() -> ContextPackage:
    return make_package()
