"""The server as an operator sees it: restarts, kill -9, health, reflection, housekeeping."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import signal
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from server._proto.handoff.v1 import handoff_pb2 as pb
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc
from tests.api.conftest import Running, start_server, test_settings
from tests.streams import open_desktop

ROOT = Path(__file__).resolve().parents[2]


async def test_restart_keeps_turns_packages_and_events(tmp_path: Path) -> None:
    settings = test_settings(tmp_path)
    first = await start_server(settings)
    cid = await first.create("keep-me", customer_id="cust-1")
    for i in range(6):
        await first.say(cid, f"r{i}", f"turn {i}")
    await first.conversations.ReportEvent(pb.HandoffEvent(conversation_id=cid, type=pb.ESCALATED, request_id="e"))
    before = await first.conversations.GetContextPackage(
        pb.GetContextPackageRequest(conversation_id=cid, min_turn_id=6, wait_ms=5000)
    )
    await first.stop()

    second = await start_server(settings)
    try:
        after = await second.conversations.GetContextPackage(pb.GetContextPackageRequest(conversation_id=cid))
        assert [t.text for t in after.transcript] == [t.text for t in before.transcript]
        assert after.analyzed_through_turn == 6
        assert after.stage == pb.TRANSFERRING
        retry = await second.conversations.AppendTurn(
            pb.AppendTurnRequest(conversation_id=cid, request_id="r5", role=pb.CUSTOMER, text="turn 5")
        )
        assert retry.duplicate and retry.turn.turn_id == 6
        assert len(await second.runtime.store.list_events(cid)) == 1
    finally:
        await second.stop()


def test_acknowledged_turns_survive_kill_9(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "server", "serve", "--port", "0", "--data-dir", str(tmp_path)]
    env = {**os.environ, "HANDOFF_EMBEDDINGS": "false"}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        line = proc.stdout.readline()  # "handoff-server listening on 127.0.0.1:PORT ..."
        port = int(line.split()[3].rsplit(":", 1)[1])
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.ConversationServiceStub(channel)
            stub.CreateConversation(pb.CreateConversationRequest(conversation_id="crash"))
            acked = [
                stub.AppendTurn(
                    pb.AppendTurnRequest(conversation_id="crash", request_id=f"k{i}", role=pb.CUSTOMER, text=f"t{i}")
                ).turn.turn_id
                for i in range(50)
            ]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    with closing(sqlite3.connect(tmp_path / "context.sqlite3")) as db:
        rows = db.execute("SELECT turn_id, text FROM turns WHERE conversation_id = 'crash' ORDER BY turn_id").fetchall()
    assert [r[0] for r in rows] == acked == list(range(1, 51))
    assert [r[1] for r in rows] == [f"t{i}" for i in range(50)]


async def test_health_reports_every_service_serving(running: Running) -> None:
    stub = health_pb2_grpc.HealthStub(running.channel)
    for service in ("", "handoff.v1.ConversationService", "handoff.v1.HandoffService"):
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=service))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_the_services(running: Running) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(running.channel)

    async def ask():
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    names = set()
    async for reply in stub.ServerReflectionInfo(ask()):
        names |= {s.name for s in reply.list_services_response.service}
    assert {"handoff.v1.ConversationService", "handoff.v1.HandoffService", "handoff.v1.KnowledgeService",
            "grpc.health.v1.Health"} <= names


async def test_idle_conversations_complete_and_are_purged_after_retention(tmp_path: Path) -> None:
    instance = await start_server(test_settings(tmp_path, inactivity_timeout_s=0.2, retention_s=0.4,
                                                housekeeping_interval_s=0.1))
    try:
        cid = await instance.create()
        await instance.say(cid, "r1", "hello?")
        deadline = time.time() + 5
        stage = None
        while time.time() < deadline:
            conversations = await instance.conversations.ListConversations(pb.ListConversationsRequest())
            stages = {c.conversation_id: c.stage for c in conversations.conversations}
            stage = stages.get(cid, "purged")
            if stage == "purged":
                break
            await asyncio.sleep(0.05)
        assert stage == "purged"
        assert await instance.runtime.store.list_turns(cid) == []
    finally:
        await instance.stop()


def test_committed_stubs_match_the_proto(tmp_path: Path) -> None:
    from server.api.protogen import generate

    generate(tmp_path)
    for fresh in (tmp_path / "server" / "_proto").rglob("*_pb2*.py*"):
        committed = ROOT / fresh.relative_to(tmp_path)
        assert committed.read_text() == fresh.read_text(), f"{committed} is stale: python -m server.api.protogen"


async def test_turns_another_process_stored_are_analysed_when_asked_for(tmp_path: Path) -> None:
    from server.context.records import NewTurn
    from server.context.sqlite_store import SQLiteStore

    instance = await start_server(test_settings(tmp_path))
    try:
        cid = await instance.create()
        await instance.say(cid, "r1", "hello")
        await instance.runtime.live.settled(cid)
        other = SQLiteStore(tmp_path / "context.sqlite3")  # a second writer on the same database
        await other.append_turn(cid, NewTurn(request_id="elsewhere", role="customer", text="my email is a@b.co"), 50)
        await other.close()
        state = await instance.handoff.EvaluateEscalation(pb.EvaluateEscalationRequest(conversation_id=cid))
        package = await instance.conversations.GetContextPackage(pb.GetContextPackageRequest(conversation_id=cid))
        assert state.decided_at_turn == 2 and package.analyzed_through_turn == 2
        assert [t.request_id for t in package.transcript] == ["r1", "elsewhere"]
    finally:
        await instance.stop()


async def test_a_live_stream_hears_a_turn_another_process_stored(tmp_path: Path) -> None:
    from server.context.records import NewTurn
    from server.context.sqlite_store import SQLiteStore

    instance = await start_server(test_settings(tmp_path))
    try:
        cid = await instance.create()
        desktop = open_desktop(instance.knowledge, cid)
        reader = asyncio.create_task(desktop.first_alert())
        await desktop.opened.wait()
        await asyncio.sleep(0.5)  # the stream is open and watching
        other = SQLiteStore(tmp_path / "context.sqlite3")  # a second writer on the same database
        await other.append_turn(cid, NewTurn(request_id="elsewhere", role="customer",
                                             text="This is useless!! LET ME SPEAK TO A REAL PERSON NOW"), 50)
        await other.close()
        alert = await asyncio.wait_for(reader, 10)
        assert list(alert.turn_ids) == [1]
        desktop.close()
    finally:
        await instance.stop()


def test_a_command_line_client_says_when_no_server_answers() -> None:
    import argparse
    import socket

    from server.errors import UnavailableError
    from server.transport import connected

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    args = argparse.Namespace(target=f"127.0.0.1:{closed}", tls=False, ca=None, cert=None, key=None, api_key="")
    with pytest.raises(UnavailableError, match=f"no server answers at 127.0.0.1:{closed}"):
        with connected(args, ready_s=0.3):
            pass
