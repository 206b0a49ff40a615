"""The LLM provider down, slow or talking nonsense: the handoff does not notice, health does.

Proves, through a real server whose LLM is a scripted litellm provider: for every
kind of provider failure, ``Handoff`` with ``use_llm`` returns the whole brief within
its budget with the deterministic prose (``prose_source`` and the fallback reason say
so), ``StreamHandoffProse`` ends with its done chunk, health reports
``handoff.v1.llm`` NOT_SERVING while the overall status and the handoff service stay
SERVING, and a good answer brings the LLM's status back.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import litellm
import pytest

from server._proto.handoff.v1 import handoff_pb2 as pb
from server.health import LLM_SERVICE
from tests.api.conftest import Running, start_server, test_settings
from tests.faults.conftest import NOT_SERVING, SERVING, ScriptedLLM, eventually, health_of

# litellm's custom-provider route imports a TypedDict pydantic warns about on first use
pytestmark = pytest.mark.filterwarnings("ignore:Items? .*ReadOnly:UserWarning")
BUDGET_MS = 400
SLACK_S = 1.5  # a shared 2-core machine: the brief itself takes milliseconds

TURNS = [
    (pb.CUSTOMER, "Hello, my order KX-48213 for a standing desk was due on Tuesday and it has not arrived."),
    (pb.BOT, "I'm sorry about the delay. Could you confirm the email on the order?"),
    (pb.CUSTOMER, "It's dana.ruiz@example.org"),
    (pb.BOT, "Your parcel with Parcelway has not moved for 6 days. I will open a trace with the carrier today."),
]


def _prose(summary: str, opening: str, announcement: str) -> str:
    return json.dumps({"summary": summary, "opening_line": opening, "announcement": announcement})


GOOD = _prose(
    "Customer says the standing desk order KX-48213 has not arrived.",
    "I can see your standing desk order KX-48213 is stuck with Parcelway.",
    "I'm passing you to a colleague who will have everything you told me.",
)
FAULTS: dict[str, tuple[str | BaseException | float, str]] = {
    "down": (litellm.APIConnectionError(message="connection refused", llm_provider="scripted", model="m"), "error"),
    "unauthorised": (litellm.AuthenticationError(message="bad key", llm_provider="scripted", model="m"), "error"),
    "slow": (5.0, "timeout"),
    "empty": ("", "invalid_output"),
    "not_json": ("Sure! The customer is upset about a desk. Anything else?", "invalid_output"),
    "wrong_structure": (json.dumps({"summary": ["a", "b"], "opening": 3}), "invalid_output"),
    "absurdly_long": (_prose("The desk is late. " * 100_000, "Hello.", "Please wait."), "invalid_output"),
    "wrong_language": (_prose("客户的书桌订单还没有到达，已经六天没有更新。", "您好，我看到您的订单被延误了。",
                              "我现在为您转接同事，请稍候。"), "ungrounded"),
    "claims_not_in_transcript": (_prose(
        "The customer was refunded $900 on 3 March by Acme Bank.",
        "Hello Jonathan, your invoice INV-7731 is settled.",
        "We will send you a free replacement chair tomorrow.",
    ), "ungrounded"),
}


@pytest.fixture
async def server(tmp_path: Path, scripted_llm: ScriptedLLM) -> AsyncIterator[Running]:
    settings = test_settings(tmp_path, llm_model="scripted/provider", llm_budget_ms=BUDGET_MS, health_interval_s=0.1)
    instance = await start_server(settings)
    yield instance
    await instance.stop()


async def _conversation(server: Running) -> str:
    cid = await server.create(f"llm-{uuid.uuid4().hex[:8]}")
    for index, (role, text) in enumerate(TURNS):
        await server.say(cid, f"r{index}", text, role)
    return cid


async def _stream(server: Running, cid: str) -> list[pb.ProseChunk]:
    return [c async for c in server.handoff.StreamHandoffProse(pb.HandoffRequest(conversation_id=cid), timeout=10)]


def _without_extra(brief: pb.Brief) -> pb.Brief:
    copy = pb.Brief()
    copy.CopyFrom(brief)
    copy.ClearField("extra")
    copy.ClearField("grounding")  # what the grounding dropped from the model's answer
    return copy


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_failing_llm_gives_the_full_brief_with_deterministic_prose_and_degraded_health(
    server: Running, scripted_llm: ScriptedLLM, fault: str
) -> None:
    cid = await _conversation(server)
    expected = (await server.handoff.Handoff(pb.HandoffRequest(conversation_id=cid))).brief
    scripted_llm.reply, reason = FAULTS[fault]

    started = time.perf_counter()
    brief = (await server.handoff.Handoff(pb.HandoffRequest(conversation_id=cid, use_llm=True), timeout=10)).brief
    elapsed = time.perf_counter() - started

    assert scripted_llm.calls, "the provider was never asked"
    assert elapsed < BUDGET_MS / 1000 + SLACK_S
    assert brief.prose_source == "deterministic" and brief.extra["fallback_reason"] == reason
    assert _without_extra(brief) == _without_extra(expected)  # the whole brief, as without the LLM
    assert (brief.summary, brief.opening_line, brief.announcement) == (
        expected.summary, expected.opening_line, expected.announcement)
    assert list(brief.sections) and list(brief.do_not_ask) and list(brief.commitments)
    await eventually(server.channel, LLM_SERVICE, NOT_SERVING)
    assert await health_of(server.channel) == SERVING
    assert await health_of(server.channel, "handoff.v1.HandoffService") == SERVING

    chunks = await _stream(server, cid)
    assert chunks[-1].done and all(not c.done for c in chunks[:-1])
    assert " ".join(c.text for c in chunks if c.field == "summary") == expected.summary


async def test_the_llm_status_recovers_with_the_next_good_answer(server: Running, scripted_llm: ScriptedLLM) -> None:
    cid = await _conversation(server)
    scripted_llm.reply = FAULTS["down"][0]
    await server.handoff.Handoff(pb.HandoffRequest(conversation_id=cid, use_llm=True), timeout=10)
    await eventually(server.channel, LLM_SERVICE, NOT_SERVING)

    scripted_llm.reply = GOOD
    await server.conversations.AppendTurn(pb.AppendTurnRequest(
        conversation_id=cid, request_id="more", role=pb.CUSTOMER, text="Any news on KX-48213?"))
    brief = (await server.handoff.Handoff(pb.HandoffRequest(conversation_id=cid, use_llm=True), timeout=10)).brief
    assert brief.prose_source == "llm" and "KX-48213" in brief.opening_line
    await eventually(server.channel, LLM_SERVICE, SERVING)


async def test_a_failed_llm_call_is_forgotten_after_the_health_window(tmp_path: Path, scripted_llm: ScriptedLLM) -> None:
    settings = test_settings(tmp_path, llm_model="scripted/provider", health_interval_s=0.1, llm_health_window_s=0.5)
    server = await start_server(settings)
    try:
        cid = await _conversation(server)
        scripted_llm.reply = FAULTS["down"][0]
        await server.handoff.Handoff(pb.HandoffRequest(conversation_id=cid, use_llm=True), timeout=10)
        await eventually(server.channel, LLM_SERVICE, NOT_SERVING)
        await eventually(server.channel, LLM_SERVICE, SERVING, timeout_s=5)
    finally:
        await server.stop()


async def test_without_a_model_the_llm_status_is_serving_and_nothing_is_called(tmp_path: Path) -> None:
    server = await start_server(test_settings(tmp_path, health_interval_s=0.1))
    try:
        cid = await _conversation(server)
        brief = (await server.handoff.Handoff(pb.HandoffRequest(conversation_id=cid, use_llm=True))).brief
        assert brief.extra["fallback_reason"] == "no_model"
        assert await health_of(server.channel, LLM_SERVICE) == SERVING
    finally:
        await server.stop()
