"""The only module that imports litellm: one completion call, errors translated.

litellm is imported lazily (a deployment without a model never loads it) with
``LITELLM_LOCAL_MODEL_COST_MAP=True`` so the import touches no network. The model
is a litellm string (``openai/gpt-4o-mini``, ``anthropic/...``, ``azure/...``,
``bedrock/...``, ``ollama/...``, ``hosted_vllm/...``, ``openai/...`` with an
api_base for a llama.cpp server) or ``local-gguf/<name or path>``: a GGUF model
run in process through llama-cpp-python, registered as a litellm custom provider
(``server.brief.local_gguf``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

from server.errors import DeadlineExceededError, UnavailableError
from server.observability import record_llm_call
from server.privacy.redact import Redactor

logger = logging.getLogger(__name__)
LOCAL_PROVIDER = "local-gguf"


class LLMError(UnavailableError):
    """The model could not be reached or failed; the caller falls back to deterministic prose."""


class LLMTimeoutError(DeadlineExceededError):
    """The model did not answer within the budget."""


def _litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True  # no "Give Feedback / Get Help" banner on stdout per failed call
    if not any(entry.get("provider") == LOCAL_PROVIDER for entry in litellm.custom_provider_map or []):
        from server.brief.local_gguf import LocalGGUF  # registration is cheap; the model loads on first use

        handler = {"provider": LOCAL_PROVIDER, "custom_handler": LocalGGUF()}
        litellm.custom_provider_map = [*(litellm.custom_provider_map or []), handler]
    return litellm


def _translate(error: Exception, model: str) -> Exception:
    import litellm

    if isinstance(error, litellm.Timeout):  # subclasses APIConnectionError: check it first
        return LLMTimeoutError(f"model {model!r} timed out; raise HANDOFF_LLM_BUDGET_MS or use a faster model")
    if isinstance(error, litellm.AuthenticationError):
        return LLMError(f"model {model!r} refused the credentials; set the provider's API key in the environment")
    if isinstance(error, litellm.exceptions.APIError | litellm.APIConnectionError | litellm.BadRequestError):
        return LLMError(f"model {model!r} failed: {type(error).__name__}")
    return LLMError(f"model {model!r} failed unexpectedly: {type(error).__name__}")


ALL_KINDS = Redactor()  # HANDOFF_REDACT_LLM's default: every kind of personal data


def redact_messages(messages: list[dict[str, str]], redactor: Redactor) -> list[dict[str, str]]:
    """The messages as they may leave the process: personal data replaced by placeholders."""
    if not redactor:
        return messages
    return [{**m, "content": redactor.redact(m["content"])} if m.get("content") else m for m in messages]


def _kwargs(
    model: str, messages: list[dict[str, str]], timeout_s: float, options: dict[str, Any], redactor: Redactor
) -> dict[str, Any]:
    # every model, the in-process local one included, gets the redacted messages: one rule, one route
    return {
        "model": model, "messages": redact_messages(messages, redactor), "timeout": timeout_s, "num_retries": 0,
        **options,
    }


async def complete(
    model: str, messages: list[dict[str, str]], *, timeout_s: float, redactor: Redactor = ALL_KINDS, **options: Any
) -> str:
    """The model's text answer, within ``timeout_s`` (enforced here, whatever the provider does).

    ``redactor`` (HANDOFF_REDACT_LLM) is applied to the messages before they leave.
    ``options`` pass through to litellm: max_tokens, temperature, mock_response,
    mock_timeout, api_base ...
    """
    litellm = _litellm()
    try:
        call = litellm.acompletion(**_kwargs(model, messages, timeout_s, options, redactor))
        response = await asyncio.wait_for(call, timeout_s)
    except TimeoutError as e:
        record_llm_call(model, "timeout")
        raise LLMTimeoutError(f"model {model!r} did not answer within {timeout_s:.2f} s") from e
    except Exception as e:  # litellm raises many types; translate them in one place
        record_llm_call(model, "error")
        raise _translate(e, model) from e
    record_llm_call(model, "ok")
    return str(response.choices[0].message.content or "")


async def stream(
    model: str, messages: list[dict[str, str]], *, timeout_s: float, redactor: Redactor = ALL_KINDS, **options: Any
) -> AsyncIterator[str]:
    """The model's answer as text deltas; the whole stream is bounded by ``timeout_s``; the
    messages are redacted as in ``complete``."""
    litellm = _litellm()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    try:
        response = await asyncio.wait_for(
            litellm.acompletion(**_kwargs(model, messages, timeout_s, options, redactor), stream=True), timeout_s
        )
        iterator = response.__aiter__()
        while True:
            try:
                chunk = await asyncio.wait_for(iterator.__anext__(), max(0.0, deadline - loop.time()))
            except StopAsyncIteration:
                record_llm_call(model, "ok")
                return
            delta = chunk.choices[0].delta.content if chunk.choices else None
            if delta:
                yield delta
    except TimeoutError as e:
        record_llm_call(model, "timeout")
        raise LLMTimeoutError(f"model {model!r} did not finish within {timeout_s:.2f} s") from e
    except (LLMError, LLMTimeoutError):
        record_llm_call(model, "error")
        raise
    except Exception as e:
        record_llm_call(model, "error")
        raise _translate(e, model) from e
