"""TLS and mutual TLS from configuration, with certificates made for the test by a throwaway CA."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc import aio

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc
from server.app import build_runtime, build_server
from server.cli import main
from server.config import Settings
from server.errors import InvalidArgumentError
from server.transport import client_credentials
from tests.api.conftest import test_settings
from tests.security.conftest import ALPHA_KEY, Pki, api_keys

REFUSED = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


async def serve(settings: Settings) -> AsyncIterator[int]:
    runtime = build_runtime(settings)
    server, port, runtime = await build_server(settings, runtime)
    await server.start()
    try:
        yield port
    finally:
        await server.stop(None)
        await runtime.close()


@pytest.fixture
async def tls_port(tmp_path: Path, pki: Pki) -> AsyncIterator[int]:
    async for port in serve(test_settings(tmp_path, tls_cert=pki.server_cert, tls_key=pki.server_key)):
        yield port


@pytest.fixture
async def mtls_port(tmp_path: Path, pki: Pki) -> AsyncIterator[int]:
    settings = test_settings(tmp_path, tls_cert=pki.server_cert, tls_key=pki.server_key, tls_client_ca=pki.ca,
                             api_keys=api_keys())
    async for port in serve(settings):
        yield port


async def create_on(channel: aio.Channel, metadata: tuple = ()) -> grpc.StatusCode:
    stub = pb_grpc.ConversationServiceStub(channel)
    try:
        await stub.CreateConversation(pb.CreateConversationRequest(), timeout=5, metadata=metadata)
    except aio.AioRpcError as error:
        return error.code()
    finally:
        await channel.close()
    return grpc.StatusCode.OK


async def test_a_tls_client_is_served(tls_port: int, pki: Pki) -> None:
    channel = aio.secure_channel(f"127.0.0.1:{tls_port}", client_credentials(pki.ca))
    assert await create_on(channel) == grpc.StatusCode.OK


async def test_a_plaintext_client_is_refused_by_a_tls_server(tls_port: int) -> None:
    assert await create_on(aio.insecure_channel(f"127.0.0.1:{tls_port}")) in REFUSED


async def test_a_client_that_does_not_trust_the_servers_ca_is_refused(tls_port: int, pki: Pki) -> None:
    untrusting = grpc.ssl_channel_credentials(root_certificates=pki.stranger_cert.read_bytes())
    assert await create_on(aio.secure_channel(f"127.0.0.1:{tls_port}", untrusting)) in REFUSED


async def test_mutual_tls_refuses_a_client_without_a_certificate(mtls_port: int, pki: Pki) -> None:
    channel = aio.secure_channel(f"127.0.0.1:{mtls_port}", client_credentials(pki.ca))
    assert await create_on(channel, (("authorization", f"Bearer {ALPHA_KEY}"),)) in REFUSED


async def test_mutual_tls_refuses_a_certificate_another_ca_signed(mtls_port: int, pki: Pki) -> None:
    credentials = client_credentials(pki.ca, pki.stranger_cert, pki.stranger_key)
    channel = aio.secure_channel(f"127.0.0.1:{mtls_port}", credentials)
    assert await create_on(channel, (("authorization", f"Bearer {ALPHA_KEY}"),)) in REFUSED


async def test_mutual_tls_serves_a_certificate_its_ca_signed(mtls_port: int, pki: Pki) -> None:
    channel = aio.secure_channel(f"127.0.0.1:{mtls_port}", client_credentials(pki.ca, pki.client_cert, pki.client_key))
    assert await create_on(channel, (("authorization", f"Bearer {ALPHA_KEY}"),)) == grpc.StatusCode.OK


async def test_the_metrics_cli_connects_with_a_certificate_and_a_key(
    mtls_port: int, pki: Pki, capsys: pytest.CaptureFixture[str]
) -> None:
    tls = ["--target", f"127.0.0.1:{mtls_port}", "--ca", str(pki.ca), "--cert", str(pki.client_cert),
           "--key", str(pki.client_key)]
    assert await asyncio.to_thread(main, ["metrics", *tls, "--api-key", ALPHA_KEY]) == 0
    assert "handoffs escalated" in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["metrics", *tls]) == 2
    assert "UNAUTHENTICATED" in capsys.readouterr().err


async def test_the_replay_cli_sends_its_key_in_plaintext_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.cli import DEMO

    async for port in serve(test_settings(tmp_path, api_keys=api_keys())):
        monkeypatch.setenv("HANDOFF_API_KEY", ALPHA_KEY)
        assert await asyncio.to_thread(main, ["replay", str(DEMO), "--target", f"127.0.0.1:{port}", "--limit", "1"]) == 0
        monkeypatch.delenv("HANDOFF_API_KEY")
        assert await asyncio.to_thread(main, ["replay", str(DEMO), "--target", f"127.0.0.1:{port}"]) == 2
        assert "UNAUTHENTICATED" in capsys.readouterr().err


def test_tls_settings_come_in_pairs(tmp_path: Path, pki: Pki) -> None:
    with pytest.raises(ValueError, match="both tls_cert and tls_key"):
        Settings(tls_cert=pki.server_cert)
    with pytest.raises(ValueError, match="needs tls_cert"):
        Settings(tls_client_ca=pki.ca)
    with pytest.raises(InvalidArgumentError, match="both --cert and --key"):
        client_credentials(pki.ca, pki.client_cert)
