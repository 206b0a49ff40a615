"""Fault injection helpers: a scripted LLM provider, health checks, and real dependency processes.

The LLM is the one remote dependency stood in for: ``ScriptedLLM`` is a litellm
custom provider (``scripted/<anything>``), so a server configured with it goes
through the real litellm call path in ``server/brief/llm.py``. Redis and Chroma
are the real servers, started on free ports in temporary folders.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout_s: float = 30.0) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout_s} s")


async def health_of(channel: aio.Channel, service: str = "") -> int:
    reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
    return int(reply.status)


async def eventually(channel: aio.Channel, service: str, status: int, timeout_s: float = 10.0) -> None:
    """Wait until the service reports ``status`` (the probe runs on an interval)."""
    deadline = time.monotonic() + timeout_s
    while (current := await health_of(channel, service)) != status:
        if time.monotonic() > deadline:
            raise AssertionError(f"health of {service!r} stayed {current}, expected {status}")
        await asyncio.sleep(0.05)


# ------------------------------------------------------------------ the LLM provider, scripted


@dataclass
class ScriptedLLM:
    """What the provider does next: a reply (str), an exception to raise, or seconds to hang."""

    reply: str | BaseException | float = ""
    calls: list[list[dict[str, Any]]] = field(default_factory=list)

    def handler(self) -> Any:
        from litellm import CustomLLM, ModelResponse

        script = self

        class Scripted(CustomLLM):
            async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:
                script.calls.append(messages)
                reply = script.reply
                if isinstance(reply, BaseException):
                    raise reply
                if isinstance(reply, float):
                    await asyncio.sleep(reply)
                    reply = ""
                response: ModelResponse = kwargs["model_response"]
                response.choices[0].message.content = reply  # type: ignore[union-attr]
                return response

        return Scripted()


@pytest.fixture
async def scripted_llm() -> Any:
    import litellm

    from server.brief import llm

    script = ScriptedLLM(reply='{"summary": "warm", "opening_line": "warm", "announcement": "warm"}')
    entry = {"provider": "scripted", "custom_handler": script.handler()}
    llm._litellm()  # registers the local provider first, as the server does
    litellm.custom_provider_map = [*litellm.custom_provider_map, entry]
    # litellm's first call in a process takes about a second: make it before timing anything
    await llm.complete("scripted/warm-up", [{"role": "user", "content": "hi"}], timeout_s=60)
    script.calls.clear()
    yield script
    litellm.custom_provider_map = [e for e in litellm.custom_provider_map if e is not entry]


# ------------------------------------------------------------------ real dependency processes


class Process:
    """A dependency server in a subprocess, restartable on the same data."""

    def __init__(self, argv: list[str], port: int) -> None:
        self.argv, self.port = argv, port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[Process]:
    binary = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(binary).exists():
        pytest.skip("the chroma command (from the chromadb package) is not installed")
    port = free_port()
    process = Process([binary, "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1",
                       "--port", str(port)], port)
    process.start()
    yield process
    process.kill()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Process]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    folder = tmp_path / "redis"
    folder.mkdir()
    process = Process([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                       "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--loglevel", "warning"], port)
    process.start()
    yield process
    process.kill()
