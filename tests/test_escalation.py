"""Escalation: when to hand over, when to hold, and why (synthetic conversations only)."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from server.context.model import (
    BotAction, ContextPackage, Decision, Escalation, Issue, Outcome, Role, Sentiment, SentimentPoint, Turn,
)
from server.errors import InvalidArgumentError
from server.escalation import (
    EscalationPolicy, EscalationStep, cues, decide, load_policy, similarity, unavailable_message,
)
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


@pytest.mark.parametrize(("text", "solved"), [
    ("Never mind, that worked, thanks!", True), ("Nevermind, it works now.", True), ("That fixed it.", True),
    ("It never worked.", False), ("It's still not working.", False), ("That didn't fix it.", False),
])
def test_solved_is_told_from_not_solved(text: str, solved: bool) -> None:
    assert cues.sounds_resolved(text) is solved


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


def test_a_loop_counts_only_within_the_recent_window() -> None:
    question = "Could you give me your order number please?"
    policy = EscalationPolicy(recent_turns=4)
    p = package_of(("b", question), ("c", "Why?"), ("b", question), ("c", "Fine."), ("b", question))
    loop = next(r for r in decide(p, policy).reasons if r.code == "looping")
    assert loop.turn_ids == [3, 5]  # turn 1 has left the window: turn 5 repeats turn 3
    p.transcript.append(Turn(id=6, role=Role.CUSTOMER, text="Hm."))
    p.transcript.append(Turn(id=7, role=Role.CUSTOMER, text="Hello?"))
    assert "looping" not in codes(decide(p, policy).reasons)  # only turn 5 is left in it


def test_a_request_stands_until_the_customer_says_it_is_solved_and_again_after() -> None:
    p = package_of(("c", "Can I talk to a real person?"))
    assert "asked_for_human" in codes(decide(p).reasons)
    p.transcript.append(Turn(id=2, role=Role.CUSTOMER, text="Oh wait, that worked, thanks!"))
    p.transcript.append(Turn(id=3, role=Role.BOT, text="Glad to hear it."))
    assert "asked_for_human" not in codes(decide(p).reasons)
    p.transcript.append(Turn(id=4, role=Role.CUSTOMER, text="Actually no. Get me a supervisor."))
    assert next(r for r in decide(p).reasons if r.code == "asked_for_human").turn_ids == [1, 4]


def test_solved_in_either_of_the_last_two_customer_turns_holds() -> None:
    fail = BotAction(name="send_reset_email", outcome=Outcome.FAILED)
    turns = [("c", "Reset my password."), ("s", "x", fail), ("b", "Trying again."), ("s", "y", fail),
             ("c", "That worked, thanks!")]
    assert "near_resolution" in codes(decide(package_of(*turns, ("c", "Bye."))).hold_reasons)
    assert "near_resolution" not in codes(decide(package_of(*turns, ("c", "Bye."), ("c", "Hm."))).hold_reasons)


def test_without_a_sentiment_analyser_frustration_lingers_into_the_next_turn() -> None:
    angry = [("c", "This is ridiculous and useless, you're not listening!")]
    level = next(r for r in decide(package_of(*angry)).reasons if r.code == "frustration").weight
    later = decide(package_of(*angry, ("c", "My order number is 4471923.")))
    carried = next(r for r in later.reasons if r.code == "frustration").weight
    assert 0 < carried < level  # part of it carries over, less than it was


def test_without_a_sentiment_analyser_the_hot_turns_among_the_last_four_are_named() -> None:
    angry = ("c", "This is ridiculous, you're not listening!")
    e = decide(package_of(angry, ("b", "Sorry."), angry, ("c", "Order 4471923."), ("c", "It was a gift.")))
    reasons = {r.code: r for r in e.reasons}
    assert reasons["frustration"].turn_ids == [1, 3, 4]  # 0.7, 0.7, then 0.42 carried over; 0.25 now
    assert "frustration_with_bot" in reasons  # what the hot turns said was about the bot


def test_a_flagged_point_counts_as_a_request_only_on_a_customer_turn() -> None:
    turns = [("c", "Hello."), ("b", "Hi, how can I help?")]
    for turn_id, asks in [(1, True), (2, False)]:
        points = [SentimentPoint(turn_id=turn_id, score=0.0, frustration=0.0, signals=["asks_for_human"])]
        e = decide(package_of(*turns, sentiment=Sentiment(points=points)))
        assert ("asked_for_human" in codes(e.reasons)) is asks


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


# Read again on every later turn: a request, an amount above the default limit (not above 100),
# a bot that admits a limit and asks the same again, a phrase only a deployment's policy counts,
# and at the end a customer who says it worked.
LONG = [
    ("c", "My order hasn't arrived and I want my $80 back."),
    ("b", "Sorry to hear that. Could you give me your order number please?"),
    ("c", "It's 4471923. Can I talk to a real person?"),
    ("b", "I'm not able to approve a refund of that size."),
    ("b", "Could you please give me your order number?"),
    ("c", "I already told you! Please call me back."),
    ("c", "Never mind, that worked, thanks!"),
]
CALL_ME = EscalationPolicy(human_phrases=[r"\bcall me\b"], max_bot_refund=100.0)


def counting(fn: Callable[..., object], seen: Counter[str]) -> Callable[..., object]:
    def counted(text: str, *args: object) -> object:
        seen[text] += 1
        return fn(text, *args)

    return counted


def test_each_turn_is_read_once_per_policy_however_many_turns_follow(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Counter[str]] = {}
    for module, name in [(cues, "asks_for_human"), (cues, "authority_need"), (cues, "bot_admits_limit"),
                         (cues, "sounds_resolved"), (cues, "frustration_cue"), (similarity, "content_words")]:
        seen[name] = Counter()
        monkeypatch.setattr(module, name, counting(getattr(module, name), seen[name]))
    p = ContextPackage(conversation_id="t")
    for i, (role, text) in enumerate(LONG, 1):
        p.transcript.append(Turn(id=i, role=ROLES[role], text=text))
        decide(p)
        decide(p, CALL_ME)
    customer = [text for role, text in LONG if role == "c"]
    for name in ("asks_for_human", "authority_need", "sounds_resolved", "frustration_cue"):
        assert [seen[name][text] for text in customer] == [2] * len(customer), name  # once under each policy
    assert [seen["bot_admits_limit"][text] for role, text in LONG if role == "b"] == [2, 2, 2]
    assert max(seen["content_words"].values()) <= 2  # is it worth comparing, then its words: once each, kept on the turn


def test_remembered_cues_decide_as_fresh_turns_do_under_each_policy() -> None:
    kept = ContextPackage(conversation_id="t")
    differed = False
    for i, (role, text) in enumerate(LONG, 1):
        kept.transcript.append(Turn(id=i, role=ROLES[role], text=text))
        kept.analyzed_through_turn = i
        by_policy = [decide(kept, policy) for policy in (EscalationPolicy(), CALL_ME)]
        assert by_policy == [decide(package_of(*LONG[:i]), policy) for policy in (EscalationPolicy(), CALL_ME)]
        differed |= by_policy[0].reasons != by_policy[1].reasons
    assert differed  # the policies read these turns differently: the memo must keep them apart


# Turns that move the decision: requests, authority, limits, loops, repeats, relief, delay, anger.
POOL = [
    ("c", "Can I talk to a real person?"), ("c", "Please waive the late fee."), ("c", "I want my $80 back."),
    ("c", "My parcel still hasn't arrived, it's been days."), ("c", "This is ridiculous, you're not listening!"),
    ("c", "My order number is 4471923 and it has not arrived yet."), ("c", "That worked, thanks!"),
    ("c", "It's still not working."), ("c", "Please call me back."), ("c", "Ok."),
    ("b", "Could you give me your order number please?"), ("b", "I'm not able to approve a refund of that size."),
    ("b", "Let me check that for you."), ("b", "Your parcel is on its way and should arrive tomorrow."),
    ("s", "Reset failed.", BotAction(name="reset", outcome=Outcome.FAILED)),
    ("s", "Unlocked.", BotAction(name="unlock", outcome=Outcome.SUCCEEDED)),
]
SIGNALS = [[], [], ["asks_for_human"], ["repetition"], ["repeat_contact", "caps"]]


def test_a_package_followed_turn_by_turn_decides_as_a_fresh_copy_at_every_turn() -> None:
    # What escalation keeps between turns must never change a decision: long conversations, a
    # short window that slides, points appended (and once recomputed), policies side by side.
    rng = random.Random(5)
    policies = [EscalationPolicy(), CALL_ME, EscalationPolicy(recent_turns=3, repeat_similarity=0.5, max_bot_refund=None)]
    seen: Counter[str] = Counter()
    for conversation in range(12):
        kept = ContextPackage(conversation_id=f"c{conversation}")
        for i in range(1, 41):
            role, text, *action = rng.choice(POOL)
            kept.transcript.append(Turn(id=i, role=ROLES[role], text=text, action=action[0] if action else None))
            if role == "c" and conversation % 3:  # a third of them without a sentiment analyser
                point = SentimentPoint(turn_id=i, score=-0.5, frustration=rng.random(), signals=rng.choice(SIGNALS))
                points = [*kept.sentiment.points, point] if i % 17 else [point]  # now and then recomputed
                kept.sentiment = Sentiment(points=points, current_frustration=point.frustration)
            kept.analyzed_through_turn = i
            for policy in policies:
                fresh = kept.model_copy(deep=True)
                assert not hasattr(fresh, "_scans")
                decided = decide(kept, policy)
                assert decided == decide(fresh, policy), (conversation, i, policy)
                seen.update(r.code for r in (*decided.reasons, *decided.hold_reasons))
    assert {"asked_for_human", "needs_authority", "looping", "customer_repeating", "failed_steps", "frustration",
            "near_resolution"} <= set(seen)  # every signal the scan feeds was exercised


def test_a_replaced_turn_is_read_again_and_a_turn_cannot_change_in_place() -> None:
    p = package_of(("c", "Can I talk to a real person?"))
    assert decide(p).decision is Decision.NOW
    p.transcript[0] = p.transcript[0].model_copy(update={"text": "Where is my parcel?"})
    assert "asked_for_human" not in codes(decide(p).reasons)
    p.transcript = [Turn(id=1, role=Role.CUSTOMER, text="Get me a supervisor.")]  # a package reloaded
    assert "asked_for_human" in codes(decide(p).reasons)
    with pytest.raises(ValidationError, match="frozen"):
        p.transcript[0].text = "Never mind."  # what was read off a turn stays true of it


def test_a_reason_given_again_in_the_same_words_is_the_same_reason() -> None:
    step = EscalationStep()
    p = package_of(("c", "Can I talk to a real person?"))
    step(p)
    first = p.escalation.reasons[0]
    p.transcript.append(Turn(id=2, role=Role.BOT, text="One moment please."))
    step(p)
    assert p.escalation.reasons[0] is first  # not a new object living until the next turn
    p.transcript.append(Turn(id=3, role=Role.CUSTOMER, text="I want a real person."))
    step(p)
    again = p.escalation.reasons[0]
    assert again is not first and (again.text, again.turn_ids) == ("The customer asked for a person (2 times)", [1, 3])
    assert first.turn_ids == [1]  # the earlier decision's reason is left as it was


def test_a_late_label_re_runs_the_decision_only_when_a_signal_reads_what_changed() -> None:
    from server.context.model import Issue
    from server.escalation import EscalationStep

    step = EscalationStep(beyond_bot=["fraud"])
    billing = Issue(label="billing", confidence=0.62, complexity="medium", turn_ids=[1, 3])
    assert not step.reads_issue_change(billing, billing.model_copy(update={"confidence": 0.71}))
    assert not step.reads_issue_change(billing, billing.model_copy(update={"alternatives": [("refund", 0.2)]}))
    assert step.reads_issue_change(billing, billing.model_copy(update={"label": "refund"}))
    assert step.reads_issue_change(billing, billing.model_copy(update={"complexity": "high"}))
    assert step.reads_issue_change(billing, billing.model_copy(update={"turn_ids": [1, 3, 5]}))
    fraud = billing.model_copy(update={"label": "fraud"})  # kept for people: its confidence weighs in
    assert step.reads_issue_change(fraud, fraud.model_copy(update={"confidence": 0.71}))
    # the decision really is the same when the check says so
    package = ContextPackage(conversation_id="c", issue=billing, analyzed_through_turn=3)
    step(package)
    first = package.escalation
    package.issue = billing.model_copy(update={"confidence": 0.71})
    step(package)
    assert package.escalation == first
