"""Draft-reply checks over a small synthetic conversation, built as the analysers would."""

from __future__ import annotations

import pytest

from server.checks import Finding, FindingKind, Policy, Severity, check_reply, repeat_questions_in_transcript
from server.context.model import Commitment, ContextPackage, Fact, Role, Turn

TURNS = [
    (Role.CUSTOMER, "My kettle arrived broken. The order number is 77120."),
    (Role.BOT, "Sorry to hear that! What's the email address on the order?"),
    (Role.CUSTOMER, "lee.marsh@example.com"),
    (Role.BOT, "Thanks Lee. Order 77120 shipped on Friday and was delivered yesterday."),
    (Role.BOT, "I've approved a refund of $39.90. It will reach your card within 5 days."),
    (Role.CUSTOMER, "I paid $45 with shipping, not $39.90."),
    (Role.CUSTOMER, "I want to talk to someone."),
]
POLICY = Policy(max_refund_amount=100, max_credit_amount=20, fastest_delivery_days=2, forbidden_phrases=("guarantee",))


@pytest.fixture
def package() -> ContextPackage:
    return ContextPackage(
        conversation_id="kettle",
        transcript=[Turn(id=i, role=role, text=text) for i, (role, text) in enumerate(TURNS, 1)],
        facts=[
            Fact(type="order_id", value="77120", turn_ids=[1]),
            Fact(type="email", value="lee.marsh@example.com", turn_ids=[3]),
        ],
        commitments=[Commitment(text=TURNS[4][1], action="refund", amount="$39.90", deadline="within 5 days", turn_ids=[5])],
    )


def only(findings: list[Finding], kind: FindingKind) -> Finding:
    assert [f.kind for f in findings] == [kind], findings
    return findings[0]


def test_refund_taking_longer_than_promised_is_a_contradiction(package: ContextPackage) -> None:
    draft = "Hi Lee, the refund can take up to 10 business days to show."
    finding = only(check_reply(package, draft, POLICY), FindingKind.CONTRADICTION)
    assert finding.severity == Severity.ERROR
    assert finding.turn_ids == [5]
    assert finding.earlier_text == "It will reach your card within 5 days."
    assert finding.suggested_rewrite == "5 days"


def test_contradiction_span_points_at_the_conflicting_words(package: ContextPackage) -> None:
    draft = "Hi Lee, the refund can take up to 10 business days to show."
    start, end = only(check_reply(package, draft), FindingKind.CONTRADICTION).span
    assert draft[start:end] == "10 business days"


def test_a_different_refund_amount_is_a_contradiction(package: ContextPackage) -> None:
    draft = "Your refund of $29.90 has been approved."
    finding = only(check_reply(package, draft), FindingKind.CONTRADICTION)
    assert draft[finding.span[0]:finding.span[1]] == "$29.90"
    assert finding.suggested_rewrite == "$39.90"


def test_saying_it_has_not_shipped_contradicts_the_bot(package: ContextPackage) -> None:
    draft = "Unfortunately your order hasn't shipped yet."
    finding = only(check_reply(package, draft), FindingKind.CONTRADICTION)
    assert draft[finding.span[0]:finding.span[1]] == "hasn't shipped yet"
    assert finding.turn_ids == [4]


def test_repeat_question_reports_the_value_the_customer_gave(package: ContextPackage) -> None:
    draft = "Hi Lee, could you give me your order number?"
    finding = only(check_reply(package, draft), FindingKind.REPEAT_QUESTION)
    assert finding.known_value == "77120"
    assert finding.turn_ids == [1]
    assert finding.earlier_text == "The order number is 77120."
    assert draft[finding.span[0]:finding.span[1]] == "could you give me your order number?"
    assert "77120" in finding.suggested_rewrite


def test_consistent_draft_has_no_findings(package: ContextPackage) -> None:
    draft = "Hi Lee, I'm taking over. Your refund of $39.90 for order 77120 is approved and should reach you within 5 days."
    assert check_reply(package, draft, POLICY) == []


def test_confirming_a_value_the_customer_gave_is_fine(package: ContextPackage) -> None:
    assert check_reply(package, "Just to confirm, your order number is 77120?") == []
    assert check_reply(package, "Is lee.marsh@example.com still the best email for you?") == []


def test_asking_for_something_not_given_is_fine(package: ContextPackage) -> None:
    assert check_reply(package, "Could you share your phone number so we can call you?") == []


def test_amounts_the_customer_claims_are_not_promises(package: ContextPackage) -> None:
    assert check_reply(package, "The refund of $39.90 covers the kettle; I'll check the $45 you paid.") == []


def test_refund_over_the_policy_limit_is_flagged(package: ContextPackage) -> None:
    draft = "As a goodwill gesture I can add a refund of $150 on top."
    finding = only(check_reply(package, draft, POLICY), FindingKind.BEYOND_POLICY)
    assert draft[finding.span[0]:finding.span[1]] == "$150"
    assert finding.suggested_rewrite == "$100"


def test_delivery_faster_than_policy_and_forbidden_phrase_are_flagged(package: ContextPackage) -> None:
    draft = "I guarantee a new kettle will be delivered tomorrow."
    findings = check_reply(package, draft, POLICY)
    assert {draft[f.span[0]:f.span[1]] for f in findings} == {"guarantee", "tomorrow"}
    assert {f.kind for f in findings} == {FindingKind.BEYOND_POLICY}


def test_llm_findings_are_kept_only_when_they_quote_an_earlier_turn(package: ContextPackage) -> None:
    def llm(_: ContextPackage, draft: str) -> list[Finding]:
        common = {"kind": FindingKind.CONTRADICTION, "severity": Severity.WARNING, "span": (0, len(draft)), "turn_ids": []}
        return [
            Finding(**common, earlier_text="was delivered yesterday", message="grounded"),
            Finding(**common, earlier_text="was delivered last week", message="made up"),
        ]

    findings = check_reply(package, "It is still with the courier.", llm=llm)
    assert [(f.message, f.turn_ids, f.source) for f in findings] == [("grounded", [4], "llm")]


def test_agent_repeat_questions_are_counted_against_what_came_before(package: ContextPackage) -> None:
    package.transcript.append(Turn(id=8, role=Role.AGENT, text="Hello, I'm Sam. What's the email on your account?"))
    found = repeat_questions_in_transcript(package)
    assert [(turn_id, f.known_value) for turn_id, f in found] == [(8, "lee.marsh@example.com")]


def test_policy_from_configuration_rejects_unknown_keys() -> None:
    assert Policy.from_mapping({"max_refund_amount": 50}).max_refund_amount == 50
    with pytest.raises(ValueError, match="max_refund_amount"):
        Policy.from_mapping({"max_refund": 50})


def test_a_promised_range_is_not_read_as_an_upper_bound() -> None:
    package = ContextPackage(
        conversation_id="range",
        transcript=[Turn(id=1, role=Role.BOT, text="Refunds reach your card within 7-10 business days.")],
    )
    draft = "Refunds land within 2 business days."
    finding = only(check_reply(package, draft), FindingKind.CONTRADICTION)
    assert draft[finding.span[0]:finding.span[1]] == "2 business days"
