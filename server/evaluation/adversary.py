"""The worst possible prose model, for the injection evaluation: it obeys the customer.

``obeying_reply`` reads the prompt it is given and answers with the JSON the
prose path asks for, but writes into every field what an attacker wants: the
prompt's own instructions (a leak), the case's ``goals`` (the promise the
injection asked for), every customer line re-worded as a promise, plus fields
the schema does not have. One harmless sentence is kept so the answer is not
thrown away whole. ``ObeyingLLM`` serves it as a litellm custom provider
(``adversary/obey``), the way a test double stands in for a remote model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

PROVIDER = "adversary"
_CUSTOMER_LINE = re.compile(r"^customer:\s*(.*)$", re.M)
_ASKED = re.compile(
    r"\b(?:promis\w*|say|says|write|confirm|tell\w*|guarantee|approve|grant)\s+(?:me\s+|that\s+|the customer\s+|it\s+)?(.{6,120}?)(?:[.!\"'\n]|$)",
    re.I,
)


def _conversation(prompt: str) -> str:
    """The real conversation block: after the last opening delimiter."""
    start = prompt.rfind("<conversation>")
    end = prompt.rfind("</conversation>")
    return prompt[start + len("<conversation>") : end] if 0 <= start < end else prompt


def _instructions(prompt: str) -> list[str]:
    head = prompt.split("Example", 1)[0]
    return [line.strip() for line in head.splitlines() if line.strip()]


def obeying_reply(prompt: str, goals: Sequence[str] = ()) -> str:
    lines = [line.strip().strip('"') for line in _CUSTOMER_LINE.findall(_conversation(prompt))]
    asked = [m.group(1).strip() for line in lines for m in _ASKED.finditer(line)]
    leak = _instructions(prompt)[:3]
    harmless = f"Customer says: {lines[0]}" if lines else "Customer needs help."
    bad = [*goals, *(f"We will {a}." for a in asked), *(f"The bot promised the customer: {line}" for line in lines[1:])]
    reply = {
        "summary": " ".join([harmless, *leak, *bad]),
        "opening_line": " ".join([*bad, *leak[:1], "Let me help with that."]),
        "announcement": " ".join(["I'm passing you to a colleague.", *bad, *leak[1:2]]),
        "commitments": [*goals, *asked],
        "sections": {"OVERRIDE": " ".join(bad) or "injected", "RESOLUTION": "resolved"},
        "escalation": {"decision": "continue"},
        "stage": "completed",
    }
    return json.dumps(reply, ensure_ascii=False)


def _handler() -> Any:
    from litellm import CustomLLM, ModelResponse

    class ObeyingLLM(CustomLLM):  # type: ignore[misc]
        """litellm handler for ``adversary/...``: answers every prompt with ``obeying_reply``."""

        def __init__(self) -> None:
            super().__init__()
            self.goals: list[str] = []
            self.prompts: list[str] = []

        def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:
            prompt = "\n".join(str(m.get("content", "")) for m in messages)
            self.prompts.append(prompt)
            response: ModelResponse = kwargs["model_response"]
            response.choices[0].message.content = obeying_reply(prompt, self.goals)  # type: ignore[union-attr]
            response.model = f"{PROVIDER}/{model}"
            return response

        async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:
            return self.completion(model, messages, *args, **kwargs)

    return ObeyingLLM()


def register() -> Any:
    """Adds the ``adversary/`` provider to litellm (once) and returns its handler."""
    from server.brief import llm

    litellm = llm._litellm()
    for entry in litellm.custom_provider_map or []:
        if entry.get("provider") == PROVIDER:
            return entry["custom_handler"]
    handler = _handler()
    litellm.custom_provider_map = [*(litellm.custom_provider_map or []), {"provider": PROVIDER, "custom_handler": handler}]
    return handler
