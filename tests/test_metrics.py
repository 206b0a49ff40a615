"""Handoff-quality metrics from records, against figures worked out by hand."""

from __future__ import annotations

import pytest

from server.context.model import ContextPackage, Decision, Escalation, Fact, Issue, Reason, Role, Sentiment, SentimentPoint, Turn
from server.context.records import ConversationRecord, EventRecord, EventType, FeedbackRecord
from server.metrics import GroupBy, Window, compute_metrics, percentile

E = EventType


def event(cid: str, kind: EventType, at: float, n: int = 0, **extra: object) -> EventRecord:
    return EventRecord(conversation_id=cid, type=kind, request_id=f"{cid}-{kind}-{n}", occurred_at=at, **extra)


def package(cid: str, label: str, points: list[tuple[float, float]], agent_text: str = "",
            decision: Decision = Decision.CONTINUE, flagged_turn: int = 0) -> ContextPackage:
    """Customer turns at the given times with the given sentiment; an optional agent turn at t=500."""
    transcript = [Turn(id=i + 1, role=Role.CUSTOMER, text="my order 12345", created_at=t)
                  for i, (t, _) in enumerate(points)]
    if agent_text:
        transcript.append(Turn(id=len(transcript) + 1, role=Role.AGENT, text=agent_text, created_at=500))
    return ContextPackage(
        conversation_id=cid, transcript=transcript, issue=Issue(label=label),
        sentiment=Sentiment(points=[SentimentPoint(turn_id=i + 1, score=s, frustration=0) for i, (_, s) in
                                    enumerate(points)]),
        facts=[Fact(type="order_id", value="12345", turn_ids=[1])],
        escalation=Escalation(decision=decision, first_flagged_turn=flagged_turn,
                              reasons=[Reason(code="asked_for_human", text="", turn_ids=[flagged_turn])]),
    )


@pytest.fixture
def history() -> tuple[list, dict, list, list]:
    conversations = [
        ConversationRecord(conversation_id="a", labels={"deployment": "eu"}),
        ConversationRecord(conversation_id="b", labels={"deployment": "us"}),
        ConversationRecord(conversation_id="c"),
        ConversationRecord(conversation_id="never-escalated"),
    ]
    packages = {
        # a: sentiment -0.5, -0.3 before t=100; 0.2 after; agent asks for the order number again; brief prepared
        "a": package("a", "delivery", [(10, -0.5), (20, -0.3), (150, 0.2)],
                     agent_text="Could you give me your order number?", decision=Decision.NOW,
                     flagged_turn=2),
        # b: scored, so its sentiment does not count; the agent asks nothing already known
        "b": package("b", "refund", [(10, -0.8), (300, -0.6)], agent_text="I have refunded you.",
                     decision=Decision.SOON, flagged_turn=2),  # flagged after the escalation: not prepared
        # c: no agent turn, a reported agent message repeating the question; no post sentiment
        "c": package("c", "delivery", [(10, 0.0)]),
    }
    events = [
        event("a", E.ESCALATED, 100), event("a", E.AGENT_CONNECTED, 160), event("a", E.RESOLVED, 760),
        event("b", E.ESCALATED, 200), event("b", E.SATISFACTION, 190, score=2.0, post_handoff=False),
        event("b", E.AGENT_CONNECTED, 260), event("b", E.RESOLVED, 560),
        event("b", E.SATISFACTION, 600, score=4.0, post_handoff=True),
        event("b", E.SATISFACTION, 610, n=1, score=5.0, post_handoff=True),
        event("c", E.ESCALATED, 300), event("c", E.AGENT_CONNECTED, 400),
        event("c", E.AGENT_MESSAGE, 420, text="What is your order number?"), event("c", E.RE_ESCALATED, 900),
        event("never-escalated", E.RESOLVED, 50),
    ]
    feedback = [FeedbackRecord(conversation_id="a", suggestion_id="s1", action="used", recorded_at=1),
                FeedbackRecord(conversation_id="a", suggestion_id="s2", action="dismissed", recorded_at=1),
                FeedbackRecord(conversation_id="c", suggestion_id="s3", action="used", recorded_at=1),
                FeedbackRecord(conversation_id="c", suggestion_id="s3", action="seen", recorded_at=1),
                FeedbackRecord(conversation_id="never-escalated", suggestion_id="s4", action="used", recorded_at=1)]
    return conversations, packages, events, feedback


