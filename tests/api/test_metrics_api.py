"""Handoff metrics over a realistic history built through the public API, checked against the test's own sums."""

from __future__ import annotations

import asyncio
import random
import time
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean, median, quantiles

import pytest

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc
from server.observability import start_metrics_endpoint
from tests.api.conftest import Running, start_server, test_settings, status_of

HANDOFFS = 240
PLAIN = 20  # conversations the bot finished alone
OPENINGS = [
    "My order number is {n} and it still hasn't arrived after two weeks.",
    "I was charged twice for order {n}, my order number is {n}, I want a refund.",
    "I can't log in to my account, my order number is {n} if that helps.",
]
BEFORE = ["This is useless, I want to talk to a human.", "Ok, but it still does not work.",
          "I am really frustrated, nothing you say helps!"]
AFTER = ["Thank you so much, that is great, really helpful!", "Still not fixed, this is terrible.",
         "Ok thanks."]
REPEAT_ASK = "Could you give me your order number?"
GOOD_REPLY = "I have arranged a replacement for you; it ships tomorrow."


@dataclass
class Plan:
    """One handoff as the test built it: what the metrics must find."""

    conversation_id: str
    deployment: str
    escalated_at: float = 0.0
    wait: float | None = None
    resolution: float | None = None
    re_escalated: bool = False
    repeat: bool = False
    agent_as_event: bool = False
    scores: tuple[float, float] | None = None
    feedback: list[str] = field(default_factory=list)


def make_plans(rng: random.Random) -> list[Plan]:
    plans = []
    for i in range(HANDOFFS):
        plan = Plan(f"h{i:03d}", rng.choice(["eu", "us", ""]))
        if rng.random() < 0.9:
            plan.wait = float(rng.randint(5, 900))
            plan.resolution = float(rng.randint(60, 3600)) if rng.random() < 0.8 else None
        plan.re_escalated = rng.random() < 0.15
        plan.repeat = rng.random() < 0.3
        plan.agent_as_event = rng.random() < 0.5
        plan.scores = (float(rng.randint(0, 3)), float(rng.randint(1, 5))) if rng.random() < 0.4 else None
        plan.feedback = [rng.choice(["used", "dismissed", "seen"]) for _ in range(rng.randint(0, 3))]
        plans.append(plan)
    return plans


async def build_handoff(s: Running, plan: Plan, rng: random.Random) -> None:
    cid = plan.conversation_id
    labels = {"deployment": plan.deployment} if plan.deployment else {}
    await s.conversations.CreateConversation(pb.CreateConversationRequest(conversation_id=cid, labels=labels))
    await s.say(cid, "t1", rng.choice(OPENINGS).format(n=40000 + int(cid[1:])))
    await s.say(cid, "t2", "I can help with that. Let me check.", role=pb.BOT)
    await s.say(cid, "t3", rng.choice(BEFORE))
    await asyncio.sleep(0.002)
    plan.escalated_at = time.time()
    await report(s, cid, "e1", pb.ESCALATED, plan.escalated_at)
    await asyncio.sleep(0.002)
    await s.say(cid, "t4", rng.choice(AFTER))
    agent_text = REPEAT_ASK if plan.repeat else GOOD_REPLY
    connected = plan.escalated_at + plan.wait if plan.wait is not None else None
    if connected is not None:
        await report(s, cid, "e2", pb.AGENT_CONNECTED_EVENT, connected, agent_id="agent-7")
        if plan.agent_as_event:
            await report(s, cid, "e3", pb.AGENT_MESSAGE, connected + 5, text=agent_text)
        else:
            await s.say(cid, "t5", agent_text, role=pb.HUMAN_AGENT)
    if plan.re_escalated:
        await report(s, cid, "e4", pb.RE_ESCALATED, plan.escalated_at + 1000)
    if plan.scores is not None:
        await report(s, cid, "e5", pb.SATISFACTION, plan.escalated_at - 1, score=plan.scores[0])
        await report(s, cid, "e6", pb.SATISFACTION, plan.escalated_at + 4000, score=plan.scores[1], post_handoff=True)
    for n, action in enumerate(plan.feedback):
        await s.knowledge.SubmitFeedback(pb.SuggestionFeedback(conversation_id=cid, suggestion_id=f"s{n}",
                                                               action=action))
    if connected is not None and plan.resolution is not None:
        await report(s, cid, "e7", pb.RESOLVED, connected + plan.resolution)


async def report(s: Running, cid: str, request_id: str, kind: int, at: float, **extra: object) -> None:
    await s.conversations.ReportEvent(
        pb.HandoffEvent(conversation_id=cid, request_id=request_id, type=kind, occurred_at=at, **extra)  # type: ignore[arg-type]
    )


