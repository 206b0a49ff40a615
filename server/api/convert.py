"""Translation between proto messages and the domain model: the only place both meet."""

from __future__ import annotations

from server._proto.handoff.v1 import handoff_pb2 as pb
from server.context import model as m
from server.context.records import ConversationRecord, EventType, NewTurn
from server.errors import InvalidArgumentError

ROLE_TO_PB = {
    m.Role.CUSTOMER: pb.CUSTOMER,
    m.Role.BOT: pb.BOT,
    m.Role.AGENT: pb.HUMAN_AGENT,
    m.Role.SYSTEM: pb.SYSTEM,
}
ROLE_FROM_PB = {v: k for k, v in ROLE_TO_PB.items()}

STAGE_TO_PB = {
    m.Stage.BOT_HANDLING: pb.BOT_HANDLING,
    m.Stage.ESCALATION_PENDING: pb.ESCALATION_PENDING,
    m.Stage.TRANSFERRING: pb.TRANSFERRING,
    m.Stage.AGENT_CONNECTED: pb.AGENT_CONNECTED,
    m.Stage.COMPLETED: pb.COMPLETED,
}
STAGE_FROM_PB = {v: k for k, v in STAGE_TO_PB.items()}

OUTCOME_TO_PB = {
    m.Outcome.SUCCEEDED: pb.SUCCEEDED,
    m.Outcome.FAILED: pb.FAILED,
    m.Outcome.PENDING: pb.PENDING,
    m.Outcome.UNKNOWN: pb.UNKNOWN,
}
OUTCOME_FROM_PB = {v: k for k, v in OUTCOME_TO_PB.items()}

DECISION_TO_PB = {
    m.Decision.CONTINUE: pb.CONTINUE,
    m.Decision.SOON: pb.ESCALATE_SOON,
    m.Decision.NOW: pb.ESCALATE_NOW,
}

EVENT_FROM_PB = {
    pb.ESCALATED: EventType.ESCALATED,
    pb.AGENT_CONNECTED_EVENT: EventType.AGENT_CONNECTED,
    pb.AGENT_MESSAGE: EventType.AGENT_MESSAGE,
    pb.RESOLVED: EventType.RESOLVED,
    pb.SATISFACTION: EventType.SATISFACTION,
    pb.RE_ESCALATED: EventType.RE_ESCALATED,
}


def role_from_pb(value: int) -> m.Role:
    try:
        return ROLE_FROM_PB[value]  # type: ignore[index]
    except KeyError:
        raise InvalidArgumentError(
            "role must be one of CUSTOMER, BOT, HUMAN_AGENT, SYSTEM; got " + _enum_name(pb.Role, value)
        ) from None


def stage_from_pb(value: int) -> m.Stage | None:
    if value == pb.STAGE_UNSPECIFIED:
        return None
    try:
        return STAGE_FROM_PB[value]  # type: ignore[index]
    except KeyError:
        raise InvalidArgumentError("unknown stage " + _enum_name(pb.Stage, value)) from None


def event_type_from_pb(value: int) -> EventType:
    try:
        return EVENT_FROM_PB[value]  # type: ignore[index]
    except KeyError:
        raise InvalidArgumentError("event type is required; got " + _enum_name(pb.EventType, value)) from None


def _enum_name(enum: object, value: int) -> str:
    try:
        return enum.Name(value)  # type: ignore[attr-defined, no-any-return]
    except ValueError:
        return str(value)


def new_turn_from_pb(request: pb.AppendTurnRequest) -> NewTurn:
    action = None
    if request.HasField("action"):
        outcome = OUTCOME_FROM_PB.get(request.action.outcome, m.Outcome.UNKNOWN)  # type: ignore[call-overload]
        action = m.BotAction(name=request.action.name, outcome=outcome, detail=request.action.detail)
    return NewTurn(request_id=request.request_id, role=role_from_pb(request.role), text=request.text, action=action)


def conversation_to_pb(r: ConversationRecord) -> pb.Conversation:
    return pb.Conversation(
        conversation_id=r.conversation_id, customer_id=r.customer_id, channel=r.channel,
        stage=STAGE_TO_PB[r.stage], created_at=r.created_at, updated_at=r.updated_at,
        turn_count=r.turn_count, labels=r.labels,
    )


def turn_to_pb(t: m.Turn) -> pb.Turn:
    message = pb.Turn(
        turn_id=t.id, role=ROLE_TO_PB[t.role], text=t.text, request_id=t.request_id, created_at=t.created_at
    )
    if t.action is not None:
        message.action.CopyFrom(
            pb.BotAction(name=t.action.name, outcome=OUTCOME_TO_PB[t.action.outcome], detail=t.action.detail)
        )
    return message


