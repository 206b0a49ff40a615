from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    CUSTOMER: _ClassVar[Role]
    BOT: _ClassVar[Role]
    HUMAN_AGENT: _ClassVar[Role]
    SYSTEM: _ClassVar[Role]

class Stage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STAGE_UNSPECIFIED: _ClassVar[Stage]
    BOT_HANDLING: _ClassVar[Stage]
    ESCALATION_PENDING: _ClassVar[Stage]
    TRANSFERRING: _ClassVar[Stage]
    AGENT_CONNECTED: _ClassVar[Stage]
    COMPLETED: _ClassVar[Stage]

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    SUCCEEDED: _ClassVar[Outcome]
    FAILED: _ClassVar[Outcome]
    PENDING: _ClassVar[Outcome]
    UNKNOWN: _ClassVar[Outcome]

class Decision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECISION_UNSPECIFIED: _ClassVar[Decision]
    CONTINUE: _ClassVar[Decision]
    ESCALATE_SOON: _ClassVar[Decision]
    ESCALATE_NOW: _ClassVar[Decision]

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_TYPE_UNSPECIFIED: _ClassVar[EventType]
    ESCALATED: _ClassVar[EventType]
    AGENT_CONNECTED_EVENT: _ClassVar[EventType]
    AGENT_MESSAGE: _ClassVar[EventType]
    RESOLVED: _ClassVar[EventType]
    SATISFACTION: _ClassVar[EventType]
    RE_ESCALATED: _ClassVar[EventType]
ROLE_UNSPECIFIED: Role
CUSTOMER: Role
BOT: Role
HUMAN_AGENT: Role
SYSTEM: Role
STAGE_UNSPECIFIED: Stage
BOT_HANDLING: Stage
ESCALATION_PENDING: Stage
TRANSFERRING: Stage
AGENT_CONNECTED: Stage
COMPLETED: Stage
OUTCOME_UNSPECIFIED: Outcome
SUCCEEDED: Outcome
FAILED: Outcome
PENDING: Outcome
UNKNOWN: Outcome
DECISION_UNSPECIFIED: Decision
CONTINUE: Decision
ESCALATE_SOON: Decision
ESCALATE_NOW: Decision
EVENT_TYPE_UNSPECIFIED: EventType
ESCALATED: EventType
AGENT_CONNECTED_EVENT: EventType
AGENT_MESSAGE: EventType
RESOLVED: EventType
SATISFACTION: EventType
RE_ESCALATED: EventType

