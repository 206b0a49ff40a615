"""Load: N open conversations, turns at a fixed rate, against one or more replicas, beside bare gRPC.

    python bench/load.py [--conversations 2000] [--rate 300] [--seconds 15] [--targets HOST:PORT ...]

Without --targets it starts one server on the embedded defaults (and reads its
memory); with --targets it drives running replicas, a conversation's turns
alternating between them. Turns are sent open-loop (latency is measured from
each turn's scheduled time, so a server that falls behind shows it); every 50th
turn also asks for the package reflecting it (the analysis lag), every 200th
asks for the handoff brief. In the same run a bare grpc.aio echo service (no
proto, bytes in and out) in its own process is driven the same way, so the
server's figures read as a share of what gRPC itself does on this machine.
Everything is on 127.0.0.1, bounded in time, and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import grpc
from grpc import aio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server._proto.handoff.v1 import handoff_pb2 as pb  # noqa: E402
from server._proto.handoff.v1 import handoff_pb2_grpc as pb_grpc  # noqa: E402

ECHO = "/bench.Echo/Echo"
CUSTOMER = [
    "Hi, my order {n} hasn't arrived yet and it was due on Monday.",
    "My email is user{n}@example.com if you need it.",
    "This is the second time I'm asking about this!",
    "Can you tell me when it will be delivered?",
    "The tracking number is 1Z{n}AA and it hasn't moved in days.",
]
BOT = [
    "I'm sorry about that. Let me check order {n} for you.",
    "Your order shipped on Monday and is in transit.",
    "I've asked the carrier for an update; you'll hear from us within 24 hours.",
]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start_server(data_dir: str, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "--log-level", "WARNING", "serve", "--port", "0", "--data-dir", data_dir],
        stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    return proc, line.split()[3]


def start_echo() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, __file__, "--echo-server"], stdout=subprocess.PIPE, text=True)
    return proc, (proc.stdout.readline() if proc.stdout else "").strip()


async def echo_server() -> None:
    server = aio.server()
    handler = grpc.unary_unary_rpc_method_handler(_echo)
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("bench.Echo", {"Echo": handler})])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(f"127.0.0.1:{port}", flush=True)
    await asyncio.sleep(3600)  # the benchmark terminates it


async def _echo(request: bytes, context: aio.ServicerContext) -> bytes:
    return request


class Recorder:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    async def time(self, name: str, scheduled: float, call) -> object:  # type: ignore[no-untyped-def]
        try:
            result = await call
        except aio.AioRpcError as e:
            self.errors[name][e.code().name] += 1
            return None
        self.latency[name].append(time.perf_counter() - scheduled)
        return result


async def open_conversations(stubs, count: int, concurrency: int = 64) -> list[str]:  # type: ignore[no-untyped-def]
    ids = [f"load-{os.getpid()}-{i}" for i in range(count)]
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int, cid: str) -> None:
        async with gate:
            stub = stubs[index % len(stubs)]
            await stub.CreateConversation(pb.CreateConversationRequest(conversation_id=cid, customer_id=f"cust-{index}"))
            await stub.AppendTurn(pb.AppendTurnRequest(
                conversation_id=cid, request_id="t0", role=pb.CUSTOMER, text=CUSTOMER[0].format(n=index)))

    await asyncio.gather(*(one(i, cid) for i, cid in enumerate(ids)))
    return ids


async def drive(
    targets: list[str], conversations: list[str], rate: float, seconds: float, spread: bool = False
) -> tuple[Recorder, float]:
    channels = [aio.insecure_channel(t) for t in targets]
    stubs = [pb_grpc.ConversationServiceStub(c) for c in channels]
    handoffs = [pb_grpc.HandoffServiceStub(c) for c in channels]
    recorder = Recorder()
    counters = defaultdict(lambda: 1)
    pending: set[asyncio.Task[object]] = set()
    start = time.perf_counter()
    sent = 0
    rng = random.Random(7)
    while (now := time.perf_counter()) - start < seconds:
        due = start + sent / rate
        if due > now:
            await asyncio.sleep(due - now)
        cid = rng.choice(conversations)
        turn = counters[cid]
        counters[cid] += 1
        # sticky: a conversation stays on one replica (a balancer with affinity); spread: every turn alternates
        stub_index = turn % len(stubs) if spread else hash(cid) % len(stubs)
        role, lines = (pb.CUSTOMER, CUSTOMER) if turn % 2 == 0 else (pb.BOT, BOT)
        request = pb.AppendTurnRequest(conversation_id=cid, request_id=f"t{turn}", role=role,
                                       text=lines[turn % len(lines)].format(n=turn))
        pending.add(asyncio.create_task(_turn(recorder, stubs, handoffs, stub_index, request, due, sent)))
        sent += 1
        pending = {t for t in pending if not t.done()}
    if pending:
        await asyncio.wait(pending, timeout=30)
    elapsed = time.perf_counter() - start
    for channel in channels:
        await channel.close()
    return recorder, elapsed


async def _turn(recorder: Recorder, stubs, handoffs, index: int, request, due: float, sent: int) -> None:  # type: ignore[no-untyped-def]
    ack = await recorder.time("AppendTurn", due, stubs[index].AppendTurn(request, timeout=10))
    if ack is None:
        return
    if sent % 50 == 0:
        asked = time.perf_counter()
        await recorder.time("analysis lag", asked, stubs[index].GetContextPackage(pb.GetContextPackageRequest(
            conversation_id=request.conversation_id, min_turn_id=ack.turn.turn_id, wait_ms=2000,
            omit_transcript=True), timeout=10))
    if sent % 200 == 0:
        asked = time.perf_counter()
        await recorder.time("Handoff (brief)", asked, handoffs[index].Handoff(
            pb.HandoffRequest(conversation_id=request.conversation_id), timeout=10))


async def drive_echo(target: str, rate: float, seconds: float, size: int) -> tuple[Recorder, float]:
    channel = aio.insecure_channel(target)
    call = channel.unary_unary(ECHO)
    recorder = Recorder()
    payload = b"x" * size
    start, sent, pending = time.perf_counter(), 0, set()
    while (now := time.perf_counter()) - start < seconds:
        due = start + sent / rate
        if due > now:
            await asyncio.sleep(due - now)
        pending.add(asyncio.create_task(recorder.time("bare gRPC echo", due, call(payload, timeout=10))))
        sent += 1
        pending = {t for t in pending if not t.done()}
    if pending:
        await asyncio.wait(pending, timeout=30)
    elapsed = time.perf_counter() - start
    await channel.close()
    return recorder, elapsed


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def table(recorders: list[tuple[Recorder, float]]) -> None:
    print(f"{'call':<18} {'count':>7} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  errors")
    for recorder, elapsed in recorders:
        for name, values in recorder.latency.items():
            errors = ", ".join(f"{k} {v}" for k, v in recorder.errors[name].items()) or "0"
            print(f"{name:<18} {len(values):>7} {len(values) / elapsed:>7.0f} {pct(values, .5):>8.2f} "
                  f"{pct(values, .95):>8.2f} {pct(values, .99):>8.2f}  {errors}")
        for name, errors in recorder.errors.items():
            if name not in recorder.latency:
                print(f"{name:<18} {0:>7} {0:>7} {'-':>8} {'-':>8} {'-':>8}  {dict(errors)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=300, help="turns per second, offered")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--targets", nargs="*", default=[])
    parser.add_argument("--spread", action="store_true", help="alternate each conversation's turns between replicas")
    parser.add_argument("--echo-server", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo_server:
        asyncio.run(echo_server())
        return
    procs: list[subprocess.Popen[str]] = []
    try:
        targets, server_pid = args.targets, None
        if not targets:
            proc, target = start_server(tempfile.mkdtemp(prefix="handoff-load-"), dict(os.environ))
            procs.append(proc)
            targets, server_pid = [target], proc.pid
        echo, echo_target = start_echo()
        procs.append(echo)
        time.sleep(1.0)
        before = rss_kb(server_pid) if server_pid else 0
        started = time.perf_counter()

        async def opening() -> list[str]:
            channels = [aio.insecure_channel(t) for t in targets]
            ids = await open_conversations([pb_grpc.ConversationServiceStub(c) for c in channels], args.conversations)
            for channel in channels:
                await channel.close()
            return ids

        conversations = asyncio.run(opening())
        opened_s = time.perf_counter() - started
        time.sleep(2.0)  # let the analysis of the first turns settle before reading memory
        after = rss_kb(server_pid) if server_pid else 0
        server = asyncio.run(drive(targets, conversations, args.rate, args.seconds, args.spread))
        bare = asyncio.run(drive_echo(echo_target, args.rate, args.seconds, size=120))
        routing = "spread: every turn alternates replicas" if args.spread else "sticky per conversation"
        print(f"{len(targets)} replica(s) {' '.join(targets)} ({routing}); {args.conversations} conversations opened in "
              f"{opened_s:.1f} s; offered {args.rate:.0f} turns/s for {args.seconds:.0f} s")
        table([server, bare])
        appended = len(server[0].latency["AppendTurn"])
        print(f"turns/s sustained: {appended / server[1]:.0f} of {args.rate:.0f} offered")
        if server_pid:
            per = (after - before) / max(1, args.conversations)
            print(f"server memory: {before / 1024:.0f} MB before, {after / 1024:.0f} MB with the conversations open: "
                  f"{per:.1f} KB per open conversation")
        bare_p99 = pct(bare[0].latency["bare gRPC echo"], .99)
        print(f"AppendTurn p99 is {pct(server[0].latency['AppendTurn'], .99) / bare_p99:.1f}x the bare gRPC p99 "
              f"({bare_p99:.2f} ms) at the same offered rate")
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
            if proc.stdout:
                proc.stdout.close()


if __name__ == "__main__":
    main()