def fact_to_pb(f: m.Fact) -> pb.Fact:
    return pb.Fact(type=f.type, value=f.value, turn_ids=f.turn_ids, source=f.source)


def statement_to_pb(s: m.Statement) -> pb.Statement:
    return pb.Statement(text=s.text, turn_ids=s.turn_ids)


def commitment_to_pb(c: m.Commitment) -> pb.Commitment:
    return pb.Commitment(
        text=c.text, action=c.action, amount=c.amount or "", deadline=c.deadline or "", turn_ids=c.turn_ids
    )


def step_to_pb(s: m.Step) -> pb.Step:
    return pb.Step(name=s.name, outcome=OUTCOME_TO_PB[s.outcome], detail=s.detail, turn_ids=s.turn_ids)


def issue_to_pb(i: m.Issue) -> pb.Issue:
    return pb.Issue(
        label=i.label, group=i.group, confidence=i.confidence, complexity=i.complexity, turn_ids=i.turn_ids,
        alternatives=[pb.LabelScore(label=label, score=score) for label, score in i.alternatives],
    )


def sentiment_to_pb(s: m.Sentiment) -> pb.SentimentTrajectory:
    return pb.SentimentTrajectory(
        points=[
            pb.SentimentPoint(
                turn_id=p.turn_id, score=p.score, frustration=p.frustration, target=p.target, signals=p.signals
            )
            for p in s.points
        ],
        trend=s.trend, current_frustration=s.current_frustration, peak_frustration=s.peak_frustration,
        peak_turn_id=s.peak_turn_id or 0, recovered=s.recovered, target=s.target,
    )


def reason_to_pb(r: m.Reason) -> pb.Reason:
    return pb.Reason(code=r.code, text=r.text, weight=r.weight, turn_ids=r.turn_ids)


def escalation_to_pb(e: m.Escalation) -> pb.EscalationState:
    return pb.EscalationState(
        decision=DECISION_TO_PB[e.decision], confidence=e.confidence, score=e.score,
        reasons=[reason_to_pb(r) for r in e.reasons], hold_reasons=[reason_to_pb(r) for r in e.hold_reasons],
        focus=e.focus, decided_at_turn=e.decided_at_turn, first_flagged_turn=e.first_flagged_turn,
    )


def prior_contact_to_pb(p: m.PriorContact) -> pb.PriorContact:
    return pb.PriorContact(
        conversation_id=p.conversation_id, issue_label=p.issue_label, outcome=p.outcome,
        started_at=p.started_at, turn_count=p.turn_count,
    )


def package_to_pb(p: m.ContextPackage, omit_transcript: bool = False) -> pb.ContextPackage:
    return pb.ContextPackage(
        conversation_id=p.conversation_id, customer_id=p.customer_id, stage=STAGE_TO_PB[p.stage],
        transcript=[] if omit_transcript else [turn_to_pb(t) for t in p.transcript],
        analyzed_through_turn=p.analyzed_through_turn, issue=issue_to_pb(p.issue),
        sentiment=sentiment_to_pb(p.sentiment), facts=[fact_to_pb(f) for f in p.facts],
        bot_statements=[statement_to_pb(s) for s in p.bot_statements],
        commitments=[commitment_to_pb(c) for c in p.commitments], steps=[step_to_pb(s) for s in p.steps],
        prior_contacts=[prior_contact_to_pb(c) for c in p.prior_contacts],
        external_context=[
            pb.ExternalContext(
                source=x.source, content_type=x.content_type, content=x.content, received_at=x.received_at
            )
            for x in p.external_context
        ],
        escalation=escalation_to_pb(p.escalation), channel=p.channel, updated_at=p.updated_at,
    )


def update_to_pb(p: m.ContextPackage, since_turn: int) -> pb.ContextUpdate:
    """A context update: the package's headline state plus the items new since a turn."""

    def is_new(turn_ids: list[int]) -> bool:
        return bool(turn_ids) and max(turn_ids) > since_turn

    return pb.ContextUpdate(
        conversation_id=p.conversation_id, analyzed_through_turn=p.analyzed_through_turn,
        issue=issue_to_pb(p.issue), sentiment=sentiment_to_pb(p.sentiment),
        escalation=escalation_to_pb(p.escalation),
        new_facts=[fact_to_pb(f) for f in p.facts if is_new(f.turn_ids)],
        new_commitments=[commitment_to_pb(c) for c in p.commitments if is_new(c.turn_ids)],
        new_steps=[step_to_pb(s) for s in p.steps if is_new(s.turn_ids)],
        stage=STAGE_TO_PB[p.stage],
    )