class Conversation(_message.Message):
    __slots__ = ("conversation_id", "customer_id", "channel", "stage", "created_at", "updated_at", "turn_count", "labels")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    TURN_COUNT_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    customer_id: str
    channel: str
    stage: Stage
    created_at: float
    updated_at: float
    turn_count: int
    labels: _containers.ScalarMap[str, str]
    def __init__(self, conversation_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., channel: _Optional[str] = ..., stage: _Optional[_Union[Stage, str]] = ..., created_at: _Optional[float] = ..., updated_at: _Optional[float] = ..., turn_count: _Optional[int] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CreateConversationRequest(_message.Message):
    __slots__ = ("conversation_id", "customer_id", "channel", "labels")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    customer_id: str
    channel: str
    labels: _containers.ScalarMap[str, str]
    def __init__(self, conversation_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., channel: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GetConversationRequest(_message.Message):
    __slots__ = ("conversation_id",)
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    def __init__(self, conversation_id: _Optional[str] = ...) -> None: ...

class ListConversationsRequest(_message.Message):
    __slots__ = ("customer_id", "stage", "page_size", "page_token")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    stage: Stage
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., stage: _Optional[_Union[Stage, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConversationsResponse(_message.Message):
    __slots__ = ("conversations", "next_page_token")
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    conversations: _containers.RepeatedCompositeFieldContainer[Conversation]
    next_page_token: str
    def __init__(self, conversations: _Optional[_Iterable[_Union[Conversation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CompleteConversationRequest(_message.Message):
    __slots__ = ("conversation_id", "outcome")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    outcome: str
    def __init__(self, conversation_id: _Optional[str] = ..., outcome: _Optional[str] = ...) -> None: ...

class BotAction(_message.Message):
    __slots__ = ("name", "outcome", "detail")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    name: str
    outcome: Outcome
    detail: str
    def __init__(self, name: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., detail: _Optional[str] = ...) -> None: ...

class Turn(_message.Message):
    __slots__ = ("turn_id", "role", "text", "request_id", "created_at", "action")
    TURN_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    turn_id: int
    role: Role
    text: str
    request_id: str
    created_at: float
    action: BotAction
    def __init__(self, turn_id: _Optional[int] = ..., role: _Optional[_Union[Role, str]] = ..., text: _Optional[str] = ..., request_id: _Optional[str] = ..., created_at: _Optional[float] = ..., action: _Optional[_Union[BotAction, _Mapping]] = ...) -> None: ...

class AppendTurnRequest(_message.Message):
    __slots__ = ("conversation_id", "request_id", "role", "text", "action")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    request_id: str
    role: Role
    text: str
    action: BotAction
    def __init__(self, conversation_id: _Optional[str] = ..., request_id: _Optional[str] = ..., role: _Optional[_Union[Role, str]] = ..., text: _Optional[str] = ..., action: _Optional[_Union[BotAction, _Mapping]] = ...) -> None: ...

class AppendTurnResponse(_message.Message):
    __slots__ = ("turn", "duplicate")
    TURN_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    turn: Turn
    duplicate: bool
    def __init__(self, turn: _Optional[_Union[Turn, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class StreamTurnsRequest(_message.Message):
    __slots__ = ("append",)
    APPEND_FIELD_NUMBER: _ClassVar[int]
    append: AppendTurnRequest
    def __init__(self, append: _Optional[_Union[AppendTurnRequest, _Mapping]] = ...) -> None: ...

class ContextUpdate(_message.Message):
    __slots__ = ("conversation_id", "analyzed_through_turn", "issue", "sentiment", "escalation", "new_facts", "new_commitments", "new_steps", "stage")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    ANALYZED_THROUGH_TURN_FIELD_NUMBER: _ClassVar[int]
    ISSUE_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_FIELD_NUMBER: _ClassVar[int]
    NEW_FACTS_FIELD_NUMBER: _ClassVar[int]
    NEW_COMMITMENTS_FIELD_NUMBER: _ClassVar[int]
    NEW_STEPS_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    analyzed_through_turn: int
    issue: Issue
    sentiment: SentimentTrajectory
    escalation: EscalationState
    new_facts: _containers.RepeatedCompositeFieldContainer[Fact]
    new_commitments: _containers.RepeatedCompositeFieldContainer[Commitment]
    new_steps: _containers.RepeatedCompositeFieldContainer[Step]
    stage: Stage
    def __init__(self, conversation_id: _Optional[str] = ..., analyzed_through_turn: _Optional[int] = ..., issue: _Optional[_Union[Issue, _Mapping]] = ..., sentiment: _Optional[_Union[SentimentTrajectory, _Mapping]] = ..., escalation: _Optional[_Union[EscalationState, _Mapping]] = ..., new_facts: _Optional[_Iterable[_Union[Fact, _Mapping]]] = ..., new_commitments: _Optional[_Iterable[_Union[Commitment, _Mapping]]] = ..., new_steps: _Optional[_Iterable[_Union[Step, _Mapping]]] = ..., stage: _Optional[_Union[Stage, str]] = ...) -> None: ...

class StreamTurnsResponse(_message.Message):
    __slots__ = ("ack", "update")
    ACK_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FIELD_NUMBER: _ClassVar[int]
    ack: AppendTurnResponse
    update: ContextUpdate
    def __init__(self, ack: _Optional[_Union[AppendTurnResponse, _Mapping]] = ..., update: _Optional[_Union[ContextUpdate, _Mapping]] = ...) -> None: ...

class IngestContextRequest(_message.Message):
    __slots__ = ("conversation_id", "source", "content_type", "content", "request_id")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    source: str
    content_type: str
    content: str
    request_id: str
    def __init__(self, conversation_id: _Optional[str] = ..., source: _Optional[str] = ..., content_type: _Optional[str] = ..., content: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class IngestContextResponse(_message.Message):
    __slots__ = ("facts_added",)
    FACTS_ADDED_FIELD_NUMBER: _ClassVar[int]
    facts_added: int
    def __init__(self, facts_added: _Optional[int] = ...) -> None: ...

class HandoffEvent(_message.Message):
    __slots__ = ("conversation_id", "type", "request_id", "occurred_at", "agent_id", "text", "score", "post_handoff", "queue_position")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    POST_HANDOFF_FIELD_NUMBER: _ClassVar[int]
    QUEUE_POSITION_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    type: EventType
    request_id: str
    occurred_at: float
    agent_id: str
    text: str
    score: float
    post_handoff: bool
    queue_position: int
    def __init__(self, conversation_id: _Optional[str] = ..., type: _Optional[_Union[EventType, str]] = ..., request_id: _Optional[str] = ..., occurred_at: _Optional[float] = ..., agent_id: _Optional[str] = ..., text: _Optional[str] = ..., score: _Optional[float] = ..., post_handoff: _Optional[bool] = ..., queue_position: _Optional[int] = ...) -> None: ...

class ReportEventResponse(_message.Message):
    __slots__ = ("duplicate", "stage")
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    duplicate: bool
    stage: Stage
    def __init__(self, duplicate: _Optional[bool] = ..., stage: _Optional[_Union[Stage, str]] = ...) -> None: ...

class DeleteCustomerDataRequest(_message.Message):
    __slots__ = ("customer_id", "conversation_id")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    conversation_id: str
    def __init__(self, customer_id: _Optional[str] = ..., conversation_id: _Optional[str] = ...) -> None: ...

class DeleteCustomerDataResponse(_message.Message):
    __slots__ = ("conversations", "turns", "packages", "external_context", "events", "feedback")
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    TURNS_FIELD_NUMBER: _ClassVar[int]
    PACKAGES_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    conversations: int
    turns: int
    packages: int
    external_context: int
    events: int
    feedback: int
    def __init__(self, conversations: _Optional[int] = ..., turns: _Optional[int] = ..., packages: _Optional[int] = ..., external_context: _Optional[int] = ..., events: _Optional[int] = ..., feedback: _Optional[int] = ...) -> None: ...

class Fact(_message.Message):
    __slots__ = ("type", "value", "turn_ids", "source")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    TURN_IDS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    type: str
    value: str
    turn_ids: _containers.RepeatedScalarFieldContainer[int]
    source: str
    def __init__(self, type: _Optional[str] = ..., value: _Optional[str] = ..., turn_ids: _Optional[_Iterable[int]] = ..., source: _Optional[str] = ...) -> None: ...

class Statement(_message.Message):
    __slots__ = ("text", "turn_ids")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TURN_IDS_FIELD_NUMBER: _ClassVar[int]
    text: str
    turn_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, text: _Optional[str] = ..., turn_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class Commitment(_message.Message):
    __slots__ = ("text", "action", "amount", "deadline", "turn_ids")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    TURN_IDS_FIELD_NUMBER: _ClassVar[int]
    text: str
    action: str
    amount: str
    deadline: str
    turn_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, text: _Optional[str] = ..., action: _Optional[str] = ..., amount: _Optional[str] = ..., deadline: _Optional[str] = ..., turn_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class Step(_message.Message):
    __slots__ = ("name", "outcome", "detail", "turn_ids")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    TURN_IDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    outcome: Outcome
    detail: str
    turn_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, name: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., detail: _Optional[str] = ..., turn_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class SentimentPoint(_message.Message):
    __slots__ = ("turn_id", "score", "frustration", "target", "signals")
    TURN_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    FRUSTRATION_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    SIGNALS_FIELD_NUMBER: _ClassVar[int]
    turn_id: int
    score: float
    frustration: float
    target: str
    signals: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, turn_id: _Optional[int] = ..., score: _Optional[float] = ..., frustration: _Optional[float] = ..., target: _Optional[str] = ..., signals: _Optional[_Iterable[str]] = ...) -> None: ...

class SentimentTrajectory(_message.Message):
    __slots__ = ("points", "trend", "current_frustration", "peak_frustration", "peak_turn_id", "recovered", "target")
    POINTS_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FRUSTRATION_FIELD_NUMBER: _ClassVar[int]
    PEAK_FRUSTRATION_FIELD_NUMBER: _ClassVar[int]
    PEAK_TURN_ID_FIELD_NUMBER: _ClassVar[int]
    RECOVERED_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    points: _containers.RepeatedCompositeFieldContainer[SentimentPoint]
    trend: str
    current_frustration: float
    peak_frustration: float
    peak_turn_id: int
    recovered: bool
    target: str
    def __init__(self, points: _Optional[_Iterable[_Union[SentimentPoint, _Mapping]]] = ..., trend: _Optional[str] = ..., current_frustration: _Optional[float] = ..., peak_frustration: _Optional[float] = ..., peak_turn_id: _Optional[int] = ..., recovered: _Optional[bool] = ..., target: _Optional[str] = ...) -> None: ...

class LabelScore(_message.Message):
    __slots__ = ("label", "score")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    label: str
    score: float
    def __init__(self, label: _Optional[str] = ..., score: _Optional[float] = ...) -> None: ...

class Issue(_message.Message):
    __slots__ = ("label", "group", "confidence", "complexity", "turn_ids", "alternatives")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    COMPLEXITY_FIELD_NUMBER: _ClassVar[int]
    TURN_IDS_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVES_FIELD_NUMBER: _ClassVar[int]
    label: str
    group: str
    confidence: float
    complexity: str
    turn_ids: _containers.RepeatedScalarFieldContainer[int]
    alternatives: _containers.RepeatedCompositeFieldContainer[LabelScore]
    def __init__(self, label: _Optional[str] = ..., group: _Optional[str] = ..., confidence: _Optional[float] = ..., complexity: _Optional[str] = ..., turn_ids: _Optional[_Iterable[int]] = ..., alternatives: _Optional[_Iterable[_Union[LabelScore, _Mapping]]] = ...) -> None: ...

class PriorContact(_message.Message):
    __slots__ = ("conversation_id", "issue_label", "outcome", "started_at", "turn_count")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUE_LABEL_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    TURN_COUNT_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    issue_label: str
    outcome: str
    started_at: float
    turn_count: int
    def __init__(self, conversation_id: _Optional[str] = ..., issue_label: _Optional[str] = ..., outcome: _Optional[str] = ..., started_at: _Optional[float] = ..., turn_count: _Optional[int] = ...) -> None: ...

class Reason(_message.Message):
    __slots__ = ("code", "text", "weight", "turn_ids")
    CODE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    TURN_IDS_FIELD_NUMBER: _ClassVar[int]
    code: str
    text: str
    weight: float
    turn_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, code: _Optional[str] = ..., text: _Optional[str] = ..., weight: _Optional[float] = ..., turn_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class EscalationState(_message.Message):
    __slots__ = ("decision", "confidence", "score", "reasons", "hold_reasons", "focus", "decided_at_turn", "first_flagged_turn")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    HOLD_REASONS_FIELD_NUMBER: _ClassVar[int]
    FOCUS_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_TURN_FIELD_NUMBER: _ClassVar[int]
    FIRST_FLAGGED_TURN_FIELD_NUMBER: _ClassVar[int]
    decision: Decision
    confidence: float
    score: float
    reasons: _containers.RepeatedCompositeFieldContainer[Reason]
    hold_reasons: _containers.RepeatedCompositeFieldContainer[Reason]
    focus: _containers.RepeatedScalarFieldContainer[str]
    decided_at_turn: int
    first_flagged_turn: int
    def __init__(self, decision: _Optional[_Union[Decision, str]] = ..., confidence: _Optional[float] = ..., score: _Optional[float] = ..., reasons: _Optional[_Iterable[_Union[Reason, _Mapping]]] = ..., hold_reasons: _Optional[_Iterable[_Union[Reason, _Mapping]]] = ..., focus: _Optional[_Iterable[str]] = ..., decided_at_turn: _Optional[int] = ..., first_flagged_turn: _Optional[int] = ...) -> None: ...

class ExternalContext(_message.Message):
    __slots__ = ("source", "content_type", "content", "received_at")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    source: str
    content_type: str
    content: str
    received_at: float
    def __init__(self, source: _Optional[str] = ..., content_type: _Optional[str] = ..., content: _Optional[str] = ..., received_at: _Optional[float] = ...) -> None: ...

class ContextPackage(_message.Message):
    __slots__ = ("conversation_id", "customer_id", "stage", "transcript", "analyzed_through_turn", "issue", "sentiment", "facts", "bot_statements", "commitments", "steps", "prior_contacts", "external_context", "escalation", "channel", "updated_at")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_FIELD_NUMBER: _ClassVar[int]
    ANALYZED_THROUGH_TURN_FIELD_NUMBER: _ClassVar[int]
    ISSUE_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    FACTS_FIELD_NUMBER: _ClassVar[int]
    BOT_STATEMENTS_FIELD_NUMBER: _ClassVar[int]
    COMMITMENTS_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    PRIOR_CONTACTS_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    customer_id: str
    stage: Stage
    transcript: _containers.RepeatedCompositeFieldContainer[Turn]
    analyzed_through_turn: int
    issue: Issue
    sentiment: SentimentTrajectory
    facts: _containers.RepeatedCompositeFieldContainer[Fact]
    bot_statements: _containers.RepeatedCompositeFieldContainer[Statement]
    commitments: _containers.RepeatedCompositeFieldContainer[Commitment]
    steps: _containers.RepeatedCompositeFieldContainer[Step]
    prior_contacts: _containers.RepeatedCompositeFieldContainer[PriorContact]
    external_context: _containers.RepeatedCompositeFieldContainer[ExternalContext]
    escalation: EscalationState
    channel: str
    updated_at: float
    def __init__(self, conversation_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., stage: _Optional[_Union[Stage, str]] = ..., transcript: _Optional[_Iterable[_Union[Turn, _Mapping]]] = ..., analyzed_through_turn: _Optional[int] = ..., issue: _Optional[_Union[Issue, _Mapping]] = ..., sentiment: _Optional[_Union[SentimentTrajectory, _Mapping]] = ..., facts: _Optional[_Iterable[_Union[Fact, _Mapping]]] = ..., bot_statements: _Optional[_Iterable[_Union[Statement, _Mapping]]] = ..., commitments: _Optional[_Iterable[_Union[Commitment, _Mapping]]] = ..., steps: _Optional[_Iterable[_Union[Step, _Mapping]]] = ..., prior_contacts: _Optional[_Iterable[_Union[PriorContact, _Mapping]]] = ..., external_context: _Optional[_Iterable[_Union[ExternalContext, _Mapping]]] = ..., escalation: _Optional[_Union[EscalationState, _Mapping]] = ..., channel: _Optional[str] = ..., updated_at: _Optional[float] = ...) -> None: ...

class GetContextPackageRequest(_message.Message):
    __slots__ = ("conversation_id", "min_turn_id", "wait_ms", "omit_transcript")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_TURN_ID_FIELD_NUMBER: _ClassVar[int]
    WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    OMIT_TRANSCRIPT_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    min_turn_id: int
    wait_ms: int
    omit_transcript: bool
    def __init__(self, conversation_id: _Optional[str] = ..., min_turn_id: _Optional[int] = ..., wait_ms: _Optional[int] = ..., omit_transcript: _Optional[bool] = ...) -> None: ...

class QueueInfo(_message.Message):
    __slots__ = ("position", "estimated_wait_seconds", "agents_available")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_WAIT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    AGENTS_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    position: int
    estimated_wait_seconds: float
    agents_available: int
    def __init__(self, position: _Optional[int] = ..., estimated_wait_seconds: _Optional[float] = ..., agents_available: _Optional[int] = ...) -> None: ...

class HandoffRequest(_message.Message):
    __slots__ = ("conversation_id", "queue", "use_llm", "llm_budget_ms", "mark_transferring")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    QUEUE_FIELD_NUMBER: _ClassVar[int]
    USE_LLM_FIELD_NUMBER: _ClassVar[int]
    LLM_BUDGET_MS_FIELD_NUMBER: _ClassVar[int]
    MARK_TRANSFERRING_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    queue: QueueInfo
    use_llm: bool
    llm_budget_ms: int
    mark_transferring: bool
    def __init__(self, conversation_id: _Optional[str] = ..., queue: _Optional[_Union[QueueInfo, _Mapping]] = ..., use_llm: _Optional[bool] = ..., llm_budget_ms: _Optional[int] = ..., mark_transferring: _Optional[bool] = ...) -> None: ...

class KeySentence(_message.Message):
    __slots__ = ("turn_id", "speaker", "text")
    TURN_ID_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    turn_id: int
    speaker: str
    text: str
    def __init__(self, turn_id: _Optional[int] = ..., speaker: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class Grounding(_message.Message):
    __slots__ = ("claims_checked", "claims_dropped", "dropped")
    CLAIMS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_DROPPED_FIELD_NUMBER: _ClassVar[int]
    DROPPED_FIELD_NUMBER: _ClassVar[int]
    claims_checked: int
    claims_dropped: int
    dropped: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, claims_checked: _Optional[int] = ..., claims_dropped: _Optional[int] = ..., dropped: _Optional[_Iterable[str]] = ...) -> None: ...

class WaitEstimate(_message.Message):
    __slots__ = ("min_seconds", "max_seconds", "source")
    MIN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    min_seconds: int
    max_seconds: int
    source: str
    def __init__(self, min_seconds: _Optional[int] = ..., max_seconds: _Optional[int] = ..., source: _Optional[str] = ...) -> None: ...

class Brief(_message.Message):
    __slots__ = ("issue", "why_human", "focus", "do_not_ask", "bot_told", "commitments", "steps", "sentiment_summary", "prior_contacts", "summary", "key_sentences", "sections", "opening_line", "announcement", "wait", "prose_source", "grounding", "analyzed_through_turn", "extra")
    class SectionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ISSUE_FIELD_NUMBER: _ClassVar[int]
    WHY_HUMAN_FIELD_NUMBER: _ClassVar[int]
    FOCUS_FIELD_NUMBER: _ClassVar[int]
    DO_NOT_ASK_FIELD_NUMBER: _ClassVar[int]
    BOT_TOLD_FIELD_NUMBER: _ClassVar[int]
    COMMITMENTS_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    PRIOR_CONTACTS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    KEY_SENTENCES_FIELD_NUMBER: _ClassVar[int]
    SECTIONS_FIELD_NUMBER: _ClassVar[int]
    OPENING_LINE_FIELD_NUMBER: _ClassVar[int]
    ANNOUNCEMENT_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    PROSE_SOURCE_FIELD_NUMBER: _ClassVar[int]
    GROUNDING_FIELD_NUMBER: _ClassVar[int]
    ANALYZED_THROUGH_TURN_FIELD_NUMBER: _ClassVar[int]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    issue: Issue
    why_human: _containers.RepeatedScalarFieldContainer[str]
    focus: _containers.RepeatedScalarFieldContainer[str]
    do_not_ask: _containers.RepeatedCompositeFieldContainer[Fact]
    bot_told: _containers.RepeatedCompositeFieldContainer[Statement]
    commitments: _containers.RepeatedCompositeFieldContainer[Commitment]
    steps: _containers.RepeatedCompositeFieldContainer[Step]
    sentiment_summary: str
    prior_contacts: _containers.RepeatedCompositeFieldContainer[PriorContact]
    summary: str
    key_sentences: _containers.RepeatedCompositeFieldContainer[KeySentence]
    sections: _containers.ScalarMap[str, str]
    opening_line: str
    announcement: str
    wait: WaitEstimate
    prose_source: str
    grounding: Grounding
    analyzed_through_turn: int
    extra: _struct_pb2.Struct
    def __init__(self, issue: _Optional[_Union[Issue, _Mapping]] = ..., why_human: _Optional[_Iterable[str]] = ..., focus: _Optional[_Iterable[str]] = ..., do_not_ask: _Optional[_Iterable[_Union[Fact, _Mapping]]] = ..., bot_told: _Optional[_Iterable[_Union[Statement, _Mapping]]] = ..., commitments: _Optional[_Iterable[_Union[Commitment, _Mapping]]] = ..., steps: _Optional[_Iterable[_Union[Step, _Mapping]]] = ..., sentiment_summary: _Optional[str] = ..., prior_contacts: _Optional[_Iterable[_Union[PriorContact, _Mapping]]] = ..., summary: _Optional[str] = ..., key_sentences: _Optional[_Iterable[_Union[KeySentence, _Mapping]]] = ..., sections: _Optional[_Mapping[str, str]] = ..., opening_line: _Optional[str] = ..., announcement: _Optional[str] = ..., wait: _Optional[_Union[WaitEstimate, _Mapping]] = ..., prose_source: _Optional[str] = ..., grounding: _Optional[_Union[Grounding, _Mapping]] = ..., analyzed_through_turn: _Optional[int] = ..., extra: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class HandoffResponse(_message.Message):
    __slots__ = ("brief", "stage")
    BRIEF_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    brief: Brief
    stage: Stage
    def __init__(self, brief: _Optional[_Union[Brief, _Mapping]] = ..., stage: _Optional[_Union[Stage, str]] = ...) -> None: ...

class ProseChunk(_message.Message):
    __slots__ = ("field", "text", "done")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    field: str
    text: str
    done: bool
    def __init__(self, field: _Optional[str] = ..., text: _Optional[str] = ..., done: _Optional[bool] = ...) -> None: ...

class EvaluateEscalationRequest(_message.Message):
    __slots__ = ("conversation_id",)
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    def __init__(self, conversation_id: _Optional[str] = ...) -> None: ...

class CheckReplyRequest(_message.Message):
    __slots__ = ("conversation_id", "draft")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    draft: str
    def __init__(self, conversation_id: _Optional[str] = ..., draft: _Optional[str] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("kind", "severity", "span_start", "span_end", "turn_ids", "earlier_text", "known_value", "message", "suggested_rewrite")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    SPAN_START_FIELD_NUMBER: _ClassVar[int]
    SPAN_END_FIELD_NUMBER: _ClassVar[int]
    TURN_IDS_FIELD_NUMBER: _ClassVar[int]
    EARLIER_TEXT_FIELD_NUMBER: _ClassVar[int]
    KNOWN_VALUE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_REWRITE_FIELD_NUMBER: _ClassVar[int]
    kind: str
    severity: str
    span_start: int
    span_end: int
    turn_ids: _containers.RepeatedScalarFieldContainer[int]
    earlier_text: str
    known_value: str
    message: str
    suggested_rewrite: str
    def __init__(self, kind: _Optional[str] = ..., severity: _Optional[str] = ..., span_start: _Optional[int] = ..., span_end: _Optional[int] = ..., turn_ids: _Optional[_Iterable[int]] = ..., earlier_text: _Optional[str] = ..., known_value: _Optional[str] = ..., message: _Optional[str] = ..., suggested_rewrite: _Optional[str] = ...) -> None: ...

class CheckReplyResponse(_message.Message):
    __slots__ = ("findings",)
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    def __init__(self, findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ...) -> None: ...

class SearchKnowledgeRequest(_message.Message):
    __slots__ = ("query", "filters", "top_k", "conversation_id")
    class FiltersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    QUERY_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    query: str
    filters: _containers.ScalarMap[str, str]
    top_k: int
    conversation_id: str
    def __init__(self, query: _Optional[str] = ..., filters: _Optional[_Mapping[str, str]] = ..., top_k: _Optional[int] = ..., conversation_id: _Optional[str] = ...) -> None: ...

class Passage(_message.Message):
    __slots__ = ("passage_id", "title", "source", "heading_path", "text", "score")
    PASSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    HEADING_PATH_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    passage_id: str
    title: str
    source: str
    heading_path: _containers.RepeatedScalarFieldContainer[str]
    text: str
    score: float
    def __init__(self, passage_id: _Optional[str] = ..., title: _Optional[str] = ..., source: _Optional[str] = ..., heading_path: _Optional[_Iterable[str]] = ..., text: _Optional[str] = ..., score: _Optional[float] = ...) -> None: ...

class SearchKnowledgeResponse(_message.Message):
    __slots__ = ("passages",)
    PASSAGES_FIELD_NUMBER: _ClassVar[int]
    passages: _containers.RepeatedCompositeFieldContainer[Passage]
    def __init__(self, passages: _Optional[_Iterable[_Union[Passage, _Mapping]]] = ...) -> None: ...

class Suggestion(_message.Message):
    __slots__ = ("suggestion_id", "kind", "title", "text", "score", "turn_ids", "passage", "findings")
    SUGGESTION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    TURN_IDS_FIELD_NUMBER: _ClassVar[int]
    PASSAGE_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    suggestion_id: str
    kind: str
    title: str
    text: str
    score: float
    turn_ids: _containers.RepeatedScalarFieldContainer[int]
    passage: Passage
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    def __init__(self, suggestion_id: _Optional[str] = ..., kind: _Optional[str] = ..., title: _Optional[str] = ..., text: _Optional[str] = ..., score: _Optional[float] = ..., turn_ids: _Optional[_Iterable[int]] = ..., passage: _Optional[_Union[Passage, _Mapping]] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ...) -> None: ...

class AssistRequest(_message.Message):
    __slots__ = ("open_conversation_id", "turn", "draft", "feedback")
    OPEN_CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    TURN_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    open_conversation_id: str
    turn: AppendTurnRequest
    draft: str
    feedback: SuggestionFeedback
    def __init__(self, open_conversation_id: _Optional[str] = ..., turn: _Optional[_Union[AppendTurnRequest, _Mapping]] = ..., draft: _Optional[str] = ..., feedback: _Optional[_Union[SuggestionFeedback, _Mapping]] = ...) -> None: ...

class AssistResponse(_message.Message):
    __slots__ = ("suggestions",)
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    suggestions: _containers.RepeatedCompositeFieldContainer[Suggestion]
    def __init__(self, suggestions: _Optional[_Iterable[_Union[Suggestion, _Mapping]]] = ...) -> None: ...

class SuggestionFeedback(_message.Message):
    __slots__ = ("conversation_id", "suggestion_id", "action")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SUGGESTION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    suggestion_id: str
    action: str
    def __init__(self, conversation_id: _Optional[str] = ..., suggestion_id: _Optional[str] = ..., action: _Optional[str] = ...) -> None: ...

class FeedbackResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetHandoffMetricsRequest(_message.Message):
    __slots__ = ("from_time", "to_time", "group_by")
    FROM_TIME_FIELD_NUMBER: _ClassVar[int]
    TO_TIME_FIELD_NUMBER: _ClassVar[int]
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    from_time: float
    to_time: float
    group_by: str
    def __init__(self, from_time: _Optional[float] = ..., to_time: _Optional[float] = ..., group_by: _Optional[str] = ...) -> None: ...

class SentimentShift(_message.Message):
    __slots__ = ("before", "after")
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    before: float
    after: float
    def __init__(self, before: _Optional[float] = ..., after: _Optional[float] = ...) -> None: ...

class HandoffMetrics(_message.Message):
    __slots__ = ("group", "handoffs", "satisfaction_handoffs", "satisfaction_before", "satisfaction_after", "sentiment_handoffs", "sentiment_before", "sentiment_after", "agent_handoffs", "repeat_question_handoffs", "repeat_question_rate", "resolved", "resolution_median_s", "resolution_mean_s", "resolution_p90_s", "re_escalated", "re_escalation_rate", "connected", "wait_median_s", "wait_mean_s", "brief_prepared", "brief_prepared_rate", "suggestions_used", "suggestions_dismissed", "suggestion_use_rate", "resolution_seconds", "sentiment_shifts")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    HANDOFFS_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_HANDOFFS_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_BEFORE_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_AFTER_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_HANDOFFS_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_AFTER_FIELD_NUMBER: _ClassVar[int]
    AGENT_HANDOFFS_FIELD_NUMBER: _ClassVar[int]
    REPEAT_QUESTION_HANDOFFS_FIELD_NUMBER: _ClassVar[int]
    REPEAT_QUESTION_RATE_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_MEDIAN_S_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_MEAN_S_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_P90_S_FIELD_NUMBER: _ClassVar[int]
    RE_ESCALATED_FIELD_NUMBER: _ClassVar[int]
    RE_ESCALATION_RATE_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    WAIT_MEDIAN_S_FIELD_NUMBER: _ClassVar[int]
    WAIT_MEAN_S_FIELD_NUMBER: _ClassVar[int]
    BRIEF_PREPARED_FIELD_NUMBER: _ClassVar[int]
    BRIEF_PREPARED_RATE_FIELD_NUMBER: _ClassVar[int]
    SUGGESTIONS_USED_FIELD_NUMBER: _ClassVar[int]
    SUGGESTIONS_DISMISSED_FIELD_NUMBER: _ClassVar[int]
    SUGGESTION_USE_RATE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_SHIFTS_FIELD_NUMBER: _ClassVar[int]
    group: str
    handoffs: int
    satisfaction_handoffs: int
    satisfaction_before: float
    satisfaction_after: float
    sentiment_handoffs: int
    sentiment_before: float
    sentiment_after: float
    agent_handoffs: int
    repeat_question_handoffs: int
    repeat_question_rate: float
    resolved: int
    resolution_median_s: float
    resolution_mean_s: float
    resolution_p90_s: float
    re_escalated: int
    re_escalation_rate: float
    connected: int
    wait_median_s: float
    wait_mean_s: float
    brief_prepared: int
    brief_prepared_rate: float
    suggestions_used: int
    suggestions_dismissed: int
    suggestion_use_rate: float
    resolution_seconds: _containers.RepeatedScalarFieldContainer[float]
    sentiment_shifts: _containers.RepeatedCompositeFieldContainer[SentimentShift]
    def __init__(self, group: _Optional[str] = ..., handoffs: _Optional[int] = ..., satisfaction_handoffs: _Optional[int] = ..., satisfaction_before: _Optional[float] = ..., satisfaction_after: _Optional[float] = ..., sentiment_handoffs: _Optional[int] = ..., sentiment_before: _Optional[float] = ..., sentiment_after: _Optional[float] = ..., agent_handoffs: _Optional[int] = ..., repeat_question_handoffs: _Optional[int] = ..., repeat_question_rate: _Optional[float] = ..., resolved: _Optional[int] = ..., resolution_median_s: _Optional[float] = ..., resolution_mean_s: _Optional[float] = ..., resolution_p90_s: _Optional[float] = ..., re_escalated: _Optional[int] = ..., re_escalation_rate: _Optional[float] = ..., connected: _Optional[int] = ..., wait_median_s: _Optional[float] = ..., wait_mean_s: _Optional[float] = ..., brief_prepared: _Optional[int] = ..., brief_prepared_rate: _Optional[float] = ..., suggestions_used: _Optional[int] = ..., suggestions_dismissed: _Optional[int] = ..., suggestion_use_rate: _Optional[float] = ..., resolution_seconds: _Optional[_Iterable[float]] = ..., sentiment_shifts: _Optional[_Iterable[_Union[SentimentShift, _Mapping]]] = ...) -> None: ...

class GetHandoffMetricsResponse(_message.Message):
    __slots__ = ("overall", "groups", "from_time", "to_time")
    OVERALL_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    FROM_TIME_FIELD_NUMBER: _ClassVar[int]
    TO_TIME_FIELD_NUMBER: _ClassVar[int]
    overall: HandoffMetrics
    groups: _containers.RepeatedCompositeFieldContainer[HandoffMetrics]
    from_time: float
    to_time: float
    def __init__(self, overall: _Optional[_Union[HandoffMetrics, _Mapping]] = ..., groups: _Optional[_Iterable[_Union[HandoffMetrics, _Mapping]]] = ..., from_time: _Optional[float] = ..., to_time: _Optional[float] = ...) -> None: ...
