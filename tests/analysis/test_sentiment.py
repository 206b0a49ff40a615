"""Sentiment per customer turn and as a trajectory, on the project's own short scripts."""

from __future__ import annotations

from server.analysis.sentiment import BOT_LOOKBACK, REPEAT_LOOKBACK, SentimentAnalyser
from server.context.model import ContextPackage, Role, SentimentPoint
from server.escalation.frustration import read_frustration
from tests.analysis.scripts import feed

C, B = Role.CUSTOMER, Role.BOT


def run(*script: tuple[Role, str]) -> ContextPackage:
    return feed(list(script), [SentimentAnalyser().update])


def one(text: str) -> SentimentPoint:
    return run((C, text)).sentiment.points[0]


def test_calm_customer_stays_calm() -> None:
    package = run((C, "Hi, I'd like to change the address on my order please."), (B, "Sure, what is the new address?"),
                  (C, "12 Oak Street, Springfield."), (B, "Done, anything else?"), (C, "No, that's all. Thanks!"))
    sentiment = package.sentiment
    assert [p.turn_id for p in sentiment.points] == [1, 3, 5]
    assert all(p.frustration < 0.2 for p in sentiment.points)
    assert sentiment.trend == "flat" and sentiment.target == "none" and not sentiment.recovered


def test_rising_frustration_is_a_rising_trend() -> None:
    package = run((C, "Hi, my parcel hasn't arrived."), (B, "Let me check."), (C, "This is really annoying."),
                  (B, "Please wait."), (C, "This is ridiculous, you are useless!!"))
    frustrations = [p.frustration for p in package.sentiment.points]
    assert frustrations[0] < frustrations[1] < frustrations[2]
    assert package.sentiment.trend == "rising_frustration"
    assert package.sentiment.peak_turn_id == 5
    calm = run((C, "Hi, my parcel hasn't arrived."))
    assert package.sentiment.current_frustration > calm.sentiment.current_frustration + 0.2


def test_third_contact_raises_frustration_with_its_signal() -> None:
    plain = one("I am contacting you about my order.")
    third = one("This is the third time I'm contacting you about my order.")
    called = one("I've called twice already about this order.")
    assert "repeat_contact" in third.signals and "repeat_contact" in called.signals
    assert "repeat_contact" not in plain.signals
    assert third.frustration > plain.frustration + 0.2


def test_asking_for_a_person_is_frustration_with_the_bot() -> None:
    for text in ("Let me speak to a person", "Can I talk to a real human please?", "representative"):
        point = one(text)
        assert "asks_for_human" in point.signals and point.target == "bot", text


def test_waiting_complaint_is_frustration_with_a_delay() -> None:
    package = run((C, "It's been two weeks and I still haven't received my refund."))
    assert "waiting_complaint" in package.sentiment.points[0].signals
    assert package.sentiment.target == "delay"
    assert read_frustration(package).target == "delay"  # so escalation may hold off


def test_not_being_understood_is_frustration_with_the_bot() -> None:
    package = run((C, "You're not understanding me, that is not what I asked."))
    assert package.sentiment.target == "bot"
    assert read_frustration(package).target == "bot"


def test_customer_not_understanding_is_not_blamed_on_the_bot() -> None:
    assert one("I don't understand how the billing cycle works.").target != "bot"


def test_anger_at_the_bot_outweighs_a_later_delay_complaint() -> None:
    package = run((C, "Stop asking me the same question, this bot is useless."), (B, "Could you confirm your order?"),
                  (C, "It's been two weeks and it still hasn't arrived. This is ridiculous!!"))
    assert package.sentiment.points[-1].target == "delay"
    assert package.sentiment.target == "bot"


def test_recovery_after_a_fix() -> None:
    package = run((C, "This is useless, the reset link NEVER ARRIVED and I'm furious!!"), (B, "I've sent a new one."),
                  (C, "Ok."), (B, "Did it arrive?"), (C, "Yes that worked, thank you so much!"))
    sentiment = package.sentiment
    assert sentiment.peak_turn_id == 1 and sentiment.peak_frustration >= 0.8
    assert sentiment.recovered and sentiment.trend == "falling_frustration"
    assert sentiment.current_frustration < sentiment.peak_frustration - 0.3
    assert "thanks" in sentiment.points[-1].signals and sentiment.points[-1].frustration == 0.0


def test_no_recovery_while_still_angry() -> None:
    package = run((C, "This is useless and I'm furious!!"), (B, "Sorry."), (C, "Still nothing. Ridiculous."))
    assert not package.sentiment.recovered


def test_capitals_are_a_signal_but_acronyms_are_not() -> None:
    shouting = one("WHERE IS MY ORDER")
    acronym = one("Was it sent with UPS or DHL? My ID is 4471.")
    assert "capitals" in shouting.signals and "capitals" not in acronym.signals
    assert shouting.frustration > acronym.frustration


def test_capitals_in_delight_are_not_frustration() -> None:
    for text in ("THANK YOU SO MUCH!", "AMAZING SERVICE, love it!!"):
        point = one(text)
        assert "capitals" in point.signals and point.frustration == 0.0 and point.score > 0, text


