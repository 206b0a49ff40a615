"""From records to metrics: each handoff reduced to a ``Handoff``, then aggregated per group."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean, median

from server.checks import repeat_questions, repeat_questions_in_transcript
from server.context.model import ContextPackage, Role, Turn
from server.context.records import ConversationRecord, EventRecord, EventType, FeedbackRecord
from server.metrics.model import GroupBy, HandoffMetrics, MetricsReport, SentimentShift, Window

UNKNOWN_ISSUE = "unknown"
DEFAULT_DEPLOYMENT = "default"


@dataclass
class Handoff:
    """One escalated conversation, reduced to what the metrics need."""

    conversation_id: str
    group: str
    escalated_at: float
    wait_s: float | None = None
    resolution_s: float | None = None
    re_escalated: bool = False
    brief_prepared: bool = False
    agent_spoke: bool = False
    repeat_question: bool = False
    scores_before: list[float] = field(default_factory=list)
    scores_after: list[float] = field(default_factory=list)
    sentiment: SentimentShift | None = None
    used: int = 0
    dismissed: int = 0


def compute_metrics(
    conversations: Iterable[ConversationRecord],
    packages: Mapping[str, ContextPackage],
    events: Iterable[EventRecord],
    feedback: Iterable[FeedbackRecord],
    window: Window | None = None,
    group_by: GroupBy = GroupBy.NONE,
) -> MetricsReport:
    window = window or Window()
    by_conversation: dict[str, list[EventRecord]] = defaultdict(list)
    for event in sorted(events, key=lambda e: e.occurred_at):
        by_conversation[event.conversation_id].append(event)
    actions: dict[str, list[str]] = defaultdict(list)
    for item in feedback:
        actions[item.conversation_id].append(item.action)
    handoffs = []
    for record in conversations:
        handoff = reduce_handoff(record, packages.get(record.conversation_id),
                                 by_conversation[record.conversation_id], actions[record.conversation_id], group_by)
        if handoff is not None and window.holds(handoff.escalated_at):
            handoffs.append(handoff)
    return MetricsReport(window=window, group_by=group_by, overall=aggregate(handoffs, "all"),
                         groups=_groups(handoffs) if group_by != GroupBy.NONE else [])


def _groups(handoffs: list[Handoff]) -> list[HandoffMetrics]:
    grouped: dict[str, list[Handoff]] = defaultdict(list)
    for handoff in handoffs:
        grouped[handoff.group].append(handoff)
    return [aggregate(grouped[name], name) for name in sorted(grouped)]


def reduce_handoff(
    record: ConversationRecord, package: ContextPackage | None, events: Sequence[EventRecord],
    actions: Sequence[str], group_by: GroupBy,
) -> Handoff | None:
    """None when the conversation was never escalated. ``events`` are in time order."""
    escalated = next((e for e in events if e.type == EventType.ESCALATED), None)
    if escalated is None:
        return None
    package = package or ContextPackage(conversation_id=record.conversation_id)
    handoff = Handoff(record.conversation_id, _group(record, package, group_by), escalated.occurred_at,
                      used=actions.count("used"), dismissed=actions.count("dismissed"))
    _timings(handoff, events)
    handoff.re_escalated = any(e.type == EventType.RE_ESCALATED for e in events)
    for event in events:
        if event.type == EventType.SATISFACTION and event.score is not None:
            (handoff.scores_after if event.post_handoff else handoff.scores_before).append(event.score)
    handoff.sentiment = _sentiment_shift(package, escalated.occurred_at)
    handoff.brief_prepared = _brief_prepared(package, escalated.occurred_at)
    agent_messages = [e for e in events if e.type == EventType.AGENT_MESSAGE and e.text.strip()]
    handoff.agent_spoke = bool(agent_messages) or any(t.role == Role.AGENT for t in package.transcript)
    handoff.repeat_question = _asked_again(package, agent_messages)
    return handoff


def _group(record: ConversationRecord, package: ContextPackage, group_by: GroupBy) -> str:
    if group_by == GroupBy.ISSUE:
        return package.issue.label or UNKNOWN_ISSUE
    if group_by == GroupBy.DEPLOYMENT:
        return record.labels.get("deployment") or DEFAULT_DEPLOYMENT
    return "all"


def _timings(handoff: Handoff, events: Sequence[EventRecord]) -> None:
    """Wait: escalated -> first agent connected; resolution: that connection -> first resolved after it."""
    connected = next((e for e in events if e.type == EventType.AGENT_CONNECTED
                      and e.occurred_at >= handoff.escalated_at), None)
    if connected is None:
        return
    handoff.wait_s = connected.occurred_at - handoff.escalated_at
    resolved = next((e for e in events if e.type == EventType.RESOLVED
                     and e.occurred_at >= connected.occurred_at), None)
    if resolved is not None:
        handoff.resolution_s = resolved.occurred_at - connected.occurred_at


def _sentiment_shift(package: ContextPackage, escalated_at: float) -> SentimentShift | None:
    """Mean customer sentiment of the turns before the escalation, and of those after it."""
    created = {t.id: t.created_at for t in package.transcript}
    before = [p.score for p in package.sentiment.points if p.turn_id in created and created[p.turn_id] < escalated_at]
    after = [p.score for p in package.sentiment.points if p.turn_id in created and created[p.turn_id] >= escalated_at]
    if not before or not after:
        return None
    return SentimentShift(before=fmean(before), after=fmean(after))


def _brief_prepared(package: ContextPackage, escalated_at: float) -> bool:
    """The server's decision first left CONTINUE (which is when it prepares the brief) on a turn
    that arrived before the platform escalated."""
    flagged = package.escalation.first_flagged_turn
    return bool(flagged) and any(t.id == flagged and t.created_at < escalated_at for t in package.transcript)


def _asked_again(package: ContextPackage, agent_messages: Sequence[EventRecord]) -> bool:
    """Detected in the agent's turns, and in reported agent messages that are not also turns."""
    if repeat_questions_in_transcript(package):
        return True
    said = {t.text for t in package.transcript if t.role == Role.AGENT}
    for message in agent_messages:
        if message.text in said:
            continue
        earlier = [t for t in package.transcript if t.created_at <= message.occurred_at]
        if repeat_questions(message.text, earlier, _facts_given(package, earlier)):
            return True
    return False