async def build_plain(s: Running, i: int) -> None:
    cid = await s.create(f"plain{i}")
    await s.say(cid, "t1", "Where is my parcel?")
    await report(s, cid, "e1", pb.RESOLVED, 0)


@dataclass
class History:
    server: Running
    plans: list[Plan]
    packages: dict[str, pb.ContextPackage]


@pytest.fixture(scope="module")
async def history(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[History]:
    s = await start_server(test_settings(tmp_path_factory.mktemp("metrics")))
    try:
        plans, packages = await _build_history(s)
        yield History(s, plans, packages)
    finally:
        await s.stop()


async def _build_history(s: Running) -> tuple[list[Plan], dict[str, pb.ContextPackage]]:
    plans = make_plans(random.Random(7))
    gate = asyncio.Semaphore(24)

    async def gated(plan: Plan, seed: int) -> None:
        async with gate:
            await build_handoff(s, plan, random.Random(seed))

    await asyncio.gather(*[gated(p, i) for i, p in enumerate(plans)], *[build_plain(s, i) for i in range(PLAIN)])
    packages = {}
    for plan in plans:
        cid = plan.conversation_id
        conversation = await s.conversations.GetConversation(pb.GetConversationRequest(conversation_id=cid))
        packages[cid] = await s.conversations.GetContextPackage(pb.GetContextPackageRequest(
            conversation_id=cid, min_turn_id=conversation.turn_count, wait_ms=5000))
    return plans, packages


async def metrics(h: History, **request: object) -> pb.GetHandoffMetricsResponse:
    stub = pb_grpc.MetricsServiceStub(h.server.channel)
    return await stub.GetHandoffMetrics(pb.GetHandoffMetricsRequest(**request))  # type: ignore[arg-type]


def expected_sentiment(package: pb.ContextPackage, escalated_at: float) -> tuple[float, float] | None:
    created = {t.turn_id: t.created_at for t in package.transcript}
    before = [p.score for p in package.sentiment.points if created[p.turn_id] < escalated_at]
    after = [p.score for p in package.sentiment.points if created[p.turn_id] >= escalated_at]
    return (fmean(before), fmean(after)) if before and after else None


def brief_prepared(package: pb.ContextPackage, escalated_at: float) -> bool:
    flagged = package.escalation.first_flagged_turn
    return any(t.turn_id == flagged and t.created_at < escalated_at for t in package.transcript)


def check(m: pb.HandoffMetrics, plans: list[Plan], packages: dict[str, pb.ContextPackage]) -> None:
    """Every figure of ``m`` against the same figure worked out from the plans."""
    assert m.handoffs == len(plans)
    scored = [p for p in plans if p.scores]
    assert m.satisfaction_handoffs == len(scored)
    assert m.satisfaction_before == pytest.approx(fmean(p.scores[0] for p in scored))  # type: ignore[index]
    assert m.satisfaction_after == pytest.approx(fmean(p.scores[1] for p in scored))  # type: ignore[index]
    shifts = [s for p in plans if not p.scores
              if (s := expected_sentiment(packages[p.conversation_id], p.escalated_at)) is not None]
    assert m.sentiment_handoffs == len(shifts) > 0
    assert m.sentiment_before == pytest.approx(fmean(s[0] for s in shifts))
    assert m.sentiment_after == pytest.approx(fmean(s[1] for s in shifts))
    spoke = [p for p in plans if p.wait is not None]
    assert (m.agent_handoffs, m.repeat_question_handoffs) == (len(spoke), sum(p.repeat for p in spoke))
    resolutions = sorted(p.resolution for p in spoke if p.resolution is not None)
    assert m.resolved == len(resolutions)
    assert list(m.resolution_seconds) == pytest.approx(resolutions, abs=1e-3)
    assert m.resolution_median_s == pytest.approx(median(resolutions), abs=1e-3)
    assert m.resolution_mean_s == pytest.approx(fmean(resolutions), abs=1e-3)
    assert m.resolution_p90_s == pytest.approx(quantiles(resolutions, n=10, method="inclusive")[8], abs=1e-3)
    assert m.wait_median_s == pytest.approx(median(p.wait for p in spoke), abs=1e-3)  # type: ignore[type-var]
    assert m.re_escalation_rate == pytest.approx(sum(p.re_escalated for p in plans) / len(plans))
    briefs = sum(brief_prepared(packages[p.conversation_id], p.escalated_at) for p in plans)
    assert m.brief_prepared == briefs
    used = sum(p.feedback.count("used") for p in plans)
    dismissed = sum(p.feedback.count("dismissed") for p in plans)
    assert (m.suggestions_used, m.suggestions_dismissed) == (used, dismissed)


async def test_overall_metrics_match_the_history(history: History) -> None:
    response = await metrics(history)
    check(response.overall, history.plans, history.packages)
    assert not response.groups
    # mixed quality, as built: every kind of outcome is there
    m = response.overall
    assert 0.15 < m.repeat_question_rate < 0.45 and 0 < m.brief_prepared < m.handoffs


async def test_metrics_per_deployment_match_the_history(history: History) -> None:
    response = await metrics(history, group_by="deployment")
    assert [g.group for g in response.groups] == ["default", "eu", "us"]
    for group in response.groups:
        name = "" if group.group == "default" else group.group
        check(group, [p for p in history.plans if p.deployment == name], history.packages)


async def test_metrics_per_issue_add_up_to_the_whole(history: History) -> None:
    response = await metrics(history, group_by="issue")
    labels = {p.issue.label or "unknown" for p in history.packages.values()}
    assert {g.group for g in response.groups} == labels
    for group in response.groups:
        check(group, [p for p in history.plans
                      if (history.packages[p.conversation_id].issue.label or "unknown") == group.group],
              history.packages)


async def test_a_time_window_keeps_the_handoffs_escalated_in_it(history: History) -> None:
    times = sorted(p.escalated_at for p in history.plans)
    start, end = times[50], times[150]
    response = await metrics(history, from_time=start, to_time=end)
    check(response.overall, [p for p in history.plans if start <= p.escalated_at < end], history.packages)


async def test_a_bad_grouping_or_window_is_invalid_argument(history: History) -> None:
    import grpc

    for request in ({"group_by": "agent"}, {"from_time": 10, "to_time": 5}, {"from_time": float("nan")}):
        with pytest.raises(Exception) as caught:
            await metrics(history, **request)
        assert status_of(caught.value) == grpc.StatusCode.INVALID_ARGUMENT


async def test_prometheus_endpoint_serves_operational_and_handoff_metrics(history: History) -> None:
    endpoint = start_metrics_endpoint(history.server.runtime.store, "127.0.0.1", 0, history.server.runtime.live.flush)
    try:
        text = await asyncio.to_thread(_scrape, f"http://127.0.0.1:{endpoint.port}/metrics")
    finally:
        endpoint.close()
    assert 'handoff_rpc_duration_seconds_count{code="OK",method="/handoff.v1.ConversationService/AppendTurn"}' in text
    assert "handoff_llm_calls_total" in text or "# TYPE handoff_llm_calls counter" in text
    eu = [p for p in history.plans if p.deployment == "eu"]
    assert f'handoff_handoffs{{deployment="eu"}} {float(len(eu))}' in text
    rate = sum(p.re_escalated for p in eu) / len(eu)
    line = next(x for x in text.splitlines() if x.startswith('handoff_re_escalation_ratio{deployment="eu"}'))
    assert float(line.split()[-1]) == pytest.approx(rate)


async def test_prometheus_endpoint_times_collector_pauses_and_event_loop_lag(history: History) -> None:
    import gc
    import time

    def sample(text: str, name: str) -> float:
        return sum(float(x.split()[-1]) for x in text.splitlines() if x.startswith(name + " ") or x.startswith(name + "{"))

    endpoint = start_metrics_endpoint(history.server.runtime.store, "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{endpoint.port}/metrics"
        before = await asyncio.to_thread(_scrape, url)
        gc.collect()
        await asyncio.sleep(0.25)
        time.sleep(0.6)  # the loop blocked: a tick due meanwhile runs at least 0.5 s late
        await asyncio.sleep(0.25)
        after = await asyncio.to_thread(_scrape, url)
    finally:
        endpoint.close()
    full = 'handoff_gc_pause_seconds_count{generation="2"}'
    assert sample(after, full) >= sample(before, full) + 1
    assert sample(after, "handoff_event_loop_lag_seconds_count") >= sample(before, "handoff_event_loop_lag_seconds_count") + 2
    late = 'handoff_event_loop_lag_seconds_bucket{le="0.25"}'
    count = "handoff_event_loop_lag_seconds_count"
    assert (sample(after, count) - sample(after, late)) >= (sample(before, count) - sample(before, late)) + 1  # > 250 ms


def _scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode()


def test_the_report_is_written_as_png_and_as_html(tmp_path: Path) -> None:
    from server.metrics import HandoffMetrics, SentimentShift
    from server.metrics_report import write_report

    overall = HandoffMetrics(handoffs=3, resolution_seconds=[60, 600, 900], resolution_median_s=600,
                             sentiment_shifts=[SentimentShift(before=-0.5, after=0.2)], sentiment_before=-0.5,
                             sentiment_after=0.2, sentiment_handoffs=1)
    pngs = write_report(overall, [overall.model_copy(update={"group": "eu"})], tmp_path / "png", "png")
    assert [p.name for p in pngs] == ["sentiment.png", "resolution_time.png", "rates.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    (page,) = write_report(overall, [], tmp_path / "html", "html")
    assert page.read_text().count("data:image/png;base64,") == 3
