"""What leaves for an LLM, and what reaches the logs, carries no card number or email."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import litellm
import pytest
from litellm import CustomLLM, ModelResponse
from litellm.types.utils import GenericStreamingChunk

from server._proto.handoff.v1 import handoff_pb2 as pb
from server.brief import llm
from server.privacy import Redactor
from server.privacy.logs import RedactingFilter
from tests.api.conftest import start_server, test_settings

# litellm's custom-provider route builds pydantic adapters for TypedDicts with ReadOnly items: pydantic warns
READONLY_WARNING = pytest.mark.filterwarnings("ignore:.*ReadOnly. qualifier:UserWarning")
CARD, EMAIL = "4111 1111 1111 1111", "ana.lima@example.com"
SENTENCE = f"My order 88412 is late; I paid with {CARD}, write to {EMAIL}. I want a person now!"
REPLY = json.dumps({"summary": "The order is late.", "opening_line": "Hello.", "announcement": "One moment."})


class Recording(CustomLLM):
    """A scripted completer standing in for a remote provider: records what it was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[list[dict[str, Any]]] = []

    async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:
        self.sent.append(messages)
        response: ModelResponse = kwargs["model_response"]
        response.choices[0].message.content = REPLY  # type: ignore[union-attr]
        return response

    async def astreaming(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
        self.sent.append(messages)
        chunk: GenericStreamingChunk = {
            "text": REPLY, "is_finished": True, "finish_reason": "stop", "usage": None, "index": 0, "tool_use": None,
        }
        yield chunk


@pytest.fixture
def recording() -> Iterator[Recording]:
    provider = Recording()
    before = list(litellm.custom_provider_map or [])
    litellm.custom_provider_map = [*before, {"provider": "recording", "custom_handler": provider}]
    litellm.utils.custom_llm_setup()
    yield provider
    litellm.custom_provider_map = before
    litellm.utils.custom_llm_setup()


async def _handoff_with_llm(tmp_path: Path, **settings: object) -> None:
    """A real server whose LLM is the recording provider; one customer turn, then a handoff with LLM prose."""
    running = await start_server(test_settings(tmp_path, llm_model="recording/any", **settings))
    try:
        cid = await running.create("c-1")
        await running.say(cid, "m-1", SENTENCE)
        await running.handoff.Handoff(pb.HandoffRequest(conversation_id=cid, use_llm=True, llm_budget_ms=2000))
    finally:
        await running.stop()


def _sent_text(provider: Recording) -> str:
    return "\n".join(str(m.get("content", "")) for messages in provider.sent for m in messages)


@READONLY_WARNING
async def test_handoff_prose_prompt_is_redacted_before_it_leaves(tmp_path: Path, recording: Recording) -> None:
    await _handoff_with_llm(tmp_path)
    sent = _sent_text(recording)
    assert recording.sent and "88412" in sent  # the prompt with the conversation was sent
    assert CARD not in sent and EMAIL not in sent
    assert "[CARD •••• 1111]" in sent and "[EMAIL]" in sent


@READONLY_WARNING
async def test_llm_redaction_can_be_turned_off(tmp_path: Path, recording: Recording) -> None:
    await _handoff_with_llm(tmp_path, redact_llm="none")
    assert CARD in _sent_text(recording)


@READONLY_WARNING
async def test_streamed_completion_is_redacted_too(recording: Recording) -> None:
    deltas = [d async for d in llm.stream("recording/any", [{"role": "user", "content": SENTENCE}], timeout_s=5)]
    assert "".join(deltas) == REPLY
    assert _sent_text(recording) == (
        "My order 88412 is late; I paid with [CARD •••• 1111], write to [EMAIL]. I want a person now!"
    )


def test_log_filter_redacts_messages_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(RedactingFilter(Redactor()))
    log = logging.getLogger("server.test_privacy")
    with caplog.at_level(logging.INFO):
        log.info("customer said %s", SENTENCE)
        log.info("order %s shipped", "88412")
        try:
            raise ValueError(f"bad card {CARD}")
        except ValueError:
            log.exception("failed for %s", EMAIL)
    assert CARD not in caplog.text and EMAIL not in caplog.text
    assert "[CARD •••• 1111]" in caplog.text and "order 88412 shipped" in caplog.text
    assert caplog.records[0].getMessage().endswith("write to [EMAIL]. I want a person now!")


async def test_the_server_installs_the_log_filter_on_its_handlers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    running = await start_server(test_settings(tmp_path))
    try:
        logging.getLogger("server.test_privacy").warning("card %s", CARD)
    finally:
        await running.stop()
    assert "card [CARD •••• 1111]" in caplog.text and CARD not in caplog.text