def test_negation_turns_praise_negative() -> None:
    assert one("I am not happy with this at all.").score < 0 < one("I am happy with this.").score
    assert "negative_words" in one("I am not happy with this at all.").signals
    assert one("No, it's great.").score > 0  # negation does not reach across a clause


def test_sarcasm_is_negative() -> None:
    for text in ("Oh great, just great.", "Great, just great. Another delay."):
        point = one(text)
        assert "sarcasm" in point.signals and point.score < -0.3 and point.frustration >= 0.5, text
    assert "thanks" not in one("Thanks for nothing.").signals


def test_repeating_oneself_is_noticed() -> None:
    package = run((C, "I need to cancel my subscription before it renews tomorrow"), (B, "How can I help?"),
                  (C, "I need to cancel my subscription before it renews tomorrow!"))
    assert "repetition" not in package.sentiment.points[0].signals
    assert "repetition" in package.sentiment.points[-1].signals
    assert package.sentiment.points[-1].target == "bot"
    assert "repetition" in one("As I said, the order number is 5521.").signals


def _filler(n: int) -> list[tuple[Role, str]]:
    """n exchanges that repeat nothing: distinct customer and bot words every time."""
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo",
             "lima", "mike", "november", "oscar"]
    return [turn for w in words[:n] for turn in ((C, f"{w} {w}zz {w}yy {w}xx {w}ww"), (B, f"{w}q {w}r {w}s {w}t {w}u {w}v"))]


def test_repetition_looks_back_exactly_its_window_of_customer_turns() -> None:
    said = "I need to cancel my subscription before it renews tomorrow"
    within = run((C, said), (B, "How can I help?"), *_filler(REPEAT_LOOKBACK - 1), (C, said))
    beyond = run((C, said), (B, "How can I help?"), *_filler(REPEAT_LOOKBACK), (C, said))
    assert "repetition" in within.sentiment.points[-1].signals
    assert "repetition" not in beyond.sentiment.points[-1].signals


def test_the_bot_repeating_itself_is_looked_for_in_its_recent_turns_only() -> None:
    ask = "Could you give me your order number so I can look it up?"
    within = run((C, "I want a refund."), (B, ask), *_filler(BOT_LOOKBACK - 1), (C, "Hm."), (B, ask), (C, "Again?"))
    beyond = run((C, "I want a refund."), (B, ask), *_filler(BOT_LOOKBACK), (C, "Hm."), (B, ask), (C, "Again?"))
    assert "bot_repeating" in within.sentiment.points[-1].signals
    assert "bot_repeating" not in beyond.sentiment.points[-1].signals
    moved_on = run((C, "I want a refund."), (B, ask), (C, "Hm."), (B, ask), (C, "5521."),
                   (B, "Which card did you pay with?"), (C, "Visa."))
    assert "bot_repeating" not in moved_on.sentiment.points[-1].signals  # its last turn is new


def test_defect_is_frustration_with_the_product() -> None:
    point = one("The blender arrived cracked and it won't turn on. Terrible.")
    assert "product_problem" in point.signals and point.target == "product"


def test_asking_for_a_fix_is_not_praise() -> None:
    assert one("I need both double charges fixed, this is getting annoying.").frustration >= 0.3
    assert one("It's fixed now, great.").score > 0


def test_bot_repeating_itself_points_the_reply_at_the_bot() -> None:
    ask = "Could you give me your order number so I can look it up?"
    looped = run((C, "I want a refund for my blender."), (B, ask), (C, "It's 5521."), (B, ask),
                 (C, "I just gave it. Ridiculous."))
    varied = run((C, "I want a refund for my blender."), (B, ask), (C, "It's 5521."), (B, "Which card did you pay with?"),
                 (C, "I just gave it. Ridiculous."))
    assert "bot_repeating" in looped.sentiment.points[-1].signals and looped.sentiment.points[-1].target == "bot"
    assert "bot_repeating" not in varied.sentiment.points[-1].signals and varied.sentiment.points[-1].target == "none"
    assert looped.sentiment.points[-1].frustration > varied.sentiment.points[-1].frustration


def test_a_broken_promise_is_frustration_with_a_delay() -> None:
    point = one("You promised me a callback yesterday and nobody called me back.")
    assert "broken_promise" in point.signals and point.target == "delay"


def test_counting_calls_and_having_to_explain_again() -> None:
    assert "repeat_contact" in one("I've called you five times this week about it.").signals
    again = one("Do I really have to explain myself again?")
    assert "repetition" in again.signals and again.target == "bot"


def test_codes_in_capitals_and_polite_asides_are_not_anger() -> None:
    codes = one("Flying LHR to JFK on Friday, booking ref QX7, seat 14C.")
    assert "capitals" not in codes.signals and codes.frustration == 0.0
    aside = one("Attached the receipt; tell me if you didn't get it.")
    assert "at_bot" not in aside.signals and aside.target == "none"


def test_a_passing_mention_of_time_is_not_a_waiting_complaint() -> None:
    mention = one("I ordered it two weeks ago, when will it ship?")
    complaint = one("It's been two weeks and I'm still waiting for it to ship.")
    assert "waiting_complaint" not in mention.signals and mention.frustration < 0.2
    assert "waiting_complaint" in complaint.signals and complaint.target == "delay"
    assert complaint.frustration > mention.frustration + 0.15
