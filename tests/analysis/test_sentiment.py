"""Sentiment per customer turn and as a trajectory, on the project's own short scripts."""

from __future__ import annotations

from server.analysis.sentiment import SentimentAnalyser
from server.context.model import ContextPackage, Role
from tests.analysis.scripts import feed

C, B = Role.CUSTOMER, Role.BOT


def run(*script: tuple[Role, str]) -> ContextPackage:
    return feed(list(script), [SentimentAnalyser().update])


def test_calm_customer_stays_calm() -> None:
    package = run((C, "Hi, I'd like to change the address on my order please."), (B, "Sure, what is the new address?"),
                  (C, "12 Oak Street, Springfield. Thanks!"))
    assert package.sentiment.current_frustration < 0.2
    assert package.sentiment.trend != "rising_frustration"
    assert [p.turn_id for p in package.sentiment.points] == [1, 3]


def test_rising_frustration_is_a_rising_trend() -> None:
    package = run((C, "Hi, my parcel hasn't arrived."), (B, "Let me check."), (C, "This is really annoying."),
                  (B, "Please wait."), (C, "This is ridiculous, you are useless!!"))
    frustrations = [p.frustration for p in package.sentiment.points]
    assert frustrations == sorted(frustrations) and frustrations[-1] > frustrations[0]
    assert package.sentiment.trend == "rising_frustration"
    assert package.sentiment.peak_turn_id == 5


def test_third_contact_raises_frustration_with_its_signal() -> None:
    plain = run((C, "I am contacting you about my order."))
    third = run((C, "This is the third time I am contacting you about my order."))
    assert "repeat_contact" in third.sentiment.points[0].signals
    assert third.sentiment.points[0].frustration > plain.sentiment.points[0].frustration


def test_asking_for_a_person_is_frustration_with_the_bot() -> None:
    point = run((C, "Let me speak to a real person please")).sentiment.points[0]
    assert "asks_for_human" in point.signals and point.target == "bot"


def test_waiting_complaint_is_frustration_with_a_delay() -> None:
    package = run((C, "It's been two weeks and I still haven't received my refund. Terrible."))
    assert "waiting_complaint" in package.sentiment.points[0].signals
    assert package.sentiment.target == "delay"


def test_not_being_understood_is_frustration_with_the_bot() -> None:
    package = run((C, "You're not understanding me, that is not what I asked. This is frustrating."))
    assert package.sentiment.target == "bot"


def test_recovery_after_a_fix() -> None:
    package = run((C, "This is useless, the reset link NEVER ARRIVED and I'm furious!!"), (B, "I've sent a new one."),
                  (C, "Ok."), (B, "Did it arrive?"), (C, "Yes that worked, thank you so much!"))
    assert package.sentiment.peak_turn_id == 1
    assert package.sentiment.recovered
    assert package.sentiment.current_frustration < package.sentiment.peak_frustration


def test_capitals_are_a_signal_but_acronyms_are_not() -> None:
    shouting = run((C, "WHERE IS MY ORDER")).sentiment.points[0]
    acronym = run((C, "Was it sent with UPS or DHL?")).sentiment.points[0]
    assert "capitals" in shouting.signals and "capitals" not in acronym.signals


def test_negation_turns_praise_negative() -> None:
    assert run((C, "I am not happy with this at all.")).sentiment.points[0].score < 0
    assert run((C, "I am happy with this.")).sentiment.points[0].score > 0


def test_repeating_oneself_is_noticed() -> None:
    package = run((C, "I need to cancel my subscription before it renews tomorrow"), (B, "How can I help?"),
                  (C, "I need to cancel my subscription before it renews tomorrow!"))
    assert "repetition" in package.sentiment.points[-1].signals
    assert package.sentiment.points[-1].target == "bot"