def test_overall_metrics_match_the_hand_computed_figures(history: tuple) -> None:
    m = compute_metrics(*history).overall
    assert m.handoffs == 3
    assert (m.satisfaction_handoffs, m.satisfaction_before, m.satisfaction_after) == (1, 2.0, 4.5)
    assert m.sentiment_handoffs == 1  # a only: b is scored, c has nothing after the handoff
    assert m.sentiment_before == pytest.approx(-0.4) and m.sentiment_after == pytest.approx(0.2)
    assert (m.agent_handoffs, m.repeat_question_handoffs) == (3, 2)
    assert m.repeat_question_rate == pytest.approx(2 / 3)
    assert m.resolved == 2 and m.resolution_seconds == [300.0, 600.0]
    assert m.resolution_median_s == 450 and m.resolution_mean_s == 450
    assert m.resolution_p90_s == pytest.approx(570)
    assert (m.connected, m.wait_median_s, m.wait_mean_s) == (3, 60, pytest.approx(220 / 3))
    assert m.re_escalated == 1 and m.re_escalation_rate == pytest.approx(1 / 3)
    assert m.brief_prepared == 1 and m.brief_prepared_rate == pytest.approx(1 / 3)
    assert (m.suggestions_used, m.suggestions_dismissed, m.suggestion_use_rate) == (2, 1, pytest.approx(2 / 3))


def test_metrics_are_grouped_by_issue_label(history: tuple) -> None:
    report = compute_metrics(*history, group_by=GroupBy.ISSUE)
    assert [(g.group, g.handoffs) for g in report.groups] == [("delivery", 2), ("refund", 1)]
    delivery = report.groups[0]
    assert delivery.repeat_question_rate == 1.0 and delivery.re_escalation_rate == 0.5


def test_deployment_comes_from_labels_with_a_default(history: tuple) -> None:
    report = compute_metrics(*history, group_by=GroupBy.DEPLOYMENT)
    assert [g.group for g in report.groups] == ["default", "eu", "us"]


def test_the_window_holds_handoffs_by_their_first_escalation(history: tuple) -> None:
    report = compute_metrics(*history, window=Window(start=150, end=300))
    assert report.overall.handoffs == 1 and report.overall.satisfaction_after == 4.5
    assert compute_metrics(*history, window=Window(start=1000)).overall.handoffs == 0


def test_empty_history_has_no_means() -> None:
    m = compute_metrics([], {}, [], []).overall
    assert m.handoffs == 0 and m.repeat_question_rate is None and m.resolution_median_s is None


def test_an_agent_message_already_in_the_transcript_is_counted_once(history: tuple) -> None:
    conversations, packages, events, feedback = history
    events = [*events, event("b", E.AGENT_MESSAGE, 505, text="I have refunded you.")]
    assert compute_metrics(conversations, packages, events, feedback).overall.repeat_question_handoffs == 2


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([], 0.9) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == pytest.approx(9.1)


def test_the_turn_the_decision_first_left_continue_is_kept_when_it_changes_again() -> None:
    from server.escalation.step import EscalationStep

    calm = ContextPackage(conversation_id="x", transcript=[
        Turn(id=1, role=Role.CUSTOMER, text="Hi, where is my parcel?", created_at=1),
        Turn(id=2, role=Role.BOT, text="It arrives tomorrow.", created_at=2),
        Turn(id=3, role=Role.CUSTOMER, text="Great, thanks, that's all.", created_at=3),
    ])
    step = EscalationStep()
    step(calm)
    assert calm.escalation.decision == Decision.CONTINUE and calm.escalation.first_flagged_turn == 0
    calm.escalation = Escalation(decision=Decision.NOW, decided_at_turn=1, first_flagged_turn=1)
    step(calm)
    assert calm.escalation.decision == Decision.CONTINUE and calm.escalation.first_flagged_turn == 1