def _facts_given(package: ContextPackage, earlier: Sequence[Turn]) -> list:
    ids = {t.id for t in earlier}
    return [f for f in package.facts if not f.turn_ids or min(f.turn_ids) in ids]


# ------------------------------------------------------------------ aggregation


def aggregate(handoffs: Sequence[Handoff], group: str) -> HandoffMetrics:
    scored = [h for h in handoffs if h.scores_before or h.scores_after]
    shifts = [h.sentiment for h in handoffs if h.sentiment is not None and not (h.scores_before or h.scores_after)]
    spoke = [h for h in handoffs if h.agent_spoke]
    waits = [h.wait_s for h in handoffs if h.wait_s is not None]
    resolutions = [h.resolution_s for h in handoffs if h.resolution_s is not None]
    used, dismissed = sum(h.used for h in handoffs), sum(h.dismissed for h in handoffs)
    repeats = sum(h.repeat_question for h in spoke)
    re_escalated = sum(h.re_escalated for h in handoffs)
    briefs = sum(h.brief_prepared for h in handoffs)
    return HandoffMetrics(
        group=group, handoffs=len(handoffs),
        satisfaction_handoffs=len(scored),
        satisfaction_before=_mean([s for h in scored for s in h.scores_before]),
        satisfaction_after=_mean([s for h in scored for s in h.scores_after]),
        sentiment_handoffs=len(shifts),
        sentiment_before=_mean([s.before for s in shifts]), sentiment_after=_mean([s.after for s in shifts]),
        agent_handoffs=len(spoke), repeat_question_handoffs=repeats, repeat_question_rate=_rate(repeats, len(spoke)),
        resolved=len(resolutions), resolution_median_s=median(resolutions) if resolutions else None,
        resolution_mean_s=_mean(resolutions), resolution_p90_s=percentile(resolutions, 0.9),
        re_escalated=re_escalated, re_escalation_rate=_rate(re_escalated, len(handoffs)),
        connected=len(waits), wait_median_s=median(waits) if waits else None, wait_mean_s=_mean(waits),
        brief_prepared=briefs, brief_prepared_rate=_rate(briefs, len(handoffs)),
        suggestions_used=used, suggestions_dismissed=dismissed, suggestion_use_rate=_rate(used, used + dismissed),
        resolution_seconds=sorted(resolutions), sentiment_shifts=shifts,
    )


def _mean(values: Sequence[float]) -> float | None:
    return fmean(values) if values else None


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
