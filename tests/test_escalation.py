"""Escalation: when to hand over, when to hold, and why (synthetic conversations only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.context.model import (
    BotAction, ContextPackage, Decision, Escalation, Issue, Outcome, Role, Sentiment, SentimentPoint, Turn,
)
from server.errors import InvalidArgumentError
from server.escalation import EscalationPolicy, EscalationStep, decide, load_policy, unavailable_message
from server.escalation.cues import asks_for_human

ROLES = {"c": Role.CUSTOMER, "b": Role.BOT, "s": Role.SYSTEM}


def package_of(*turns: tuple[str, str] | tuple[str, str, BotAction], **fields: object) -> ContextPackage:
    p = ContextPackage(conversation_id="t", **fields)  # type: ignore[arg-type]
    for i, t in enumerate(turns, 1):
        p.transcript.append(Turn(id=i, role=ROLES[t[0]], text=t[1], action=t[2] if len(t) > 2 else None))
    p.analyzed_through_turn = len(turns)
    return p


def codes(reasons: list) -> set[str]:  # type: ignore[type-arg]
    return {r.code for r in reasons}


def test_asking_for_a_person_escalates_now_naming_the_turn() -> None:
    p = package_of(
        ("c", "My card was charged twice."),
        ("b", "Sorry about that. Which card did you use?"),
        ("c", "Can I talk to a real person please?"),
    )
    e = decide(p)
    assert e.decision is Decision.NOW
    asked = next(r for r in e.reasons if r.code == "asked_for_human")
    assert asked.turn_ids == [3]
    assert e.decided_at_turn == 3


@pytest.mark.parametrize("text", ["agent", "Human please", "put me through to your supervisor", "I want a real person"])
def test_requests_for_a_person_are_recognised(text: str) -> None:
    assert asks_for_human(text)


@pytest.mark.parametrize(
    "text", ["Your agent said it would ship today.", "I need to send this to my manager.", "The person I spoke to was nice."]
)
def test_mentions_of_a_person_are_not_requests(text: str) -> None:
    assert not asks_for_human(text)


def test_issue_marked_beyond_the_bot_escalates_sooner() -> None:
    turns = [("c", "Someone used my card for purchases I never made."), ("b", "I'm sorry. When did this happen?")]
    issue = Issue(label="report_fraud", confidence=0.8, turn_ids=[1])
    plain = decide(package_of(*turns, issue=issue))
    marked = decide(package_of(*turns, issue=issue), EscalationPolicy(beyond_bot_labels=["report_fraud"]))
    from_taxonomy = decide(package_of(*turns, issue=issue), beyond_bot={"report_fraud"})
    assert plain.decision is Decision.CONTINUE
    assert marked.decision is not Decision.CONTINUE and "beyond_bot" in codes(marked.reasons)
    assert from_taxonomy.score == marked.score > plain.score


def test_frustration_about_a_delay_holds_with_a_reason() -> None:
    points = [SentimentPoint(turn_id=1, score=-0.8, frustration=0.9, target="delay")]
    sentiment = Sentiment(points=points, trend="rising_frustration", current_frustration=0.9, target="delay")
    turns = [("c", "My parcel is a week late, this is unacceptable!"), ("b", "I'm tracking it now.")]
    held = decide(package_of(*turns, sentiment=sentiment))
    at_bot = decide(package_of(*turns, sentiment=sentiment.model_copy(update={"target": "bot"})))
    assert held.decision is Decision.CONTINUE
    assert "delay_frustration" in codes(held.hold_reasons)
    assert at_bot.decision is not Decision.CONTINUE


def test_disabled_escalation_continues_and_says_so_honestly() -> None:
    policy = EscalationPolicy(enabled=False)
    e = decide(package_of(("c", "Let me talk to a human.")), policy)
    assert e.decision is Decision.CONTINUE
    hold = next(r for r in e.hold_reasons if r.code == "escalation_disabled")
    assert hold.text == unavailable_message(policy) and "person" in hold.text
    assert "asked_for_human" in codes(e.reasons)  # what would have happened stays visible


def test_no_agent_available_continues_with_its_own_message() -> None:
    policy = EscalationPolicy(agents_available=False, unavailable_message="All our people are busy right now.")
    e = decide(package_of(("c", "Please waive the late fee.")), policy)
    assert e.decision is Decision.CONTINUE
    assert [r.text for r in e.hold_reasons if r.code == "no_agent_available"] == ["All our people are busy right now."]


def test_weights_from_configuration_change_the_outcome(tmp_path: Path) -> None:
    turns = [("c", "Fix my promo code."), ("s", "Promo failed.", BotAction(name="promo", outcome=Outcome.FAILED)),
             ("s", "Cart refresh failed.", BotAction(name="refresh", outcome=Outcome.FAILED)),
             ("s", "Manual discount failed.", BotAction(name="manual", outcome=Outcome.FAILED))]
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"weights": {"failed_steps": 0.1}, "soon_threshold": 0.4}))
    assert decide(package_of(*turns)).decision is Decision.SOON
    assert decide(package_of(*turns), load_policy(config)).decision is Decision.CONTINUE
    assert decide(package_of(*turns), EscalationPolicy(weights={"failed_steps": 1.5})).decision is Decision.NOW


def test_unknown_policy_keys_fail_loudly(tmp_path: Path) -> None:
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"weights": {"failed_stepz": 0.3}}))
    with pytest.raises(InvalidArgumentError, match="failed_stepz"):
        load_policy(config)


def test_bot_asking_the_same_question_again_is_looping() -> None:
    p = package_of(
        ("c", "Where is my refund?"),
        ("b", "Could you give me your order number please?"),
        ("c", "It's 4471923."),
        ("b", "Could you please give me your order number?"),
    )
    e = decide(p)
    loop = next(r for r in e.reasons if r.code == "looping")
    assert loop.turn_ids == [2, 4]
    assert e.decision is Decision.NOW


def test_same_step_failing_twice_is_looping() -> None:
    fail = BotAction(name="verify_identity", outcome=Outcome.FAILED)
    e = decide(package_of(("c", "Change my address."), ("s", "Failed.", fail), ("c", "New code 1234."), ("s", "Failed.", fail)))
    assert "looping" in codes(e.reasons)


def test_near_resolution_holds_back_soft_signals() -> None:
    fail = BotAction(name="send_reset_email", outcome=Outcome.FAILED)
    ok = BotAction(name="unlock_account", outcome=Outcome.SUCCEEDED)
    e = decide(package_of(("c", "Reset my password."), ("s", "x", fail), ("b", "Trying again."), ("s", "y", fail),
                          ("b", "Unlocked it."), ("s", "z", ok), ("c", "That worked, thanks!")))
    assert e.decision is Decision.CONTINUE
    assert "near_resolution" in codes(e.hold_reasons)


def test_brief_is_prepared_once_when_the_decision_turns_to_soon() -> None:
    prepared: list[Escalation] = []
    step = EscalationStep(EscalationPolicy(beyond_bot_labels=["report_fraud"]), on_prepare=lambda p, e: prepared.append(e))
    p = package_of(("c", "Hello."))
    step(p)
    p.issue = Issue(label="report_fraud", confidence=0.9)
    p.transcript.append(Turn(id=2, role=Role.CUSTOMER, text="Purchases I never made are on my card."))
    step(p)
    step(p)
    assert [e.decision for e in prepared] == [Decision.SOON]
